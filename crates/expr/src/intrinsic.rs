//! The 18 intrinsic functions (`States.Format`, `States.Array`, ...): parsing a call and
//! evaluating it.

use crate::{path::ParseError, Failure, Scope};
use serde_json::Value;

/// An intrinsic function call, parsed (`States.Format('{}', $.x)`). Arguments may be
/// literals (strings in single quotes, numbers, booleans, null), paths (`$.x`, `$$.x`) and
/// nested calls.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    // implementation: function and arguments
}

impl Call {
    /// Parses a call. Unknown functions, argument counts that are wrong statically, and
    /// syntax errors are parse errors.
    pub fn parse(text: &str) -> Result<Call, ParseError> {
        todo!("{text}")
    }

    /// Evaluates the call. `field` is the template key as written (e.g. `value.$`), for cause
    /// texts. Failures are `States.IntrinsicFailure` (bad arguments) or `States.Runtime`
    /// (a path argument that is missing), with AWS's cause texts.
    pub fn eval(&self, field: &str, scope: &Scope) -> Result<Value, Failure> {
        let _ = (field, scope);
        todo!()
    }
}
