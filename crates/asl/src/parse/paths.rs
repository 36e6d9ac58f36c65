//! Path, template and expression fields: compiled through `expr`, problems reported in AWS's words.

use super::util::{child, index, Ctx, Obj, UNSUPPORTED_JSONATA};
use crate::{Assign, Count, PathField, Text};
use expr::{jsonata, Expr, Path, Template};
use serde_json::Value;

/// How strict a path field is.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum PathKind {
    /// Any JSONPath (`InputPath`, `OutputPath`).
    Any,
    /// A reference path (`ItemsPath`, `*Path` count fields).
    Reference,
    /// A reference path that may not read the context object (`ResultPath`).
    Result,
}

/// Reads an optional path field where `null` is allowed and means something.
pub(crate) fn path_field(ctx: &mut Ctx, obj: Obj, key: &str, kind: PathKind) -> PathField {
    match obj.get(key) {
        None => PathField::Default,
        Some(Value::Null) => PathField::Null,
        Some(_) => path(ctx, obj, key, kind).map_or(PathField::Default, PathField::Path),
    }
}

/// Reads a path field that must be a string.
pub(crate) fn path(ctx: &mut Ctx, obj: Obj, key: &str, kind: PathKind) -> Option<Path> {
    let text = obj.str(ctx, key)?;
    let parsed = match kind {
        PathKind::Any => Path::parse(text),
        PathKind::Reference | PathKind::Result => Path::parse_reference(text),
    };
    match parsed {
        // ResultPath writes into the state input: no context object, no variable.
        Ok(p)
            if kind == PathKind::Result
                && (p.is_context() || !(text == "$" || text.starts_with("$.") || text.starts_with("$["))) =>
        {
            ctx.schema(format!("The value for the field '{key}' must be a valid ReferencePath"), obj.at(key));
            None
        }
        Ok(p) => Some(p),
        Err(_) => {
            let what = if kind == PathKind::Any { "JSONPath" } else { "ReferencePath" };
            ctx.schema(format!("The value for the field '{key}' must be a valid {what}"), obj.at(key));
            None
        }
    }
}

/// Reads a payload template field (`Parameters`, `ResultSelector`, `ItemSelector`).
pub(crate) fn template(ctx: &mut Ctx, obj: Obj, key: &str) -> Option<Template> {
    let value = obj.get(key)?;
    compile(ctx, value, &obj.at(key))
}

/// Compiles a template at `ptr`, reporting every bad `.$` field.
pub(crate) fn compile(ctx: &mut Ctx, value: &Value, ptr: &str) -> Option<Template> {
    let before = ctx.error_count();
    duplicate_keys(ctx, value, ptr);
    if ctx.error_count() != before {
        return None;
    }
    match Template::compile(&expr::Value::from(value)) {
        Ok(t) => Some(t),
        Err(errors) => {
            for e in errors {
                ctx.schema(e.message, format!("{ptr}{}", e.pointer));
            }
            None
        }
    }
}

/// Reads `Assign`: a payload template in JSONPath mode (checked and compiled), kept as
/// written in JSONata mode.
pub(crate) fn assign(ctx: &mut Ctx, obj: Obj, jsonata: bool, in_catcher: bool) -> Option<Assign> {
    let value = obj.get("Assign")?;
    let ptr = obj.at("Assign");
    if !value.is_object() {
        ctx.schema("Expected value of type Object", ptr);
        return None;
    }
    if jsonata {
        return jsonata_template(ctx, value, &ptr, "Assign", in_catcher).map(Assign::Jsonata);
    }
    compile(ctx, value, &ptr).map(Assign::JsonPath)
}

/// Compiles a JSONata field (literals and `{% %}` expressions at any depth) at `ptr`;
/// `field` is the name AWS gives it in causes (`Output`, `Choices[0]/Condition`).
/// `$states.errorOutput` exists only in a catcher's fields.
pub(crate) fn jsonata_template(
    ctx: &mut Ctx,
    value: &Value,
    ptr: &str,
    field: &str,
    in_catcher: bool,
) -> Option<jsonata::Template> {
    match jsonata::Template::compile(&expr::Value::from(value), field) {
        Ok(t) if !in_catcher && t.expressions().iter().any(|e| e.reads_error_output()) => {
            ctx.error(UNSUPPORTED_JSONATA, "Field '$states.errorOutput' does not exist.", ptr);
            None
        }
        Ok(t) => Some(t),
        Err(errors) => {
            for e in errors {
                ctx.error(e.code, e.message, format!("{ptr}{}", e.pointer));
            }
            None
        }
    }
}

/// `ErrorPath` / `CausePath`: a reference path or an intrinsic call.
pub(crate) fn text_expr(ctx: &mut Ctx, obj: Obj, key: &str) -> Option<Text> {
    let text = obj.str(ctx, key)?;
    match Expr::parse(text) {
        Ok(e) => Some(Text::Expr(e)),
        Err(_) => {
            ctx.schema(
                format!("The value for the field '{key}' must be a valid JSONPath or a valid intrinsic function call"),
                obj.at(key),
            );
            None
        }
    }
}

/// Reads a number given as `key` (an integer in `min..=max`) or `key`Path (a reference path).
/// Both at once is an error.
pub(crate) fn count(ctx: &mut Ctx, obj: Obj, key: &str, min: u64, max: u64) -> Option<Count> {
    let path_key = format!("{key}Path");
    match (obj.has(key), obj.has(&path_key)) {
        (true, true) => {
            ctx.schema(format!("Only one of these fields is allowed: [{key}, {path_key}]"), obj.ptr);
            None
        }
        (true, false) => obj.int(ctx, key, min, max).map(Count::Value),
        (false, true) => path(ctx, obj, &path_key, PathKind::Reference).map(Count::Path),
        (false, false) => None,
    }
}

/// A template may not hold both `x` and `x.$` in one object, at any depth.
fn duplicate_keys(ctx: &mut Ctx, value: &Value, ptr: &str) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                if let Some(plain) = key.strip_suffix(".$") {
                    if map.contains_key(plain) {
                        ctx.schema(format!("The field '{plain}' is defined more than once"), ptr);
                    }
                }
                duplicate_keys(ctx, inner, &child(ptr, key));
            }
        }
        Value::Array(items) => {
            for (i, inner) in items.iter().enumerate() {
                duplicate_keys(ctx, inner, &index(ptr, i));
            }
        }
        _ => {}
    }
}
