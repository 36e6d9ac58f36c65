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
    if value.summary().encoded_len > MAX_PAYLOAD_BYTES {
        return Err(Failure::new(
            crate::errors::DATA_LIMIT_EXCEEDED,
            format!(
                "The state/task '{source}' returned a result with a size exceeding the maximum number of bytes service limit."
            ),
        ));
    }
    Ok(())
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
