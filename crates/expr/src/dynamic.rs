//! The value of a `"key.$"` field, `ErrorPath` or `CausePath`: a path or an intrinsic call.

use crate::Value;
use crate::{intrinsic::Call, path::ParseError, Failure, Path, Scope};

/// A dynamic value.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Path(Path),
    Call(Call),
}

impl Expr {
    /// Parses a path (`$...`, `$$...`) or an intrinsic call (`States.Format('{}', $.x)`).
    /// Any JSONPath is accepted, not only reference paths.
    pub fn parse(text: &str) -> Result<Expr, ParseError> {
        if text.starts_with('$') {
            Path::parse(text).map(Expr::Path)
        } else {
            Call::parse(text).map(Expr::Call)
        }
    }

    /// Evaluates. `field` is the template key as written (e.g. `value.$`), used in AWS's
    /// cause texts: a missing path gives `States.Runtime` with
    /// `The JSONPath '$.x' specified for the field 'value.$' could not be found in the input '<input JSON>'`.
    /// The input quoted is always the state input (`$`), also for `$$` paths.
    pub fn eval(&self, field: &str, scope: &Scope) -> Result<Value, Failure> {
        match self {
            Expr::Path(path) => match path.select(scope) {
                Some(value) => Ok(value.into_owned()),
                None => Err(not_found(path, field, scope.input)),
            },
            Expr::Call(call) => call.eval(field, scope),
        }
    }
}

fn not_found(path: &Path, field: &str, input: &Value) -> Failure {
    let input = crate::json::to_string(input);
    Failure::runtime(format!(
        "The JSONPath '{path}' specified for the field '{field}' could not be found in the input '{input}'"
    ))
}
