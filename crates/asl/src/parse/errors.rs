//! `Retry` and `Catch`: retriers, catchers, and the `ErrorEquals` rules they share.

use super::paths::{self, PathKind};
use super::state::Cx;
use super::util::{index, objects, Ctx, Obj, MAX_SECONDS};
use super::Scope;
use crate::{Catcher, Jitter, PathField, Retrier};
use serde_json::Value;

const RETRIER_FIELDS: &[&str] =
    &["ErrorEquals", "IntervalSeconds", "MaxAttempts", "BackoffRate", "MaxDelaySeconds", "JitterStrategy", "Comment"];
const CATCHER_FIELDS_JSONPATH: &[&str] = &["ErrorEquals", "Next", "ResultPath", "Comment", "Assign"];
const CATCHER_FIELDS_JSONATA: &[&str] = &["ErrorEquals", "Next", "Output", "Comment", "Assign"];

/// Largest `MaxDelaySeconds` (one year and a day).
const MAX_DELAY: u64 = 31_622_400;

/// Reads `Retry`. `None` when something in it is wrong (already reported).
pub(crate) fn retriers(ctx: &mut Ctx, obj: Obj) -> Option<Vec<Retrier>> {
    objects(ctx, obj, "Retry", |ctx, r, last| {
        let before = ctx.error_count();
        r.only(ctx, RETRIER_FIELDS);
        r.require(ctx, &["ErrorEquals"]);
        let errors = error_equals(ctx, r, last);
        let interval_seconds = r.int(ctx, "IntervalSeconds", 1, MAX_SECONDS).unwrap_or(1);
        let max_attempts = r.int(ctx, "MaxAttempts", 0, MAX_SECONDS).unwrap_or(3);
        let backoff_rate = r.number(ctx, "BackoffRate").unwrap_or(2.0);
        if backoff_rate < 1.0 {
            ctx.schema("Value must be greater than or equal to 1.0", r.at("BackoffRate"));
        }
        let max_delay_seconds = r.int(ctx, "MaxDelaySeconds", 1, MAX_DELAY);
        let jitter = match r.str(ctx, "JitterStrategy") {
            None | Some("NONE") => Jitter::None,
            Some("FULL") => Jitter::Full,
            Some(other) => {
                ctx.schema(
                    format!("Value '{other}' is not one of the allowed values: [FULL, NONE]"),
                    r.at("JitterStrategy"),
                );
                Jitter::None
            }
        };
        r.str(ctx, "Comment");
        (ctx.error_count() == before).then(|| Retrier {
            error_equals: errors.unwrap_or_default(),
            interval_seconds,
            max_attempts,
            backoff_rate,
            max_delay_seconds,
            jitter,
        })
    })
}

/// Reads `Catch`. `None` when something in it is wrong (already reported).
pub(crate) fn catchers(ctx: &mut Ctx, scope: &mut Scope, cx: &Cx) -> Option<Vec<Catcher>> {
    objects(ctx, cx.obj, "Catch", |ctx, c, last| {
        let before = ctx.error_count();
        c.only(ctx, if cx.jsonata() { CATCHER_FIELDS_JSONATA } else { CATCHER_FIELDS_JSONPATH });
        c.require(ctx, &["ErrorEquals", "Next"]);
        let errors = error_equals(ctx, c, last);
        let next = if c.has("Next") { scope.target(ctx, c, "Next") } else { None };
        let result_path =
            if cx.jsonata() { PathField::Default } else { paths::path_field(ctx, c, "ResultPath", PathKind::Result) };
        let assign = paths::assign(ctx, c, cx.jsonata(), true);
        let output = match c.get("Output") {
            Some(o) if cx.jsonata() => paths::jsonata_template(ctx, o, &c.at("Output"), "Output", true),
            _ => None,
        };
        c.str(ctx, "Comment");
        if ctx.error_count() != before {
            return None;
        }
        Some(Catcher { error_equals: errors.unwrap_or_default(), next: next?, result_path, assign, output })
    })
}

/// `ErrorEquals`: a non-empty list of strings; `States.ALL` alone, in the last element.
fn error_equals(ctx: &mut Ctx, obj: Obj, last: bool) -> Option<Vec<String>> {
    let list = obj.array(ctx, "ErrorEquals")?;
    let ptr = obj.at("ErrorEquals");
    if list.is_empty() {
        ctx.schema("Value cannot be empty", ptr);
        return None;
    }
    let mut out = Vec::with_capacity(list.len());
    for (i, v) in list.iter().enumerate() {
        match v {
            Value::String(s) => out.push(s.clone()),
            _ => ctx.schema("Expected value of type String", index(&ptr, i)),
        }
    }
    if out.iter().any(|e| e == "States.ALL") {
        if out.len() > 1 {
            ctx.schema("States.ALL must appear alone in ErrorEquals", ptr.as_str());
        }
        if !last {
            ctx.schema("States.ALL must be in the last retrier or catcher", ptr.as_str());
        }
    }
    (out.len() == list.len()).then_some(out)
}
