//! One state: its `Type`, the fields every type shares, the allowed-field tables, and the
//! simple types (Pass, Succeed, Fail, Wait). Task, Choice, Parallel and Map have their own files.

use super::paths::{self, PathKind};
use super::util::{is_jsonata, Ctx, Obj, MAX_SECONDS};
use super::{choice, map, query_language, task, Scope};
use crate::{Fail, JsonataFields, Kind, Pass, PathField, QueryLanguage, State, Text, Transition, Wait, WaitFor};
use serde_json::Value;

const COMMON: &[&str] = &["Type", "Comment", "QueryLanguage"];

/// Fields each type allows in JSONPath mode (besides [`COMMON`]).
fn jsonpath_fields(ty: &str) -> &'static [&'static str] {
    match ty {
        "Pass" => &["Next", "End", "InputPath", "OutputPath", "Parameters", "ResultPath", "Result", "Assign"],
        "Task" => &[
            "Next",
            "End",
            "InputPath",
            "OutputPath",
            "Parameters",
            "ResultSelector",
            "ResultPath",
            "Retry",
            "Catch",
            "Resource",
            "TimeoutSeconds",
            "TimeoutSecondsPath",
            "HeartbeatSeconds",
            "HeartbeatSecondsPath",
            "Credentials",
            "Assign",
        ],
        "Choice" => &["Choices", "Default", "InputPath", "OutputPath", "Assign"],
        "Wait" => &[
            "Next",
            "End",
            "InputPath",
            "OutputPath",
            "Seconds",
            "Timestamp",
            "SecondsPath",
            "TimestampPath",
            "Assign",
        ],
        "Succeed" => &["InputPath", "OutputPath"],
        "Fail" => &["Error", "Cause", "ErrorPath", "CausePath"],
        "Parallel" => &[
            "Next",
            "End",
            "InputPath",
            "OutputPath",
            "Parameters",
            "ResultSelector",
            "ResultPath",
            "Retry",
            "Catch",
            "Branches",
            "Assign",
        ],
        "Map" => &[
            "Next",
            "End",
            "InputPath",
            "OutputPath",
            "ItemsPath",
            "ItemProcessor",
            "Iterator",
            "ItemSelector",
            "Parameters",
            "MaxConcurrency",
            "MaxConcurrencyPath",
            "ResultSelector",
            "ResultPath",
            "Retry",
            "Catch",
            "ItemReader",
            "ItemBatcher",
            "ResultWriter",
            "Label",
            "ToleratedFailurePercentage",
            "ToleratedFailurePercentagePath",
            "ToleratedFailureCount",
            "ToleratedFailureCountPath",
            "Assign",
        ],
        _ => &[],
    }
}

/// Fields each type allows in JSONata mode (besides [`COMMON`]).
fn jsonata_fields(ty: &str) -> &'static [&'static str] {
    match ty {
        "Pass" => &["Next", "End", "Output", "Assign"],
        "Task" => &[
            "Next",
            "End",
            "Arguments",
            "Output",
            "Assign",
            "Retry",
            "Catch",
            "Resource",
            "TimeoutSeconds",
            "HeartbeatSeconds",
            "Credentials",
        ],
        "Choice" => &["Choices", "Default", "Output", "Assign"],
        "Wait" => &["Next", "End", "Output", "Assign", "Seconds", "Timestamp"],
        "Succeed" => &["Output"],
        "Fail" => &["Error", "Cause"],
        "Parallel" => &["Next", "End", "Arguments", "Output", "Assign", "Retry", "Catch", "Branches"],
        "Map" => &[
            "Next",
            "End",
            "Items",
            "ItemProcessor",
            "Iterator",
            "ItemSelector",
            "MaxConcurrency",
            "Output",
            "Assign",
            "Retry",
            "Catch",
            "ItemReader",
            "ItemBatcher",
            "ResultWriter",
            "Label",
            "ToleratedFailurePercentage",
            "ToleratedFailureCount",
        ],
        _ => &[],
    }
}

const TYPES: &[&str] = &["Pass", "Task", "Choice", "Wait", "Succeed", "Fail", "Parallel", "Map"];

/// What a state parser reads from: the state object, the effective query language, and the
/// scope for transitions.
pub(crate) struct Cx<'a> {
    pub obj: Obj<'a>,
    pub ql: QueryLanguage,
}

impl Cx<'_> {
    pub fn jsonata(&self) -> bool {
        self.ql == QueryLanguage::JSONata
    }
}

