//! String functions: `States.Format` and `States.StringSplit`.

use super::{Ctx, Outcome};
use crate::Value;

/// One piece of a format template.
enum Piece {
    Text(String),
    Hole,
}

/// `States.Format(template, values...)`: each `{}` takes the next value. In a literal
/// template, `\{`, `\}`, `\'` and `\\` stand for the character itself.
pub(super) fn format(ctx: &Ctx) -> Outcome {
    let template = ctx.string(0)?;
    let pieces = match ctx.raw_first {
        Some(raw) => pieces(raw, true),
        None => pieces(template, false),
    };
    let holes = pieces.iter().filter(|p| matches!(p, Piece::Hole)).count();
    let values = &ctx.args[1..];
    if holes != values.len() {
        return Err(ctx.invalid("number of arguments do not match the occurrences of {}"));
    }
    let mut out = String::new();
    let mut next = values.iter();
    for piece in pieces {
        match piece {
            Piece::Text(t) => out.push_str(&t),
            Piece::Hole => {
                if let Some(v) = next.next() {
                    render(v, &mut out);
                }
            }
        }
    }
    Ok(Value::from(out))
}

fn pieces(template: &str, escapes: bool) -> Vec<Piece> {
    let mut pieces = Vec::new();
    let mut text = String::new();
    let mut chars = template.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if escapes => match chars.next() {
                Some(e @ ('{' | '}' | '\'' | '\\')) => text.push(e),
                Some(e) => {
                    text.push('\\');
                    text.push(e);
                }
                None => text.push('\\'),
            },
            '{' if chars.peek() == Some(&'}') => {
                chars.next();
                pieces.push(Piece::Text(std::mem::take(&mut text)));
                pieces.push(Piece::Hole);
            }
            c => text.push(c),
        }
    }
    pieces.push(Piece::Text(text));
    pieces
}

/// Renders a value as AWS's `States.Format` does: strings as they are, objects as
/// `{key=value, ...}`, arrays as `[a, b]`, other values as JSON.
fn render(v: &Value, out: &mut String) {
    match v {
        Value::String(s) => out.push_str(s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                render(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (k, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(k);
                out.push('=');
                render(item, out);
            }
            out.push('}');
        }
        other => out.push_str(&super::compact(other)),
    }
}

/// `States.StringSplit(text, delimiters)`: every character of `delimiters` separates
/// tokens, and empty tokens are dropped.
pub(super) fn split(ctx: &Ctx) -> Outcome {
    let text = ctx.string(0)?;
    let delimiters = ctx.string(1)?;
    let parts = text.split(|c: char| delimiters.contains(c)).filter(|s| !s.is_empty()).map(Value::from).collect();
    Ok(Value::Array(parts))
}
