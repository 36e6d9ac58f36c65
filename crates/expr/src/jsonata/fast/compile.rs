//! From jsonata-core's tree to the fast path's [`Program`], when every node is in the subset.

use super::{Arith, Compare, Function, Node, Program, Root};
use crate::jsonata::analyse::is_function_name;
use crate::jsonata::convert;
use crate::{Str, Value};
use jsonata_core::ast::{AstNode, BinaryOp, PathStep, UnaryOp};

/// The program for a parsed expression, or `None` when some node is outside the subset.
pub fn compile(ast: &AstNode) -> Option<Program> {
    Some(Program { root: node(ast)? })
}

fn boxed(ast: &AstNode) -> Option<Box<Node>> {
    node(ast).map(Box::new)
}

fn node(ast: &AstNode) -> Option<Node> {
    Some(match ast {
        AstNode::String(s) => Node::Literal(Value::String(Str::from(s.as_str()))),
        AstNode::Number(n) if n.is_finite() => Node::Literal(convert::number(*n)),
        AstNode::Boolean(b) => Node::Literal(Value::Bool(*b)),
        AstNode::Null => Node::Literal(Value::Null),
        AstNode::Variable(name) => Node::Path { root: variable(name)?, keys: Box::new([]) },
        AstNode::Path { steps } => path(steps)?,
        AstNode::Unary { op: UnaryOp::Negate, operand } => Node::Negate(boxed(operand)?),
        AstNode::Binary { op, lhs, rhs } => {
            let (l, r) = (boxed(lhs)?, boxed(rhs)?);
            match op {
                BinaryOp::Add => Node::Arith(Arith::Add, l, r),
                BinaryOp::Subtract => Node::Arith(Arith::Subtract, l, r),
                BinaryOp::Multiply => Node::Arith(Arith::Multiply, l, r),
                BinaryOp::Divide => Node::Arith(Arith::Divide, l, r),
                BinaryOp::Modulo => Node::Arith(Arith::Modulo, l, r),
                BinaryOp::LessThan => Node::Compare(Compare::Less, l, r),
                BinaryOp::LessThanOrEqual => Node::Compare(Compare::LessOrEqual, l, r),
                BinaryOp::GreaterThan => Node::Compare(Compare::Greater, l, r),
                BinaryOp::GreaterThanOrEqual => Node::Compare(Compare::GreaterOrEqual, l, r),
                BinaryOp::Equal => Node::Equal(false, l, r),
                BinaryOp::NotEqual => Node::Equal(true, l, r),
                BinaryOp::And => Node::And(l, r),
                BinaryOp::Or => Node::Or(l, r),
                BinaryOp::Concatenate => Node::Concat(l, r),
                _ => return None,
            }
        }
        AstNode::Conditional { condition, then_branch, else_branch } => Node::Conditional(
            boxed(condition)?,
            boxed(then_branch)?,
            match else_branch {
                Some(e) => Some(boxed(e)?),
                None => None,
            },
        ),
        AstNode::Block(items) if !items.is_empty() => {
            Node::Block(items.iter().map(node).collect::<Option<Vec<_>>>()?.into())
        }
        AstNode::Object(pairs) => {
            let mut out: Vec<(Str, Node)> = Vec::with_capacity(pairs.len());
            for (key, value) in pairs {
                let AstNode::String(key) = key else { return None };
                // JavaScript puts index-like keys first and treats `__proto__` specially; a
                // repeated key is an error (D1009). Leave all three to jsonata-core.
                if js_special_key(key) || out.iter().any(|(k, _)| k.as_str() == key) {
                    return None;
                }
                out.push((Str::from(key.as_str()), node(value)?));
            }
            let shape = out.iter().map(|(k, _)| (k.clone(), Value::Null)).collect();
            Node::Object(shape, out.into_iter().map(|(_, n)| n).collect())
        }
        AstNode::Array(items) => Node::Array(
            items
                .iter()
                .map(|item| Some((node(item)?, matches!(item, AstNode::Array(_)))))
                .collect::<Option<Vec<_>>>()?
                .into(),
        ),
        AstNode::Function { name, args, is_builtin: true } if args.len() == 1 => {
            let function = match name.as_str() {
                "merge" => Function::Merge,
                "count" => Function::Count,
                "sum" => Function::Sum,
                "exists" => Function::Exists,
                "boolean" => Function::Boolean,
                "not" => Function::Not,
                "string" => Function::String,
                "length" => Function::Length,
                "uppercase" => Function::Uppercase,
                "lowercase" => Function::Lowercase,
                _ => return None,
            };
            Node::Call(function, boxed(&args[0])?)
        }
        _ => return None,
    })
}

