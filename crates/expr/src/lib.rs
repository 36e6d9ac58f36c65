//! Expressions of the Amazon States Language in JSONPath mode: pure, no I/O, no clocks.
//!
//! - [`Path`]: JSONPath in AWS's dialect (read), and reference paths (read and write, as
//!   `ResultPath` needs).
//! - [`Expr`]: the value of a `"key.$"` field: a path, a context path (`$$`), or an intrinsic call.
//! - [`Template`]: a payload template (`Parameters`, `ResultSelector`, `ItemSelector`).
//! - [`choice::Rule`]: a Choice rule and its evaluation.
//!
//! Evaluation errors are data ([`Failure`]): an ASL error name and its cause, which the
//! interpreter routes through Retry and Catch. The interpreter adds the
//! `An error occurred while executing the state ...` prefix; causes here never carry it.

pub mod choice;
mod dynamic;
mod failure;
pub mod intrinsic;
pub mod json;
pub mod jsonata;
pub mod path;
mod rng;
mod scope;
pub mod template;

pub use dynamic::Expr;
pub use failure::Failure;
pub use path::Path;
pub use rng::Rng;
pub use scope::{NoVariables, Scope, Variables};
pub use template::Template;

pub use json::{Map, Str, Value};
