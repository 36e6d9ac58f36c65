//! The Amazon States Language: a typed model of a definition, its parser and its validator.
//!
//! [`parse`] never stops at the first problem: it returns every [`Diagnostic`] (AWS's code, a
//! message, and a JSON pointer), and a [`StateMachine`] only when there is no error.

mod diagnostic;
pub mod model;
mod parse;
mod references;

pub use diagnostic::{invalid_definition_message, invalid_definition_message_for, python_repr, Diagnostic, Severity};
pub use model::*;
pub use parse::{parse, parse_str, Parsed};
pub use references::variable_references;
