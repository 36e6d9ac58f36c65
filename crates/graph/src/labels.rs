//! Short texts for edges: a Choice rule rendered as an expression (`$.x == 1`, `And(...)`, a
//! JSONata `Condition`), a Catch's `ErrorEquals`, shortened when long; and the wrapping of state
//! names into a box's lines.

use serde_json::Value;

/// Edge labels longer than this (in characters) are cut with an ellipsis.
const MAX_LABEL: usize = 32;
/// Rules nested deeper than this are drawn as `...`.
const MAX_RULE_DEPTH: usize = 8;

/// The short label and the full text of a label.
pub(crate) fn shorten(full: &str) -> (String, String) {
    let short = if full.chars().count() > MAX_LABEL {
        let kept: Vec<char> = full.chars().take(MAX_LABEL - 1).collect();
        // At a word's end when there is one near the cut.
        let end = kept.iter().rposition(|&c| c == ' ').filter(|&i| i + 12 >= kept.len()).unwrap_or(kept.len());
        let mut cut: String = kept[..end].iter().collect::<String>().trim_end().to_string();
        cut.push('…');
        cut
    } else {
        full.to_string()
    };
    (short, full.to_string())
}

/// A Catch's error names, comma-separated.
pub(crate) fn errors(catcher: &Value) -> String {
    let names: Vec<&str> =
        catcher.get("ErrorEquals").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str).collect();
    if names.is_empty() {
        "Catch".into()
    } else {
        names.join(", ")
    }
}

/// A Choice rule as a short expression.
pub(crate) fn rule(rule: &Value) -> String {
    render(rule, 0)
}

fn render(rule: &Value, depth: usize) -> String {
    if depth > MAX_RULE_DEPTH {
        return "...".into();
    }
    if let Some(condition) = rule.get("Condition") {
        return match condition {
            Value::String(text) => text.trim().trim_start_matches("{%").trim_end_matches("%}").trim().to_string(),
            other => other.to_string(),
        };
    }
    for op in ["And", "Or"] {
        if let Some(rules) = rule.get(op).and_then(Value::as_array) {
            let inner: Vec<String> = rules.iter().map(|r| render(r, depth + 1)).collect();
            return format!("{op}({})", inner.join(", "));
        }
    }
    if let Some(inner) = rule.get("Not") {
        return format!("Not({})", render(inner, depth + 1));
    }
    let variable = rule.get("Variable").and_then(Value::as_str).unwrap_or("?");
    let Some(fields) = rule.as_object() else { return "?".into() };
    for (key, value) in fields {
        if let Some(text) = comparison(variable, key, value) {
            return text;
        }
    }
    variable.to_string()
}

/// `Variable <op> value` for one comparison operator, if `key` is one.
fn comparison(variable: &str, key: &str, value: &Value) -> Option<String> {
    let test = |what: &str| {
        let negated = value.as_bool() == Some(false);
        Some(format!("{variable} is {}{what}", if negated { "not " } else { "" }))
    };
    match key {
        "IsNull" => return test("null"),
        "IsPresent" => return test("present"),
        "IsNumeric" => return test("numeric"),
        "IsString" => return test("string"),
        "IsBoolean" => return test("boolean"),
        "IsTimestamp" => return test("timestamp"),
        _ => {}
    }
    let (base, by_path) = match key.strip_suffix("Path") {
        Some(base) => (base, true),
        None => (key, false),
    };
    let kind = ["String", "Numeric", "Boolean", "Timestamp"].into_iter().find(|k| base.starts_with(k))?;
    let op = match &base[kind.len()..] {
        "Equals" => "==",
        "LessThan" => "<",
        "GreaterThan" => ">",
        "LessThanEquals" => "<=",
        "GreaterThanEquals" => ">=",
        "Matches" if kind == "String" => "matches",
        _ => return None,
    };
    let operand = match value {
        Value::String(path) if by_path => path.clone(),
        other => other.to_string(),
    };
    Some(format!("{variable} {op} {operand}"))
}