/// Reads one state. Returns the state (when it has no error) and whether it is terminal
/// (`End: true`, Succeed or Fail), for the machine's `MISSING_END_STATE` check.
pub(crate) fn state(
    ctx: &mut Ctx,
    scope: &mut Scope,
    name: &str,
    value: &Value,
    ptr: &str,
    inherited: QueryLanguage,
) -> (Option<State>, bool) {
    let Value::Object(map) = value else {
        ctx.schema("Expected value of type Object", ptr);
        return (None, false);
    };
    let obj = Obj::new(map, ptr);
    if !obj.require(ctx, &["Type"]) {
        return (None, false);
    }
    let Some(ty) = obj.str(ctx, "Type") else { return (None, false) };
    if !TYPES.contains(&ty) {
        ctx.schema(
            format!("Value '{ty}' is not one of the allowed values: [Pass, Task, Choice, Wait, Succeed, Fail, Parallel, Map]"),
            obj.at("Type"),
        );
        return (None, false);
    }
    let own_ql = query_language(ctx, obj);
    if ctx.machine_jsonata && own_ql == Some(QueryLanguage::JSONPath) {
        ctx.schema("'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine", obj.ptr);
    }
    let ql = own_ql.unwrap_or(inherited);
    check_fields(ctx, obj, ty, ql);
    let cx = Cx { obj, ql };

    let comment = obj.str(ctx, "Comment").map(str::to_owned);
    let jsonpath = ql == QueryLanguage::JSONPath;
    let has_io = !matches!(ty, "Fail");
    let input_path =
        if jsonpath && has_io { paths::path_field(ctx, obj, "InputPath", PathKind::Any) } else { PathField::Default };
    let output_path =
        if jsonpath && has_io { paths::path_field(ctx, obj, "OutputPath", PathKind::Any) } else { PathField::Default };
    let assign = paths::assign(ctx, obj, !jsonpath, false);
    let jsonata = (!jsonpath).then(|| jsonata_fields_of(ctx, obj));

    let terminal = matches!(ty, "Succeed" | "Fail") || obj.get("End") == Some(&Value::Bool(true));
    let kind = match ty {
        "Pass" => pass(ctx, scope, &cx),
        "Task" => task::task(ctx, scope, &cx),
        "Choice" => choice::choice(ctx, scope, &cx),
        "Wait" => wait(ctx, scope, &cx),
        "Succeed" => Some(Kind::Succeed),
        "Fail" => fail(ctx, &cx),
        "Parallel" => map::parallel(ctx, scope, &cx),
        _ => map::map(ctx, scope, &cx),
    };
    let state = kind.map(|kind| State {
        name: name.to_owned(),
        comment,
        query_language: own_ql,
        input_path,
        output_path,
        assign,
        jsonata,
        kind,
    });
    (state, terminal)
}

/// Compiles the JSONata fields a JSONata state has.
fn jsonata_fields_of(ctx: &mut Ctx, obj: Obj) -> JsonataFields {
    let mut fields = JsonataFields::default();
    for field in JsonataFields::FIELDS {
        let Some(value) = obj.get(field) else { continue };
        let compiled = paths::jsonata_template(ctx, value, &obj.at(field), field, false);
        if let Some(slot) = fields.slot(field) {
            *slot = compiled;
        }
    }
    fields
}

/// Reports fields the type does not allow, with AWS's special message for JSONPath-only
/// fields in a JSONata state.
fn check_fields(ctx: &mut Ctx, obj: Obj, ty: &str, ql: QueryLanguage) {
    let allowed = match ql {
        QueryLanguage::JSONPath => jsonpath_fields(ty),
        QueryLanguage::JSONata => jsonata_fields(ty),
    };
    for key in obj.map.keys() {
        let key = key.as_str();
        if COMMON.contains(&key) || allowed.contains(&key) {
            continue;
        }
        if ql == QueryLanguage::JSONata && jsonpath_fields(ty).contains(&key) {
            ctx.schema(
                format!("The QueryLanguage is set to 'JSONata', but field '{key}' is only supported for the 'JSONPath' QueryLanguage"),
                obj.ptr,
            );
        } else {
            ctx.schema(format!("Field '{key}' is not supported"), obj.ptr);
        }
    }
}

