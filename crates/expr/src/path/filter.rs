//! Filter expressions, `[?(...)]`: comparisons of `@` (current node) or `$` paths with
//! literals, `&&`, `||`, `!`, parentheses and existence tests (`[?(@.a)]`).

use super::parse::{segments, Cursor};
use super::{select, ParseError, Segment};
use crate::Value;
use std::cmp::Ordering;

/// A filter expression.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Expr {
    Or(Box<Expr>, Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    Exists(Operand),
    Compare(Operand, Op, Operand),
}

/// A side of a comparison.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Operand {
    /// `@...`
    Current(Box<[Segment]>),
    /// `$...`
    Root(Box<[Segment]>),
    Literal(Value),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

/// Parses the inside of `?( ... )`, leaving the closing `)`.
pub(super) fn parse(cur: &mut Cursor) -> Result<Expr, ParseError> {
    or(cur)
}

fn or(cur: &mut Cursor) -> Result<Expr, ParseError> {
    let mut left = and(cur)?;
    loop {
        cur.skip_ws();
        if cur.rest().starts_with("||") {
            cur.advance(2);
            let right = and(cur)?;
            left = Expr::Or(Box::new(left), Box::new(right));
        } else {
            return Ok(left);
        }
    }
}

fn and(cur: &mut Cursor) -> Result<Expr, ParseError> {
    let mut left = unary(cur)?;
    loop {
        cur.skip_ws();
        if cur.rest().starts_with("&&") {
            cur.advance(2);
            let right = unary(cur)?;
            left = Expr::And(Box::new(left), Box::new(right));
        } else {
            return Ok(left);
        }
    }
}

fn unary(cur: &mut Cursor) -> Result<Expr, ParseError> {
    cur.skip_ws();
    if cur.peek() == Some('!') && cur.peek2() != Some('=') {
        cur.bump();
        return Ok(Expr::Not(Box::new(unary(cur)?)));
    }
    if cur.eat('(') {
        let inner = or(cur)?;
        cur.skip_ws();
        cur.expect(')')?;
        return Ok(inner);
    }
    let left = operand(cur)?;
    cur.skip_ws();
    let rest = cur.rest();
    let op = [("==", Op::Eq), ("!=", Op::Ne), ("<=", Op::Le), (">=", Op::Ge), ("<", Op::Lt), (">", Op::Gt)]
        .into_iter()
        .find(|(text, _)| rest.starts_with(text));
    match op {
        Some((text, op)) => {
            cur.advance(text.len());
            cur.skip_ws();
            let right = operand(cur)?;
            Ok(Expr::Compare(left, op, right))
        }
        None => match left {
            Operand::Literal(_) => Err(cur.error("expected a comparison operator")),
            path => Ok(Expr::Exists(path)),
        },
    }
}

fn operand(cur: &mut Cursor) -> Result<Operand, ParseError> {
    match cur.peek() {
        Some('@') => {
            cur.bump();
            Ok(Operand::Current(segments(cur, true)?.into()))
        }
        Some('$') => {
            cur.bump();
            Ok(Operand::Root(segments(cur, true)?.into()))
        }
        Some(q @ ('\'' | '"')) => {
            cur.bump();
            let mut s = String::new();
            loop {
                match cur.bump() {
                    None => return Err(ParseError::new("unterminated string in filter")),
                    Some('\\') => match cur.bump() {
                        Some('n') => s.push('\n'),
                        Some('t') => s.push('\t'),
                        Some(c) => s.push(c),
                        None => return Err(ParseError::new("unterminated string in filter")),
                    },
                    Some(c) if c == q => break,
                    Some(c) => s.push(c),
                }
            }
            Ok(Operand::Literal(Value::from(s)))
        }
        _ => {
            let rest = cur.rest();
            for (word, value) in [("true", Value::Bool(true)), ("false", Value::Bool(false)), ("null", Value::Null)] {
                if rest.starts_with(word) {
                    cur.advance(word.len());
                    return Ok(Operand::Literal(value));
                }
            }
            let len = rest
                .find(|c: char| !(c.is_ascii_digit() || matches!(c, '-' | '+' | '.' | 'e' | 'E')))
                .unwrap_or(rest.len());
            match crate::json::from_str(&rest[..len]) {
                Ok(n @ Value::Number(_)) if len > 0 => {
                    cur.advance(len);
                    Ok(Operand::Literal(n))
                }
                _ => Err(cur.error("expected '@', '$' or a literal in filter")),
            }
        }
    }
}

/// Evaluates the filter for the node `current`; `root` is what `$` means.
pub(super) fn matches(expr: &Expr, current: &Value, root: &Value) -> bool {
    match expr {
        Expr::Or(a, b) => matches(a, current, root) || matches(b, current, root),
        Expr::And(a, b) => matches(a, current, root) && matches(b, current, root),
        Expr::Not(a) => !matches(a, current, root),
        Expr::Exists(o) => resolve(o, current, root).is_some(),
        Expr::Compare(l, op, r) => {
            let (l, r) = (resolve(l, current, root), resolve(r, current, root));
            match (l, r) {
                (Some(l), Some(r)) => compare(&l, *op, &r),
                // A missing side equals nothing.
                _ => *op == Op::Ne,
            }
        }
    }
}

fn resolve<'v>(o: &'v Operand, current: &'v Value, root: &'v Value) -> Option<std::borrow::Cow<'v, Value>> {
    match o {
        Operand::Literal(v) => Some(std::borrow::Cow::Borrowed(v)),
        Operand::Current(segs) => select::select_in(segs, current, root),
        Operand::Root(segs) => select::select_in(segs, root, root),
    }
}

fn compare(l: &Value, op: Op, r: &Value) -> bool {
    let ord = match (l, r) {
        (Value::Number(a), Value::Number(b)) => number_cmp(a, b),
        (Value::String(a), Value::String(b)) => Some(a.cmp(b)),
        _ => {
            return match op {
                Op::Eq => l == r,
                Op::Ne => l != r,
                _ => false,
            }
        }
    };
    let Some(ord) = ord else { return op == Op::Ne };
    match op {
        Op::Eq => ord == Ordering::Equal,
        Op::Ne => ord != Ordering::Equal,
        Op::Lt => ord == Ordering::Less,
        Op::Le => ord != Ordering::Greater,
        Op::Gt => ord == Ordering::Greater,
        Op::Ge => ord != Ordering::Less,
    }
}

fn number_cmp(a: &crate::json::Number, b: &crate::json::Number) -> Option<Ordering> {
    if let (Some(x), Some(y)) = (a.as_i64(), b.as_i64()) {
        return Some(x.cmp(&y));
    }
    if let (Some(x), Some(y)) = (a.as_u64(), b.as_u64()) {
        return Some(x.cmp(&y));
    }
    a.as_f64()?.partial_cmp(&b.as_f64()?)
}
