//! The comparisons of Choice rules: strings, numbers, booleans, timestamps and
//! `StringMatches` patterns. A value of the wrong type never matches (AWS: no error).

use super::Op;
use crate::json::Number;
use crate::Value;
use chrono::{DateTime, FixedOffset};
use std::cmp::Ordering;

/// Compares `left` (the Variable) with `right` (the operand) for a comparison operator.
pub(super) fn apply(op: Op, left: &Value, right: &Value) -> bool {
    match op {
        Op::StringMatches => match (left, right) {
            (Value::String(text), Value::String(pattern)) => matches(text, pattern),
            _ => false,
        },
        Op::BooleanEquals => match (left, right) {
            (Value::Bool(a), Value::Bool(b)) => a == b,
            _ => false,
        },
        Op::StringEquals
        | Op::StringLessThan
        | Op::StringGreaterThan
        | Op::StringLessThanEquals
        | Op::StringGreaterThanEquals => match (left, right) {
            // Java compares strings by UTF-16 code units.
            (Value::String(a), Value::String(b)) => holds(op, a.encode_utf16().cmp(b.encode_utf16())),
            _ => false,
        },
        Op::NumericEquals
        | Op::NumericLessThan
        | Op::NumericGreaterThan
        | Op::NumericLessThanEquals
        | Op::NumericGreaterThanEquals => match (left, right) {
            (Value::Number(a), Value::Number(b)) => numbers(a, b).is_some_and(|o| holds(op, o)),
            _ => false,
        },
        Op::TimestampEquals
        | Op::TimestampLessThan
        | Op::TimestampGreaterThan
        | Op::TimestampLessThanEquals
        | Op::TimestampGreaterThanEquals => {
            let (Some(a), Some(b)) = (left.as_str().and_then(timestamp), right.as_str().and_then(timestamp)) else {
                return false;
            };
            holds(op, a.cmp(&b))
        }
        // Type tests are handled by the caller.
        Op::IsNull | Op::IsPresent | Op::IsNumeric | Op::IsString | Op::IsBoolean | Op::IsTimestamp => false,
    }
}

/// Whether an ordering satisfies the operator's relation (by the operator's name ending).
fn holds(op: Op, ordering: Ordering) -> bool {
    let name = op.name();
    if name.ends_with("GreaterThanEquals") {
        ordering != Ordering::Less
    } else if name.ends_with("LessThanEquals") {
        ordering != Ordering::Greater
    } else if name.ends_with("GreaterThan") {
        ordering == Ordering::Greater
    } else if name.ends_with("LessThan") {
        ordering == Ordering::Less
    } else {
        ordering == Ordering::Equal
    }
}

/// Compares numbers by value: integers exactly, otherwise as doubles.
fn numbers(a: &Number, b: &Number) -> Option<Ordering> {
    if let (Some(x), Some(y)) = (a.as_i64(), b.as_i64()) {
        return Some(x.cmp(&y));
    }
    if let (Some(x), Some(y)) = (a.as_u64(), b.as_u64()) {
        return Some(x.cmp(&y));
    }
    a.as_f64()?.partial_cmp(&b.as_f64()?)
}

/// Parses an ASL timestamp: RFC 3339 with an uppercase `T` between date and time and an
/// uppercase `Z` or a numeric offset. Gives the instant.
pub(super) fn timestamp(s: &str) -> Option<DateTime<FixedOffset>> {
    let bytes = s.as_bytes();
    if bytes.get(10) != Some(&b'T') || s.contains(['t', 'z']) {
        return None;
    }
    DateTime::parse_from_rfc3339(s).ok()
}

/// `StringMatches`: `*` matches any run of characters (also none); `\*` is a literal `*`
/// and `\\` a literal backslash.
fn matches(text: &str, pattern: &str) -> bool {
    #[derive(PartialEq)]
    enum Token {
        Char(char),
        Star,
    }
    let mut tokens = Vec::new();
    let mut chars = pattern.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if matches!(chars.peek(), Some('*') | Some('\\')) => {
                tokens.push(Token::Char(chars.next().unwrap_or('\\')));
            }
            '*' => tokens.push(Token::Star),
            c => tokens.push(Token::Char(c)),
        }
    }
    // Greedy matching with backtracking to the last star: linear in practice.
    let text: Vec<char> = text.chars().collect();
    let (mut t, mut p) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match tokens.get(p) {
            Some(Token::Char(c)) if *c == text[t] => {
                t += 1;
                p += 1;
            }
            Some(Token::Star) => {
                star = Some((p, t));
                p += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    p = sp + 1;
                    t = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    tokens[p..].iter().all(|tok| *tok == Token::Star)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_matches_patterns() {
        let cases = [
            ("log-2024.txt", "log-*.txt", true),
            ("log-.txt", "log-*.txt", true),
            ("log-2024.txt", "*.csv", false),
            ("a*b", "a\\*b", true),
            ("axb", "a\\*b", false),
            ("abc", "*", true),
            ("", "*", true),
            ("", "", true),
            ("abc", "a*c*", true),
            ("abcbd", "a*b*d", true),
            ("abcbe", "a*b*d", false),
            ("a\\b", "a\\\\b", true),
        ];
        for (text, pattern, expected) in cases {
            assert_eq!(matches(text, pattern), expected, "{text:?} matches {pattern:?}");
        }
    }

    #[test]
    fn timestamps_need_uppercase_t_and_z() {
        assert!(timestamp("2012-10-09T19:00:55Z").is_some());
        assert!(timestamp("2012-10-09T19:00:55.123+01:00").is_some());
        assert!(timestamp("2012-10-09t19:00:55Z").is_none());
        assert!(timestamp("2012-10-09T19:00:55z").is_none());
        assert!(timestamp("2012-10-09 19:00:55Z").is_none());
        assert!(timestamp("2012-10-09T19:00:55").is_none());
        assert!(timestamp("2023-02-24").is_none());
        assert_eq!(
            timestamp("2012-10-09T20:00:55+01:00"),
            timestamp("2012-10-09T19:00:55Z"),
            "instants compare equal across offsets"
        );
    }
}
