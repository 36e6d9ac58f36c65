//! Choice rules (JSONPath mode): comparisons, type tests, `And`/`Or`/`Not`, and their evaluation.
//!
//! The `asl` crate builds these from a definition (and reports shape problems); this module
//! only evaluates them.

use crate::{Failure, Path, Scope};
use serde_json::Value;

/// One Choice rule, or a nested rule inside `And`/`Or`/`Not`.
#[derive(Debug, Clone, PartialEq)]
pub enum Rule {
    And(Vec<Rule>),
    Or(Vec<Rule>),
    Not(Box<Rule>),
    Compare { variable: Path, op: Op, operand: Operand },
}

/// The right-hand side of a comparison.
#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    /// The literal value of `StringEquals`, `NumericLessThan`, `IsNull`, `StringMatches`, ...
    Value(Value),
    /// The path of a `...Path` operator (`StringEqualsPath`, ...).
    Path(Path),
}

/// A comparison operator, without its `Path` suffix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    StringEquals,
    StringLessThan,
    StringGreaterThan,
    StringLessThanEquals,
    StringGreaterThanEquals,
    StringMatches,
    NumericEquals,
    NumericLessThan,
    NumericGreaterThan,
    NumericLessThanEquals,
    NumericGreaterThanEquals,
    BooleanEquals,
    TimestampEquals,
    TimestampLessThan,
    TimestampGreaterThan,
    TimestampLessThanEquals,
    TimestampGreaterThanEquals,
    IsNull,
    IsPresent,
    IsNumeric,
    IsString,
    IsBoolean,
    IsTimestamp,
}

impl Op {
    /// Looks up an operator field name. Returns the operator and whether it is the `...Path`
    /// form (`StringEqualsPath` gives `(StringEquals, true)`). `StringMatches` and the `Is...`
    /// tests have no `Path` form.
    pub fn from_field(name: &str) -> Option<(Op, bool)> {
        let _ = name;
        todo!()
    }

    /// The field name, without the `Path` suffix.
    pub fn name(self) -> &'static str {
        todo!()
    }
}

impl Rule {
    /// Evaluates the rule against the scope.
    pub fn eval(&self, scope: &Scope) -> Result<bool, Failure> {
        let _ = scope;
        todo!()
    }
}
