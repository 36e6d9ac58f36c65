//! The parser and validator: JSON in, a [`StateMachine`] and every [`Diagnostic`] out.

use crate::{Diagnostic, MachineType, StateMachine};
use serde_json::Value;

/// What parsing a definition gives: the model when there is no error, and every problem.
#[derive(Debug)]
pub struct Parsed {
    pub machine: Option<StateMachine>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Parses and validates a definition given as JSON text. Text that is not JSON gives one
/// diagnostic with AWS's code for it (`INVALID_JSON_DESCRIPTION`).
pub fn parse_str(text: &str, kind: MachineType) -> Parsed {
    let _ = (text, kind);
    todo!()
}

/// Parses and validates a definition.
pub fn parse(definition: &Value, kind: MachineType) -> Parsed {
    let _ = (definition, kind);
    todo!()
}
