//! Payload templates: JSON with `"key.$"` fields evaluated against a scope, at any depth.
//!
//! Compiled once: subtrees without any `.$` field become one literal, so evaluating a
//! template without dynamic fields is a single clone.

use crate::{Expr, Failure, Scope};
use crate::{Map, Value};

/// A compiled payload template.
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    root: Node,
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

#[derive(Debug, Clone, PartialEq)]
enum Node {
    /// A subtree without any `.$` field.
    Literal(Value),
    /// A `.$` field's value; `field` is the key as written.
    Dynamic {
        field: Box<str>,
        expr: Expr,
    },
    /// An object with a dynamic field somewhere: its output keys (suffix dropped), in the
    /// template's order, with null values, and the node of each key.
    ///
    /// Evaluating clones `shape` and fills its values in order: cloning an object copies
    /// its hash table, where inserting the keys one by one would hash each of them.
    Object {
        shape: Map,
        nodes: Box<[Node]>,
    },
    Array(Box<[Node]>),
}

impl Template {
    /// Compiles a template, reporting every bad `.$` field.
    pub fn compile(template: &Value) -> Result<Template, Vec<CompileError>> {
        let mut errors = Vec::new();
        let mut pointer = String::new();
        let root = compile(template, &mut pointer, &mut errors);
        if errors.is_empty() {
            Ok(Template { root })
        } else {
            Err(errors)
        }
    }

    /// Builds the payload. Keys ending in `.$` lose the suffix and take the evaluated value.
    pub fn eval(&self, scope: &Scope) -> Result<Value, Failure> {
        eval(&self.root, scope)
    }

    /// True when the template has no `.$` field at any depth.
    pub fn is_literal(&self) -> bool {
        matches!(self.root, Node::Literal(_))
    }
}

fn compile(value: &Value, pointer: &mut String, errors: &mut Vec<CompileError>) -> Node {
    match value {
        Value::Object(object) => {
            let mut fields = Vec::with_capacity(object.len());
            let mut dynamic = false;
            for (key, child) in object {
                let len = pointer.len();
                pointer.push('/');
                pointer.push_str(&key.replace('~', "~0").replace('/', "~1"));
                let node = match key.strip_suffix(".$") {
                    Some(name) => {
                        dynamic = true;
                        (name.into(), dynamic_field(key, child, pointer, errors))
                    }
                    None => {
                        let node = compile(child, pointer, errors);
                        dynamic |= !matches!(node, Node::Literal(_));
                        (key.as_str().into(), node)
                    }
                };
                fields.push(node);
                pointer.truncate(len);
            }
            if dynamic {
                let shape: Map =
                    fields.iter().map(|(k, _): &(Box<str>, Node)| (String::from(&**k), Value::Null)).collect();
                if shape.len() == fields.len() {
                    Node::Object { shape, nodes: fields.into_iter().map(|(_, n)| n).collect() }
                } else {
                    // Two fields give the same key (`a` and `a.$`): the last one wins, as
                    // inserting them in order would do.
                    let mut keys: Vec<Box<str>> = Vec::new();
                    let mut nodes: Vec<Node> = Vec::new();
                    for (key, node) in fields {
                        match keys.iter().position(|k| *k == key) {
                            Some(i) => nodes[i] = node,
                            None => {
                                keys.push(key);
                                nodes.push(node);
                            }
                        }
                    }
                    let shape = keys.iter().map(|k| (String::from(&**k), Value::Null)).collect();
                    Node::Object { shape, nodes: nodes.into() }
                }
            } else {
                Node::Literal(value.clone())
            }
        }
        Value::Array(items) => {
            let mut nodes = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                let len = pointer.len();
                pointer.push('/');
                pointer.push_str(&i.to_string());
                nodes.push(compile(item, pointer, errors));
                pointer.truncate(len);
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

fn dynamic_field(key: &str, value: &Value, pointer: &str, errors: &mut Vec<CompileError>) -> Node {
    let expr = value.as_str().and_then(|text| Expr::parse(text).ok());
    match expr {
        Some(expr) => Node::Dynamic { field: key.into(), expr },
        None => {
            errors.push(CompileError {
                pointer: pointer.to_owned(),
                field: key.to_owned(),
                message: format!(
                    "The value for the field '{key}' must be a valid JSONPath or a valid intrinsic function call"
                ),
            });
            Node::Literal(Value::Null)
        }
    }
}

fn eval(node: &Node, scope: &Scope) -> Result<Value, Failure> {
    Ok(match node {
        Node::Literal(value) => value.clone(),
        Node::Dynamic { field, expr } => expr.eval(field, scope)?,
        Node::Object { shape, nodes } => {
            let mut out = shape.clone();
            for (slot, child) in out.values_mut().zip(nodes.iter()) {
                *slot = eval(child, scope)?;
            }
            Value::Object(out)
        }
        Node::Array(items) => Value::Array(items.iter().map(|n| eval(n, scope)).collect::<Result<_, _>>()?),
    })
}
