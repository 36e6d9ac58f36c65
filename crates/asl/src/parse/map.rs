//! The Parallel and Map states: branches, item processors, and the Distributed Map fields.

use super::errors::{catchers, retriers};
use super::paths::{self, PathKind};
use super::state::{transition, Cx};
use super::util::{index, is_jsonata, Ctx, Obj};
use super::{machine, Scope};
use crate::{Kind, Map, Parallel, PathField, ProcessorMode};
use serde_json::Value;
use std::sync::Arc;

pub(crate) fn parallel(ctx: &mut Ctx, scope: &mut Scope, cx: &Cx) -> Option<Kind> {
    let obj = cx.obj;
    let transition = transition(ctx, scope, obj);
    let before = ctx.error_count();
    obj.require(ctx, &["Branches"]);
    let mut branches = Vec::new();
    if let Some(list) = obj.array(ctx, "Branches") {
        let ptr = obj.at("Branches");
        if list.is_empty() {
            ctx.schema("Value cannot be empty", ptr.as_str());
        }
        for (i, value) in list.iter().enumerate() {
            let at = index(&ptr, i);
            let Value::Object(map) = value else {
                ctx.schema("Expected value of type Object", at);
                continue;
            };
            let b = Obj::new(map, &at);
            b.only(ctx, &["StartAt", "States", "Comment"]);
            if let Some(m) = machine(ctx, b, cx.ql) {
                branches.push(Arc::new(m));
            }
        }
    }
    let (parameters, result_selector, result_path) = data_fields(ctx, cx, "Parameters");
    let retry = retriers(ctx, obj);
    let catch = catchers(ctx, scope, cx);
    if ctx.error_count() != before {
        return None;
    }
    Some(Kind::Parallel(Parallel {
        branches,
        parameters,
        result_selector,
        result_path,
        retry: retry?,
        catch: catch?,
        transition: transition?,
    }))
}

/// The JSONPath data fields of Parallel and Map: the input template (`Parameters` or
/// `ItemSelector`), `ResultSelector`, `ResultPath`.
fn data_fields(ctx: &mut Ctx, cx: &Cx, input_key: &str) -> (Option<expr::Template>, Option<expr::Template>, PathField) {
    if cx.jsonata() {
        return (None, None, PathField::Default);
    }
    let obj = cx.obj;
    (
        paths::template(ctx, obj, input_key),
        paths::template(ctx, obj, "ResultSelector"),
        paths::path_field(ctx, obj, "ResultPath", PathKind::Result),
    )
}

/// Characters AWS refuses in a Map `Label` (besides whitespace and control characters).
const LABEL_FORBIDDEN: &str = "<>{}[]?*\"#%\\^|~`$&,;:/";

pub(crate) fn map(ctx: &mut Ctx, scope: &mut Scope, cx: &Cx) -> Option<Kind> {
    let obj = cx.obj;
    let transition = transition(ctx, scope, obj);
    let before = ctx.error_count();

    // ItemProcessor, or the older Iterator; ItemSelector, or the older Parameters.
    let processor_key = match (obj.has("ItemProcessor"), obj.has("Iterator")) {
        (true, true) => {
            ctx.schema("Only one of these fields is allowed: [ItemProcessor, Iterator]", obj.ptr);
            None
        }
        (true, false) => Some("ItemProcessor"),
        (false, true) => Some("Iterator"),
        (false, false) => {
            ctx.schema("These fields are required: [ItemProcessor]", obj.ptr);
            None
        }
    };
    let selector_key = if obj.has("ItemSelector") && obj.has("Parameters") {
        ctx.schema("Only one of these fields is allowed: [ItemSelector, Parameters]", obj.ptr);
        "ItemSelector"
    } else if obj.has("Parameters") {
        "Parameters"
    } else {
        "ItemSelector"
    };

    let mut mode = ProcessorMode::Inline;
    let mut execution_type = None;
    let mut processor = None;
    if let Some(key) = processor_key {
        if let Some(map) = obj.object(ctx, key) {
            let ptr = obj.at(key);
            let p = Obj::new(map, &ptr);
            p.only(ctx, &["StartAt", "States", "Comment", "ProcessorConfig"]);
            if let Some(config) = p.object(ctx, "ProcessorConfig") {
                let cptr = p.at("ProcessorConfig");
                let c = Obj::new(config, &cptr);
                c.only(ctx, &["Mode", "ExecutionType"]);
                match c.str(ctx, "Mode") {
                    None | Some("INLINE") => {}
                    Some("DISTRIBUTED") => mode = ProcessorMode::Distributed,
                    Some(other) => ctx.schema(
                        format!("Value '{other}' is not one of the allowed values: [INLINE, DISTRIBUTED]"),
                        c.at("Mode"),
                    ),
                }
                match c.str(ctx, "ExecutionType") {
                    None => {}
                    Some(t @ ("STANDARD" | "EXPRESS")) => execution_type = Some(t.to_owned()),
                    Some(other) => ctx.schema(
                        format!("Value '{other}' is not one of the allowed values: [STANDARD, EXPRESS]"),
                        c.at("ExecutionType"),
                    ),
                }
            }
            processor = machine(ctx, p, cx.ql);
        }
    }

    let items_path = if cx.jsonata() {
        PathField::Default
    } else if obj.get("ItemsPath") == Some(&Value::Null) {
        ctx.schema("Expected value of type String", obj.at("ItemsPath"));
        PathField::Default
    } else {
        paths::path_field(ctx, obj, "ItemsPath", PathKind::Reference)
    };
    let (item_selector, result_selector, result_path) =
        if cx.jsonata() { (None, None, PathField::Default) } else { data_fields(ctx, cx, selector_key) };
    let max_concurrency = if cx.jsonata() && obj.get("MaxConcurrency").is_some_and(is_jsonata) {
        None
    } else {
        paths::count(ctx, obj, "MaxConcurrency", 0, u64::from(u32::MAX))
    };
    let label = label(ctx, obj);
    let tolerated_failure_percentage = tolerated(ctx, cx, "ToleratedFailurePercentage", 100.0);
    let tolerated_failure_count = tolerated(ctx, cx, "ToleratedFailureCount", f64::MAX);
    let item_reader = sub_object(ctx, obj, "ItemReader", ITEM_READER);
    if let Some(Value::Object(reader)) = &item_reader {
        if let Some(Value::Object(config)) = reader.get("ReaderConfig") {
            let ptr = super::util::child(&obj.at("ItemReader"), "ReaderConfig");
            let c = Obj::new(config, &ptr);
            c.only(ctx, READER_CONFIG);
            exclusive(ctx, c, &["MaxItems"]);
        }
    }
    let item_batcher = sub_object(ctx, obj, "ItemBatcher", ITEM_BATCHER);
    if let Some(Value::Object(batcher)) = &item_batcher {
        let ptr = obj.at("ItemBatcher");
        exclusive(ctx, Obj::new(batcher, &ptr), &["MaxItemsPerBatch", "MaxInputBytesPerBatch"]);
    }
    let result_writer = sub_object(ctx, obj, "ResultWriter", RESULT_WRITER);
    let retry = retriers(ctx, obj);
    let catch = catchers(ctx, scope, cx);
    if ctx.error_count() != before {
        return None;
    }
    Some(Kind::Map(Map {
        processor: Arc::new(processor?),
        mode,
        execution_type,
        items_path,
        item_selector,
        max_concurrency,
        result_selector,
        result_path,
        retry: retry?,
        catch: catch?,
        transition: transition?,
        label,
        item_reader: item_reader.map(expr::Value::from),
        item_batcher: item_batcher.map(expr::Value::from),
        result_writer: result_writer.map(expr::Value::from),
        tolerated_failure_percentage: tolerated_failure_percentage.map(expr::Value::from),
        tolerated_failure_count: tolerated_failure_count.map(expr::Value::from),
    }))
}

