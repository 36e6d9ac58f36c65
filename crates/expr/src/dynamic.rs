//! The value of a `"key.$"` field, `ErrorPath` or `CausePath`: a path or an intrinsic call.

use crate::{intrinsic::Call, path::ParseError, Failure, Path, Scope};
use serde_json::Value;

/// A dynamic value.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Path(Path),
    Call(Call),
}

impl Expr {
    /// Parses a path (`$...`, `$$...`) or an intrinsic call (`States.Format('{}', $.x)`).
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
