//! Choice rules (JSONPath mode): comparisons, type tests, `And`/`Or`/`Not`, and their evaluation.
//!
//! The `asl` crate builds these from a definition (and reports shape problems); this module
//! only evaluates them.

mod compare;

use crate::Value;
use crate::{Failure, Path, Scope};

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
    const ALL: [Op; 23] = [
        Op::StringEquals,
        Op::StringLessThan,
        Op::StringGreaterThan,
        Op::StringLessThanEquals,
        Op::StringGreaterThanEquals,
        Op::StringMatches,
        Op::NumericEquals,
        Op::NumericLessThan,
        Op::NumericGreaterThan,
        Op::NumericLessThanEquals,
        Op::NumericGreaterThanEquals,
        Op::BooleanEquals,
        Op::TimestampEquals,
        Op::TimestampLessThan,
        Op::TimestampGreaterThan,
        Op::TimestampLessThanEquals,
        Op::TimestampGreaterThanEquals,
        Op::IsNull,
        Op::IsPresent,
        Op::IsNumeric,
        Op::IsString,
        Op::IsBoolean,
        Op::IsTimestamp,
    ];

    /// Looks up an operator field name. Returns the operator and whether it is the `...Path`
    /// form (`StringEqualsPath` gives `(StringEquals, true)`). `StringMatches` and the `Is...`
    /// tests have no `Path` form.
    pub fn from_field(name: &str) -> Option<(Op, bool)> {
        if let Some(op) = Op::ALL.into_iter().find(|op| op.name() == name) {
            return Some((op, false));
        }
        let base = name.strip_suffix("Path")?;
        Op::ALL.into_iter().find(|op| op.name() == base && op.has_path_form()).map(|op| (op, true))
    }

    /// The field name, without the `Path` suffix.
    pub fn name(self) -> &'static str {
        match self {
            Op::StringEquals => "StringEquals",
            Op::StringLessThan => "StringLessThan",
            Op::StringGreaterThan => "StringGreaterThan",
            Op::StringLessThanEquals => "StringLessThanEquals",
            Op::StringGreaterThanEquals => "StringGreaterThanEquals",
            Op::StringMatches => "StringMatches",
            Op::NumericEquals => "NumericEquals",
            Op::NumericLessThan => "NumericLessThan",
            Op::NumericGreaterThan => "NumericGreaterThan",
            Op::NumericLessThanEquals => "NumericLessThanEquals",
            Op::NumericGreaterThanEquals => "NumericGreaterThanEquals",
            Op::BooleanEquals => "BooleanEquals",
            Op::TimestampEquals => "TimestampEquals",
            Op::TimestampLessThan => "TimestampLessThan",
            Op::TimestampGreaterThan => "TimestampGreaterThan",
            Op::TimestampLessThanEquals => "TimestampLessThanEquals",
            Op::TimestampGreaterThanEquals => "TimestampGreaterThanEquals",
            Op::IsNull => "IsNull",
            Op::IsPresent => "IsPresent",
            Op::IsNumeric => "IsNumeric",
            Op::IsString => "IsString",
            Op::IsBoolean => "IsBoolean",
            Op::IsTimestamp => "IsTimestamp",
        }
    }

    /// True for the operators that have a `...Path` twin.
    pub fn has_path_form(self) -> bool {
        !matches!(
            self,
            Op::StringMatches
                | Op::IsNull
                | Op::IsPresent
                | Op::IsNumeric
                | Op::IsString
                | Op::IsBoolean
                | Op::IsTimestamp
        )
    }

    /// True for the type tests (`IsNull`, `IsPresent`, ...), whose operand is a boolean.
    pub fn is_type_test(self) -> bool {
        matches!(self, Op::IsNull | Op::IsPresent | Op::IsNumeric | Op::IsString | Op::IsBoolean | Op::IsTimestamp)
    }
}

impl Rule {
    /// Evaluates the rule against the scope.
    pub fn eval(&self, scope: &Scope) -> Result<bool, Failure> {
        match self {
            Rule::And(rules) => {
                for rule in rules {
                    if !rule.eval(scope)? {
                        return Ok(false);
                    }
                }
                Ok(true)
            }
            Rule::Or(rules) => {
                for rule in rules {
                    if rule.eval(scope)? {
                        return Ok(true);
                    }
                }
                Ok(false)
            }
            Rule::Not(rule) => Ok(!rule.eval(scope)?),
            Rule::Compare { variable, op, operand } => compare(variable, *op, operand, scope),
        }
    }
}

/// AWS's cause when a Choice path selects nothing.
fn invalid_path(path: &Path) -> Failure {
    Failure::runtime(format!(
        "Invalid path '{}': The choice state's condition path references an invalid value.",
        path.as_str()
    ))
}

fn compare(variable: &Path, op: Op, operand: &Operand, scope: &Scope) -> Result<bool, Failure> {
    let value = variable.select(scope);
    if op == Op::IsPresent {
        return Ok(value.is_some() == expected_flag(operand));
    }
    let value = value.ok_or_else(|| invalid_path(variable))?;
    let value: &Value = &value;
    if op.is_type_test() {
        let holds = match op {
            Op::IsNull => value.is_null(),
            Op::IsNumeric => value.is_number(),
            Op::IsString => value.is_string(),
            Op::IsBoolean => value.is_boolean(),
            _ => value.as_str().is_some_and(|s| compare::timestamp(s).is_some()),
        };
        return Ok(holds == expected_flag(operand));
    }
    let right = match operand {
        Operand::Value(v) => std::borrow::Cow::Borrowed(v),
        Operand::Path(p) => p.select(scope).ok_or_else(|| invalid_path(p))?,
    };
    Ok(compare::apply(op, value, &right))
}

/// The boolean operand of a type test (`"IsNull": true`). The validator makes sure it is one.
fn expected_flag(operand: &Operand) -> bool {
    !matches!(operand, Operand::Value(Value::Bool(false)))
}