/// A state name broken into at most `max_lines` lines of at most `width` characters (breaking
/// after a space or `-_./:`, or inside a camelCase word, where it can), the last ending in `…`
/// if the name is longer.
pub(crate) fn wrap(name: &str, width: usize, max_lines: usize) -> Vec<String> {
    let chars: Vec<char> = name.chars().collect();
    let mut lines = Vec::new();
    let mut at = 0;
    while at < chars.len() && lines.len() < max_lines {
        let rest = chars.len() - at;
        if rest <= width {
            lines.push(chars[at..].iter().collect());
            at = chars.len();
            break;
        }
        let window = &chars[at..at + width];
        // After a space or punctuation, or before a capital that follows a small letter.
        let breaks = |i: usize| {
            matches!(window[i], ' ' | '-' | '_' | '.' | '/' | ':')
                || (i + 1 < width && window[i].is_lowercase() && window[i + 1].is_uppercase())
        };
        let cut = (width / 2..width).rev().find(|&i| breaks(i));
        let end = cut.map_or(width, |i| i + 1);
        lines.push(chars[at..at + end].iter().collect::<String>().trim_end().to_string());
        at += end;
    }
    if at < chars.len() {
        if let Some(last) = lines.last_mut() {
            let mut kept: Vec<char> = last.chars().collect();
            kept.truncate(width.saturating_sub(1));
            *last = kept.into_iter().collect::<String>() + "…";
        }
    }
    if lines.is_empty() {
        lines.push(String::new());
    }
    lines
}

/// The estimated width of a text in a 13px bold sans-serif font (an SVG has no text metrics
/// before it is shown): narrow, wide and capital letters told apart.
pub(crate) fn text_width(text: &str) -> f64 {
    text.chars()
        .map(|c| match c {
            'i' | 'j' | 'l' | '.' | ',' | ':' | ';' | '\'' | '|' | '!' => 3.9,
            'f' | 'r' | 't' | ' ' | '(' | ')' | '[' | ']' | '-' | 'I' => 5.0,
            'm' | 'w' => 11.2,
            'M' | 'W' => 12.4,
            c if c.is_ascii_uppercase() => 9.4,
            c if c.is_ascii() => 7.6,
            // Wide scripts (CJK and the like) take about a square each.
            c if (c as u32) >= 0x1100 => 13.5,
            _ => 8.0,
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rules_read_as_expressions() {
        let cases = [
            (json!({"Variable": "$.n", "NumericGreaterThanEquals": 2.5}), "$.n >= 2.5"),
            (json!({"Variable": "$.s", "StringMatches": "log-*.txt"}), "$.s matches \"log-*.txt\""),
            (json!({"Variable": "$.t", "TimestampLessThanPath": "$.limit"}), "$.t < $.limit"),
            (json!({"Variable": "$.x", "IsNull": false}), "$.x is not null"),
            (json!({"Variable": "$.x", "IsTimestamp": true}), "$.x is timestamp"),
            (json!({"Variable": "$$.Execution.Id", "StringEquals": "a"}), "$$.Execution.Id == \"a\""),
            (
                json!({"Or": [{"Variable": "$.a", "BooleanEquals": false}, {"Not": {"Variable": "$.b", "IsPresent": true}}]}),
                "Or($.a == false, Not($.b is present))",
            ),
            (json!({"Condition": "{% $x > 1 %}"}), "$x > 1"),
            (json!({"Condition": true}), "true"),
            (json!({"Variable": "$.v", "NoSuchOperator": 1}), "$.v"),
            (json!(5), "?"),
        ];
        for (rule_json, expected) in cases {
            assert_eq!(rule(&rule_json), expected, "{rule_json}");
        }
    }

    #[test]
    fn long_labels_are_cut_at_a_word() {
        let (short, full) = shorten("$states.input.count > 10 and $states.input.kind = 'bulk'");
        assert_eq!(short, "$states.input.count > 10 and…");
        assert!(full.ends_with("'bulk'"));
        assert_eq!(shorten("States.ALL").0, "States.ALL");
        assert_eq!(errors(&json!({"ErrorEquals": ["A", "B"]})), "A, B");
        assert_eq!(errors(&json!({"Next": "x"})), "Catch");
    }

    #[test]
    fn names_wrap_at_spaces_and_capitals() {
        assert_eq!(
            wrap("EndWithStateTaskFailedHandlerForOrders", 30, 2),
            ["EndWithStateTaskFailedHandler", "ForOrders"]
        );
        assert_eq!(wrap("short", 30, 2), ["short"]);
        assert_eq!(wrap("", 30, 2), [""]);
        let cut = wrap(&"word ".repeat(40), 30, 2);
        assert_eq!(cut.len(), 2);
        assert!(cut[1].ends_with('…') && cut[1].chars().count() <= 30);
        assert_eq!(wrap(&"x".repeat(65), 30, 2)[1].chars().count(), 30);
    }
}
