//! The value of a `"key.$"` field: a path, a context path, or an intrinsic function call,
//! and the 18 intrinsic functions (`States.Format`, `States.Array`, ...).

use crate::{path::ParseError, Failure, Path, Scope};
use serde_json::Value;

/// A dynamic value: what a `"key.$"` field, `ErrorPath` or `CausePath` holds.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Path(Path),
    Call(Call),
}

/// An intrinsic function call, parsed.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    // implementation: function and arguments
}

impl Expr {
    /// Parses a path (`$...`, `$$...`) or an intrinsic call (`States.Format('{}', $.x)`).
    /// Unknown functions, wrong argument counts that can be seen statically, and syntax
    /// errors are parse errors.
    pub fn parse(text: &str) -> Result<Expr, ParseError> {
        todo!("{text}")
    }

    /// Evaluates. `field` is the template key as written (e.g. `value.$`), used in AWS's
    /// cause texts: a missing path gives `States.Runtime` with
    /// `The JSONPath '$.x' specified for the field 'value.$' could not be found in the input '<input JSON>'`.
    pub fn eval(&self, field: &str, scope: &Scope) -> Result<Value, Failure> {
        let _ = (field, scope);
        todo!()
    }
}