/// `Next` or `End`: exactly one of them.
pub(crate) fn transition(ctx: &mut Ctx, scope: &mut Scope, obj: Obj) -> Option<Transition> {
    let end = obj.bool(ctx, "End");
    match (obj.has("Next"), end) {
        (true, Some(true)) => {
            ctx.schema("Only one of these fields is allowed: [Next, End]", obj.ptr);
            // Still follow Next, so its target is not reported as unreachable too.
            scope.target(ctx, obj, "Next");
            None
        }
        (true, _) => scope.target(ctx, obj, "Next").map(Transition::Next),
        (false, Some(true)) => Some(Transition::End),
        (false, _) => {
            ctx.schema("One of these fields is required: [Next, End]", obj.ptr);
            None
        }
    }
}

fn pass(ctx: &mut Ctx, scope: &mut Scope, cx: &Cx) -> Option<Kind> {
    let obj = cx.obj;
    let transition = transition(ctx, scope, obj);
    let (parameters, result_path) = if cx.jsonata() {
        (None, PathField::Default)
    } else {
        (paths::template(ctx, obj, "Parameters"), paths::path_field(ctx, obj, "ResultPath", PathKind::Result))
    };
    if obj.has("Parameters") && parameters.is_none() && !cx.jsonata() {
        return None;
    }
    Some(Kind::Pass(Pass {
        result: obj.get("Result").map(expr::Value::from),
        parameters,
        result_path,
        transition: transition?,
    }))
}

fn fail(ctx: &mut Ctx, cx: &Cx) -> Option<Kind> {
    let error = text_pair(ctx, cx, "Error")?;
    let cause = text_pair(ctx, cx, "Cause")?;
    Some(Kind::Fail(Fail { error, cause }))
}

/// `Error`/`ErrorPath` or `Cause`/`CausePath`: at most one of the pair. `None` on a problem.
fn text_pair(ctx: &mut Ctx, cx: &Cx, key: &str) -> Option<Option<Text>> {
    let obj = cx.obj;
    let path_key = format!("{key}Path");
    if obj.has(key) && obj.has(&path_key) {
        ctx.schema(format!("Only one of these fields is allowed: [{key}, {path_key}]"), obj.ptr);
        return None;
    }
    if obj.has(&path_key) {
        if cx.jsonata() {
            return Some(None); // already reported by the field check
        }
        return paths::text_expr(ctx, obj, &path_key).map(Some);
    }
    if obj.has(key) {
        return obj.str(ctx, key).map(|s| Some(Text::Literal(s.to_owned())));
    }
    Some(None)
}

fn wait(ctx: &mut Ctx, scope: &mut Scope, cx: &Cx) -> Option<Kind> {
    let obj = cx.obj;
    let transition = transition(ctx, scope, obj);
    let present: Vec<&str> =
        ["Seconds", "Timestamp", "SecondsPath", "TimestampPath"].into_iter().filter(|k| obj.has(k)).collect();
    if present.len() != 1 {
        ctx.schema(
            "Exactly one of these fields is required: [Seconds, Timestamp, SecondsPath, TimestampPath]",
            obj.ptr,
        );
        return None;
    }
    let key = present[0];
    let until = match key {
        _ if cx.jsonata() && obj.get(key).is_some_and(is_jsonata) => WaitFor::Seconds(0),
        "Seconds" => WaitFor::Seconds(obj.int(ctx, key, 0, MAX_SECONDS)?),
        "Timestamp" => {
            let text = obj.str(ctx, key)?;
            match timestamp_millis(text) {
                Some(ms) => WaitFor::Timestamp(ms),
                None => {
                    ctx.schema("String does not match RFC3339 timestamp", obj.at(key));
                    return None;
                }
            }
        }
        "SecondsPath" => WaitFor::SecondsPath(paths::path(ctx, obj, key, PathKind::Reference)?),
        _ => WaitFor::TimestampPath(paths::path(ctx, obj, key, PathKind::Reference)?),
    };
    Some(Kind::Wait(Wait { until, transition: transition? }))
}

/// Parses an RFC 3339 timestamp (a `T` between date and time, and an offset) to epoch ms.
pub(crate) fn timestamp_millis(text: &str) -> Option<i64> {
    // chrono also accepts a space for the `T`; RFC 3339 as AWS reads it does not.
    if !matches!(text.as_bytes().get(10), Some(b'T' | b't')) {
        return None;
    }
    chrono::DateTime::parse_from_rfc3339(text).ok().map(|t| t.timestamp_millis())
}
