//! A validation problem: AWS's code, message and location, formatted as AWS formats it.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    Error,
    Warning,
}

/// One problem in a definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    /// AWS's code: `SCHEMA_VALIDATION_FAILED`, `MISSING_TRANSITION_TARGET`, ...
    pub code: &'static str,
    pub message: String,
    /// JSON pointer to the offending value, `/` for the root. Array elements are written
    /// AWS's way, `/States/C/Choices[0]`. Empty when AWS gives no location
    /// (`MISSING_END_STATE`), which AWS prints as `null`.
    pub location: String,
}

impl fmt::Display for Diagnostic {
    /// AWS's form: `CODE: message at /pointer`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let location = if self.location.is_empty() { "null" } else { &self.location };
        write!(f, "{}: {} at {}", self.code, self.message, location)
    }
}

/// AWS's `InvalidDefinition` message for a list of errors:
/// `Invalid State Machine Definition: 'CODE: message at /pointer'`, several joined by `, `.
pub fn invalid_definition_message(errors: &[Diagnostic]) -> String {
    let parts: Vec<String> = errors.iter().map(|d| format!("'{d}'")).collect();
    format!("Invalid State Machine Definition: {}", parts.join(", "))
}
