//! JSON values with `{% ... %}` expressions at any depth, and AWS's causes when one fails.
//!
//! A string is an expression only when it is exactly `{%` ... `%}` (no space outside the
//! delimiters); any other string, `" {% x %} "` included, is a literal.

use super::{Env, EvalError, Expression};
use crate::{Failure, Map, Value};

/// A compiled JSONata template (`Arguments`, `Output`, `Assign`, `Items`, `Condition`, ...).
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    root: Node,
}

/// An evaluation failure, with the field path AWS puts in the `EvaluationFailed` event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvalFailure {
    pub failure: Failure,
    /// `Output/result`, `Assign/x`, `Items`.
    pub location: String,
}

/// A problem found while compiling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompileError {
    /// JSON pointer of the offending value, relative to the template root (`""` for the root).
    pub pointer: String,
    /// `INVALID_JSONATA_EXPRESSION` or `UNSUPPORTED_JSONATA_EXPRESSION`.
    pub code: &'static str,
    pub message: String,
}

pub const INVALID: &str = "INVALID_JSONATA_EXPRESSION";
pub const UNSUPPORTED: &str = "UNSUPPORTED_JSONATA_EXPRESSION";
const QUERY_EVALUATION_ERROR: &str = "States.QueryEvaluationError";

#[derive(Debug, Clone, PartialEq)]
enum Node {
    Literal(Value),
    Expression {
        expression: Expression,
        /// AWS's name for the place: the field, then keys joined by `/`, indexes as `[i]`.
        location: Box<str>,
    },
    /// An object with an expression somewhere: its keys (values null) and a node per key.
    Object {
        shape: Map,
        nodes: Box<[Node]>,
    },
    Array(Box<[Node]>),
}

/// The expression text of a string, when it is exactly `{% ... %}`.
pub fn expression_text(s: &str) -> Option<&str> {
    if s.len() >= 4 && s.starts_with("{%") && s.ends_with("%}") {
        Some(s[2..s.len() - 2].trim())
    } else {
        None
    }
}

impl Template {
    /// Compiles a template. `field` is the name AWS uses in causes and locations
    /// ("Output", "Arguments", "Assign").
    pub fn compile(value: &Value, field: &str) -> Result<Template, Vec<CompileError>> {
        let mut errors = Vec::new();
        let mut pointer = String::new();
        let mut location = field.to_owned();
        let root = compile(value, &mut pointer, &mut location, &mut errors);
        if errors.is_empty() {
            Ok(Template { root })
        } else {
            Err(errors)
        }
    }

    /// True when no string at any depth is an expression.
    pub fn is_literal(&self) -> bool {
        matches!(self.root, Node::Literal(_))
    }

    /// The whole template when it is one expression (`"Items": "{% ... %}"`).
    pub fn expression(&self) -> Option<&Expression> {
        match &self.root {
            Node::Expression { expression, .. } => Some(expression),
            _ => None,
        }
    }

    /// The workflow variables the expressions read (repeats possible across expressions).
    pub fn variables(&self) -> impl Iterator<Item = &str> {
        let mut out = Vec::new();
        collect_expressions(&self.root, &mut out);
        out.into_iter().flat_map(|e| e.variables().iter().map(String::as_str))
    }

    /// Every expression, in template order (for validation passes such as
    /// `$states.errorOutput` outside a Catcher).
    pub fn expressions(&self) -> Vec<&Expression> {
        let mut out = Vec::new();
        collect_expressions(&self.root, &mut out);
        out
    }

    /// Builds the value.
    pub fn eval(&self, env: &Env) -> Result<Value, EvalFailure> {
        eval(&self.root, env)
    }

    /// The failure AWS raises when a field's value has the wrong type (`Items` not an
    /// array): "...returned an unexpected result type. Expected 'array', but was 'string'
    /// for value: \"x\"". `location` is the field (`Items`).
    pub fn unexpected_type(&self, location: &str, expected: &str, value: &Value) -> EvalFailure {
        let text = self.expression().map(Expression::as_str).unwrap_or_default();
        EvalFailure {
            failure: Failure::new(
                QUERY_EVALUATION_ERROR,
                format!(
                    "The JSONata expression '{text}' specified for the field '{location}' returned an unexpected result type. Expected '{expected}', but was '{}' for value: {value}",
                    type_name(value)
                ),
            ),
            location: location.to_owned(),
        }
    }
}

