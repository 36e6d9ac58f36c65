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
    /// AWS rejects the definition with this problem alone, in the form of a raised error
    /// (`Error=ValueError Args=['message'] in definition '...'.`), not as a diagnostic list:
    /// the Map `Label` checks.
    pub value_error: bool,
}

impl fmt::Display for Diagnostic {
    /// AWS's form: `CODE: message at /pointer`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let location = if self.location.is_empty() { "null" } else { &self.location };
        write!(f, "{}: {} at {}", self.code, self.message, location)
    }
}

/// AWS's `InvalidDefinition` message for the errors of `definition` (its text as given):
/// the first [`Diagnostic::value_error`] in AWS's raised-error form if there is one, else
/// [`invalid_definition_message`].
pub fn invalid_definition_message_for(definition: &str, errors: &[Diagnostic]) -> String {
    match errors.iter().find(|d| d.value_error) {
        Some(d) => format!("Error=ValueError Args=[{}] in definition '{definition}'.", python_repr(&d.message)),
        None => invalid_definition_message(errors),
    }
}

/// A string as Python's `repr` writes it (AWS's raised-error messages carry such texts):
/// single quotes unless the text has a single quote and no double one; `\\`, `\n`, `\r`,
/// `\t`, and `\xNN`/`\uNNNN` for other unprintable characters.
pub fn python_repr(text: &str) -> String {
    let quote = if text.contains('\'') && !text.contains('"') { '"' } else { '\'' };
    let mut out = String::with_capacity(text.len() + 2);
    out.push(quote);
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || (0x7f..=0xa0).contains(&(c as u32)) || c == '\u{ad}' => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c if c.is_control() || (c.is_whitespace() && c != ' ') => {
                if (c as u32) <= 0xffff {
                    out.push_str(&format!("\\u{:04x}", c as u32));
                } else {
                    out.push_str(&format!("\\U{:08x}", c as u32));
                }
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

/// AWS's `InvalidDefinition` message for a list of errors:
/// `Invalid State Machine Definition: 'CODE: message at /pointer'`, several joined by `, `.
pub fn invalid_definition_message(errors: &[Diagnostic]) -> String {
    let parts: Vec<String> = errors.iter().map(|d| format!("'{d}'")).collect();
    format!("Invalid State Machine Definition: {}", parts.join(", "))
}
