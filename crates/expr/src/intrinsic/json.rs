//! JSON functions: `States.StringToJson`, `States.JsonToString` and `States.JsonMerge`.

use super::{compact, Ctx, Outcome};
use crate::Value;

/// Parses a JSON text. A blank text gives `null`, as on AWS.
pub(super) fn string_to_json(ctx: &Ctx) -> Outcome {
    let text = ctx.string(0)?;
    if text.trim().is_empty() {
        return Ok(Value::Null);
    }
    let mut value =
        crate::json::from_str(text).map_err(|e| ctx.invalid(format!("the string is not valid JSON: {e}")))?;
    zero_for_negative_zero(&mut value);
    Ok(value)
}

/// serde_json reads `-0` as the float `-0.0`; AWS (Jackson) reads it as the integer `0`.
/// (A written `-0.0` becomes `0` too: serde_json keeps no trace of the difference.)
pub(super) fn zero_for_negative_zero(value: &mut Value) {
    match value {
        Value::Number(n) if n.as_f64().is_some_and(|f| f == 0.0 && f.is_sign_negative()) => *value = Value::from(0),
        Value::Array(items) => items.iter_mut().for_each(zero_for_negative_zero),
        Value::Object(map) => map.values_mut().for_each(zero_for_negative_zero),
        _ => {}
    }
}

/// Serialises a value compactly (no spaces), as AWS does.
pub(super) fn json_to_string(ctx: &Ctx) -> Outcome {
    Ok(Value::from(compact(ctx.args.first().unwrap_or(&Value::Null))))
}

/// `States.JsonMerge(a, b, false)`: a shallow merge where `b`'s values win. Only `false`
/// (shallow) is supported by AWS.
///
/// AWS's output lists `b`'s keys first, then the keys only `a` has
/// (`ls_test_json_manipulation__..._test_json_merge_escaped_argument`).
pub(super) fn merge(ctx: &Ctx) -> Outcome {
    let (Some(Value::Object(a)), Some(Value::Object(b))) = (ctx.args.first(), ctx.args.get(1)) else {
        return Err(ctx.invalid("the first two arguments must be JSON objects"));
    };
    match ctx.args.get(2) {
        Some(Value::Bool(false)) => {}
        Some(Value::Bool(true)) => return Err(ctx.invalid("deep merging is not supported")),
        _ => return Err(ctx.invalid("the third argument must be the boolean false")),
    }
    let mut merged = b.clone();
    for (k, v) in a {
        if !merged.contains_key(k) {
            merged.insert(k.clone(), v.clone());
        }
    }
    Ok(Value::Object(merged))
}