/// JSONata's name for a value's type, as AWS prints it in causes.
pub fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn collect_expressions<'a>(node: &'a Node, out: &mut Vec<&'a Expression>) {
    match node {
        Node::Literal(_) => {}
        Node::Expression { expression, .. } => out.push(expression),
        Node::Object { nodes, .. } | Node::Array(nodes) => nodes.iter().for_each(|n| collect_expressions(n, out)),
    }
}

fn compile(value: &Value, pointer: &mut String, location: &mut String, errors: &mut Vec<CompileError>) -> Node {
    match value {
        Value::String(s) => match expression_text(s) {
            None => Node::Literal(value.clone()),
            Some(text) => match Expression::parse(text) {
                Ok(expression) => {
                    if let Some(message) = expression.unsupported() {
                        errors.push(CompileError { pointer: pointer.clone(), code: UNSUPPORTED, message });
                    }
                    Node::Expression { expression, location: location.as_str().into() }
                }
                Err(e) => {
                    errors.push(CompileError {
                        pointer: pointer.clone(),
                        code: INVALID,
                        message: format!("The JSONata expression '{text}' is not valid: {}", e.message),
                    });
                    Node::Literal(Value::Null)
                }
            },
        },
        Value::Object(object) => {
            let mut keys = Map::with_capacity(object.len());
            let mut nodes = Vec::with_capacity(object.len());
            let mut dynamic = false;
            for (key, child) in object {
                let (p, l) = (pointer.len(), location.len());
                pointer.push('/');
                pointer.push_str(&key.replace('~', "~0").replace('/', "~1"));
                location.push('/');
                location.push_str(key);
                let node = compile(child, pointer, location, errors);
                dynamic |= !matches!(node, Node::Literal(_));
                keys.insert(key.clone(), Value::Null);
                nodes.push(node);
                pointer.truncate(p);
                location.truncate(l);
            }
            if dynamic {
                Node::Object { shape: keys, nodes: nodes.into() }
            } else {
                Node::Literal(value.clone())
            }
        }
        Value::Array(items) => {
            let mut nodes = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                let (p, l) = (pointer.len(), location.len());
                pointer.push_str(&format!("/{i}"));
                location.push_str(&format!("[{i}]"));
                nodes.push(compile(item, pointer, location, errors));
                pointer.truncate(p);
                location.truncate(l);
            }
            if nodes.iter().all(|n| matches!(n, Node::Literal(_))) {
                Node::Literal(value.clone())
            } else {
                Node::Array(nodes.into())
            }
        }
        other => Node::Literal(other.clone()),
    }
}

fn eval(node: &Node, env: &Env) -> Result<Value, EvalFailure> {
    Ok(match node {
        Node::Literal(value) => value.clone(),
        Node::Expression { expression, location } => {
            let text = expression.as_str();
            let cause = match expression.evaluate(env) {
                Ok(Some(value)) => return Ok(value),
                Ok(None) => format!(
                    "The JSONata expression '{text}' specified for the field '{location}' returned nothing (undefined)."
                ),
                Err(EvalError::Unsupported) => format!(
                    "The JSONata expression '{text}' specified for the field '{location}' returned an unsupported result type."
                ),
                Err(EvalError::Failed(message)) => format!(
                    "The JSONata expression '{text}' specified for the field '{location}' threw an error during evaluation. {message}"
                ),
            };
            return Err(EvalFailure {
                failure: Failure::new(QUERY_EVALUATION_ERROR, cause),
                location: location.to_string(),
            });
        }
        Node::Object { shape, nodes } => {
            let mut out = shape.clone();
            for (slot, child) in out.values_mut().zip(nodes.iter()) {
                *slot = eval(child, env)?;
            }
            Value::Object(out)
        }
        Node::Array(items) => Value::Array(items.iter().map(|n| eval(n, env)).collect::<Result<_, _>>()?),
    })
}
