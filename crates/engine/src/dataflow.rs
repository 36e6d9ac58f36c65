//! The JSONPath-mode data flow of one state: `InputPath`, `ResultPath`, `OutputPath`, and
//! the payload size limit.

use crate::MAX_PAYLOAD_BYTES;
use asl::PathField;
use expr::Value;
use expr::{Failure, Scope};
use std::borrow::Cow;

/// `InputPath` or `OutputPath`: select from `value` (absent: all of it; null: `{}`).
pub(crate) fn select<'v>(field: &PathField, scope: &Scope<'v>) -> Result<Cow<'v, Value>, Failure> {
    match field {
        PathField::Default => Ok(Cow::Borrowed(scope.input)),
        PathField::Null => Ok(Cow::Owned(Value::Object(Default::default()))),
        PathField::Path(path) => path.select_required(scope),
    }
}

/// `ResultPath`: put `result` into the state's raw input (absent: replace; null: discard).
pub(crate) fn merge(field: &PathField, mut input: Value, result: Value) -> Result<Value, Failure> {
    match field {
        PathField::Default => Ok(result),
        PathField::Null => Ok(input),
        PathField::Path(path) => {
            path.write(&mut input, result)?;
            Ok(input)
        }
    }
}

/// Fails with `States.DataLimitExceeded` when `value` serialises to more than 256 KiB.
/// `source` names what returned it: the state, or for a task result the resource.
pub(crate) fn check_size(value: &Value, source: &str) -> Result<(), Failure> {
    if json_size(value, MAX_PAYLOAD_BYTES) > MAX_PAYLOAD_BYTES {
        return Err(Failure::new(
            crate::errors::DATA_LIMIT_EXCEEDED,
            format!(
                "The state/task '{source}' returned a result with a size exceeding the maximum number of bytes service limit."
            ),
        ));
    }
    Ok(())
}

/// The length of `value`'s compact JSON text (close enough for escapes), stopping early
/// once it passes `limit`.
pub(crate) fn json_size(value: &Value, limit: usize) -> usize {
    fn walk(value: &Value, total: &mut usize, limit: usize) {
        if *total > limit {
            return;
        }
        match value {
            Value::Null => *total += 4,
            Value::Bool(b) => *total += if *b { 4 } else { 5 },
            Value::Number(_) => *total += 8,
            Value::String(s) => *total += s.len() + 2,
            Value::Array(items) => {
                *total += 1 + items.len();
                for item in items {
                    walk(item, total, limit);
                }
            }
            Value::Object(map) => {
                *total += 1 + map.len();
                for (key, item) in map {
                    *total += key.len() + 3;
                    walk(item, total, limit);
                }
            }
        }
    }
    let mut total = 0;
    walk(value, &mut total, limit);
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn size_limit_is_enforced() {
        let big = Value::from("a".repeat(MAX_PAYLOAD_BYTES));
        assert!(check_size(&big, "S").is_err());
        let small = expr::json!({"a": [1, 2, "x"]});
        assert!(check_size(&small, "S").is_ok());
    }
}
