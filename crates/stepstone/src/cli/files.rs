//! Reading what the commands are given: definition files, execution input (`JSON` or `@FILE`).

use super::Failure;
use asl::{Diagnostic, MachineType, Severity, StateMachine};
use serde_json::Value;
use std::path::Path;

/// The text of a file, or a one-line message naming it.
pub fn read_text(path: &Path) -> Result<String, Failure> {
    std::fs::read_to_string(path).map_err(|e| Failure::usage(format!("cannot read {}: {e}", path.display())))
}

/// The execution input: JSON text, or `@FILE` for the JSON in a file.
pub fn read_input(arg: &str) -> Result<Value, Failure> {
    let (text, origin) = match arg.strip_prefix('@') {
        Some(path) => (read_text(Path::new(path))?, path.to_string()),
        None => (arg.to_string(), "--input".to_string()),
    };
    serde_json::from_str(&text).map_err(|e| Failure::usage(format!("{origin} is not valid JSON: {e}")))
}

/// A definition's diagnostics split by severity.
pub struct Checked {
    pub machine: Option<StateMachine>,
    pub errors: Vec<Diagnostic>,
    pub warnings: Vec<Diagnostic>,
}

/// Parses and validates a definition's text.
pub fn check_definition(text: &str, kind: MachineType) -> Checked {
    let parsed = asl::parse_str(text, kind);
    let (errors, warnings) = parsed.diagnostics.into_iter().partition(|d| d.severity == Severity::Error);
    Checked { machine: parsed.machine, errors, warnings }
}
