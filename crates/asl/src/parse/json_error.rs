//! Definitions that are not JSON, reported as AWS reports them: its JSON reader's (Jackson's)
//! message, and the `[Source: (String)"..."; line: L, column: C]` location.

/// Jackson shows at most this many characters of the source.
const SOURCE_SHOWN: usize = 500;

/// The `[Source: ...]` location of line `line`, column `column` (both 1-based) in `text`.
pub(crate) fn source(text: &str, line: usize, column: usize) -> String {
    let count = text.chars().count();
    let shown: String = text.chars().take(SOURCE_SHOWN).collect();
    let truncated =
        if count > SOURCE_SHOWN { format!("[truncated {} chars]", count - SOURCE_SHOWN) } else { String::new() };
    format!("[Source: (String)\"{shown}\"{truncated}; line: {line}, column: {column}]")
}

/// The 1-based line and column of the character at `index` (a char index) of `text`.
fn position(text: &str, index: usize) -> (usize, usize) {
    let mut line = 1;
    let mut column = 1;
    for c in text.chars().take(index) {
        if c == '\n' {
            line += 1;
            column = 1;
        } else {
            column += 1;
        }
    }
    (line, column)
}

/// The innermost bracket left open at the end of `text` (outside strings): its kind and index.
fn unclosed(text: &str) -> Option<(char, usize)> {
    let mut open = Vec::new();
    let mut in_string = false;
    let mut escaped = false;
    for (i, c) in text.chars().enumerate() {
        if in_string {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_string = true,
            '{' | '[' => open.push((c, i)),
            '}' | ']' => {
                open.pop();
            }
            _ => {}
        }
    }
    open.pop()
}

/// Jackson's message and location for text that `serde_json` could not read.
pub(crate) fn describe(text: &str, error: &serde_json::Error) -> (String, String) {
    let chars: Vec<char> = text.chars().collect();
    let (line, column) = (error.line().max(1), error.column().max(1));
    // The char index serde stopped at (its column is 1-based, on its line).
    let line_start: usize = text.split('\n').take(line - 1).map(|l| l.chars().count() + 1).sum();
    let at = (line_start + column - 1).min(chars.len().saturating_sub(1));
    let message = error.to_string();
    if error.is_eof() {
        let (l, c) = position(text, chars.len());
        let location = source(text, l, c);
        let detail = match unclosed(text) {
            Some((kind, start)) => {
                let (sl, sc) = position(text, start);
                let marker = if kind == '{' { "Object" } else { "Array" };
                format!(
                    "Unexpected end-of-input: expected close marker for {marker} (start marker at {})",
                    source(text, sl, sc + 1)
                )
            }
            None => "No content to map due to end-of-input".to_string(),
        };
        return (format!("{detail}\n at {location}"), location);
    }
    // A bare word where a value should be: Jackson reads the whole word.
    let start = (0..=at).rev().find(|&i| !chars[i].is_alphanumeric() && chars[i] != '_').map_or(0, |i| i + 1);
    let word: String =
        chars[start.min(chars.len())..].iter().take_while(|c| c.is_alphanumeric() || **c == '_').collect();
    let literal = ["true", "false", "null"].contains(&word.as_str());
    let in_word = message.starts_with("expected value") || message.starts_with("expected ident");
    if in_word && !literal && word.starts_with(|c: char| c.is_alphabetic()) {
        let (l, c) = position(text, start + word.chars().count());
        let location = source(text, l, c);
        return (
            format!(
                "Unrecognized token '{word}': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')\n at {location}"
            ),
            location,
        );
    }
    let found = chars.get(at).copied().unwrap_or(' ');
    let (l, c) = position(text, at + 1);
    let location = source(text, l, c);
    let expecting = if message.starts_with("key must be a string") {
        Some("was expecting double-quote to start field name")
    } else if message.starts_with("expected `,` or `}`") {
        Some("was expecting comma to separate Object entries")
    } else if message.starts_with("expected `,` or `]`") {
        Some("was expecting comma to separate Array entries")
    } else if message.starts_with("expected `:`") {
        Some("was expecting a colon to separate field name and value")
    } else if message.starts_with("expected value") {
        Some("expected a value")
    } else if message.starts_with("trailing characters") {
        Some("expected end-of-input")
    } else {
        None
    };
    let text = match expecting {
        Some(expecting) => format!("Unexpected character ('{found}' (code {})): {expecting}", u32::from(found)),
        None => message.rsplit_once(" at line ").map_or(message.clone(), |(m, _)| m.to_string()),
    };
    (format!("{text}\n at {location}"), location)
}

#[cfg(test)]
mod tests {
    use super::describe;

    fn check(text: &str) -> (String, String) {
        let error = serde_json::from_str::<serde_json::Value>(text).expect_err("not JSON");
        describe(text, &error)
    }

    #[test]
    fn jackson_words_and_locations() {
        let (message, location) = check("not a definition");
        assert_eq!(location, "[Source: (String)\"not a definition\"; line: 1, column: 4]");
        assert_eq!(
            message,
            "Unrecognized token 'not': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or \
             'false')\n at [Source: (String)\"not a definition\"; line: 1, column: 4]"
        );
        let (message, _) = check("{a}");
        assert!(message.starts_with("Unexpected character ('a' (code 97)): was expecting double-quote"), "{message}");
        let (message, location) = check("{\"a\": [1");
        assert!(message.starts_with("Unexpected end-of-input: expected close marker for Array"), "{message}");
        assert_eq!(location, "[Source: (String)\"{\"a\": [1\"; line: 1, column: 9]");
        let long = format!("x{}", " ".repeat(600));
        assert!(check(&long).1.contains("[truncated 101 chars]"));
    }
}