fn label(ctx: &mut Ctx, obj: Obj) -> Option<String> {
    let text = obj.str(ctx, "Label")?;
    let at = obj.at("Label");
    if text.is_empty() {
        ctx.value_error("Label cannot be empty", at);
    } else if text.chars().count() > 40 {
        ctx.value_error("Label cannot exceed 40 characters", at);
    } else if let Some(c) = text.chars().find(|c| c.is_whitespace() || c.is_control() || LABEL_FORBIDDEN.contains(*c)) {
        let shown = crate::python_repr(&c.to_string());
        ctx.value_error(format!("Label contains invalid character: {shown}"), at);
    }
    Some(text.to_owned())
}

/// `ToleratedFailurePercentage`/`Count` or their `Path` forms, kept as written: a number,
/// or a string that is a reference path (JSONPath) or an expression (JSONata).
fn tolerated(ctx: &mut Ctx, cx: &Cx, key: &str, max: f64) -> Option<Value> {
    let obj = cx.obj;
    let path_key = format!("{key}Path");
    if obj.has(key) && obj.has(&path_key) {
        ctx.schema(format!("Only one of these fields is allowed: [{key}, {path_key}]"), obj.ptr);
        return None;
    }
    if obj.has(&path_key) {
        paths::path(ctx, obj, &path_key, PathKind::Reference)?;
        return obj.get(&path_key).cloned();
    }
    let value = obj.get(key)?;
    if cx.jsonata() && is_jsonata(value) {
        return Some(value.clone());
    }
    let n = obj.number(ctx, key)?;
    if !(0.0..=max).contains(&n) || (max == f64::MAX && n.fract() != 0.0) {
        ctx.schema(format!("The value for the field '{key}' is out of range"), obj.at(key));
    }
    Some(value.clone())
}

const ITEM_READER: &[&str] = &["Resource", "Parameters", "Arguments", "ReaderConfig"];
const READER_CONFIG: &[&str] = &[
    "InputType",
    "CSVHeaderLocation",
    "CSVHeaders",
    "CSVDelimiter",
    "MaxItems",
    "MaxItemsPath",
    "ItemsPointer",
    "Transformation",
    "ManifestType",
];
const ITEM_BATCHER: &[&str] =
    &["MaxItemsPerBatch", "MaxItemsPerBatchPath", "MaxInputBytesPerBatch", "MaxInputBytesPerBatchPath", "BatchInput"];
const RESULT_WRITER: &[&str] = &["Resource", "Parameters", "Arguments", "WriterConfig"];

/// A Distributed Map settings object, checked for unknown fields and kept as written.
fn sub_object(ctx: &mut Ctx, obj: Obj, key: &str, allowed: &[&str]) -> Option<Value> {
    let map = obj.object(ctx, key)?;
    let ptr = obj.at(key);
    Obj::new(map, &ptr).only(ctx, allowed);
    Some(Value::Object(map.clone()))
}

/// Each of `keys` may be given literally or as `<key>Path`, not both.
fn exclusive(ctx: &mut Ctx, obj: Obj, keys: &[&str]) {
    for key in keys {
        let path_key = format!("{key}Path");
        if obj.has(key) && obj.has(&path_key) {
            ctx.schema(format!("Only one of these fields is allowed: [{key}, {path_key}]"), obj.ptr);
        }
    }
}
