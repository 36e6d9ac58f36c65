//! Payload templates: JSON with `"key.$"` fields evaluated against a scope, at any depth.

use crate::{Failure, Scope};
use serde_json::Value;

/// A compiled payload template.
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    // implementation: compiled tree
}

/// A problem found while compiling a template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompileError {
    /// JSON pointer of the offending field, relative to the template root (e.g. `/a/value.$`).
    pub pointer: String,
    /// The `.$` key as written (e.g. `value.$`).
    pub field: String,
    pub message: String,
}

impl Template {
    /// Compiles a template, reporting every bad `.$` field.
    pub fn compile(template: &Value) -> Result<Template, Vec<CompileError>> {
        let _ = template;
        todo!()
    }

    /// Builds the payload. Keys ending in `.$` lose the suffix and take the evaluated value.
    pub fn eval(&self, scope: &Scope) -> Result<Value, Failure> {
        let _ = scope;
        todo!()
    }
}