/// `$name` read as a value: a workflow variable. `$states` as a whole, `$`, a name that is
/// also a function (a variable may shadow it) and the clock variable stay with jsonata-core.
fn variable(name: &str) -> Option<Root> {
    let plain = !name.is_empty()
        && name != "states"
        && !is_function_name(name)
        && name.chars().all(|c| c.is_alphanumeric() || c == '_');
    plain.then(|| Root::Variable(name.into()))
}

/// A field name that is also a property every JavaScript object inherits: jsonata-js's lookup
/// finds the inherited property where jsonata-core finds nothing, so such paths are left to
/// jsonata-core (a known difference of its own).
fn inherited(key: &str) -> bool {
    matches!(
        key,
        "__proto__"
            | "constructor"
            | "hasOwnProperty"
            | "isPrototypeOf"
            | "propertyIsEnumerable"
            | "toLocaleString"
            | "toString"
            | "valueOf"
            | "__defineGetter__"
            | "__defineSetter__"
            | "__lookupGetter__"
            | "__lookupSetter__"
    )
}

/// A key whose place or meaning in a JavaScript object differs from insertion order: an
/// array-index-like key (all digits) or `__proto__`.
pub(super) fn js_special_key(key: &str) -> bool {
    key == "__proto__" || (!key.is_empty() && key.bytes().all(|b| b.is_ascii_digit()))
}

fn path(steps: &[PathStep]) -> Option<Node> {
    if !steps.iter().all(plain_step) {
        return None;
    }
    let (first, rest) = steps.split_first()?;
    let AstNode::Variable(name) = &first.node else { return None };
    let (root, rest) = if name == "states" {
        let (member, rest) = rest.split_first()?;
        let AstNode::Name(member) = &member.node else { return None };
        let root = match member.as_str() {
            "input" => Root::Input,
            "result" => Root::Result,
            "errorOutput" => Root::ErrorOutput,
            "context" => Root::Context,
            _ => return None,
        };
        (root, rest)
    } else {
        (variable(name)?, rest)
    };
    let mut keys = Vec::with_capacity(rest.len());
    for step in rest {
        match &step.node {
            AstNode::Name(key) if !inherited(key) => keys.push(Str::from(key.as_str())),
            _ => return None,
        }
    }
    Some(Node::Path { root, keys: keys.into() })
}

/// A step with no predicate, no `[]`, no `@`/`#` binding and no `%`.
fn plain_step(step: &PathStep) -> bool {
    step.stages.is_empty()
        && step.focus.is_none()
        && step.index_var.is_none()
        && step.ancestor_label.is_none()
        && !step.is_tuple
        && !step.inner_tuple
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accepted(text: &str) -> bool {
        compile(&jsonata_core::parser::parse(text).unwrap()).is_some()
    }

    #[test]
    fn the_subset() {
        for text in [
            "$states.input.a.b",
            "$merge([$states.input, {'last': {'step': 1, 'prev': $states.input.last.step}}])",
            "$states.input.count < 1000",
            "$states.input.count + 1",
            "$x.y = 'z' and $count($states.result) > 0",
            "$states.context.Execution.Id & '-' & $string($states.input.n)",
            "$states.input.flag ? [1, [2]] : null",
            "(1; 2)",
        ] {
            assert!(accepted(text), "{text}");
        }
    }

    #[test]
    fn outside_the_subset() {
        for text in [
            "$states",
            "$states.other",
            "$states.input[0]",
            "$states.input.a[]",
            "$states.input.items[price > 1]",
            "$states.input.*",
            "$states.input.constructor",
            "$count",
            "$now()",
            "$sum(1, 2)",
            "$round(1.5)",
            "{'a': 1, 'a': 2}",
            "{'1': 1}",
            "{$states.input.k: 1}",
            "($x := 1; $x)",
            "1..3",
            "$states.input.a ?? 1",
            "a.b",
            "$states.input.(a)",
        ] {
            assert!(!accepted(text), "{text}");
        }
    }
}
