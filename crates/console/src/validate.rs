//! The editor's helpers: `POST /console/validate` (diagnostics placed in the text) and `POST /console/graph` (its SVG).

use axum::extract::Query;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::HashMap;

/// The query of `POST /console/validate`: the machine type the definition is checked for.
#[derive(Debug, Deserialize)]
pub struct ValidateQuery {
    #[serde(default, rename = "type")]
    kind: Option<String>,
}

/// `POST /console/validate`: the body is the definition text. The answer is always 200 JSON:
/// `{"valid", "message", "diagnostics": [{"severity", "code", "message", "location", "from",
/// "to"}]}`, where `from` and `to` are CodeMirror positions (`line` 0-based, `ch` in UTF-16 code
/// units) and `message` is AWS's `InvalidDefinition` text when there are errors.
pub async fn validate(Query(query): Query<ValidateQuery>, text: String) -> Response {
    let kind = match query.kind.as_deref() {
        Some("EXPRESS") => asl::MachineType::Express,
        _ => asl::MachineType::Standard,
    };
    axum::Json(report(&text, kind)).into_response()
}

/// The JSON answer of [`validate`] for `text`.
pub fn report(text: &str, kind: asl::MachineType) -> Value {
    let parsed = asl::parse_str(text, kind);
    let lines = Lines::new(text);
    let places = match serde_json::from_str::<Value>(text) {
        Ok(_) => Some(scan(text)),
        Err(_) => None,
    };
    let syntax = serde_json::from_str::<Value>(text).err();
    let mut diagnostics = Vec::new();
    for d in &parsed.diagnostics {
        let (from, to) = match (&places, &syntax) {
            (_, Some(error)) if error.line() > 0 => lines.around(lines.offset(error.line(), error.column())),
            (Some(places), _) => lines.range(place_of(places, &d.location, text.len())),
            _ => lines.range((0, 0)),
        };
        diagnostics.push(json!({
            "severity": match d.severity { asl::Severity::Error => "ERROR", asl::Severity::Warning => "WARNING" },
            "code": d.code,
            "message": d.message,
            "location": d.location,
            "from": from,
            "to": to,
        }));
    }
    let errors = parsed.errors();
    let valid = errors.is_empty() && parsed.machine.is_some();
    let message = (!valid).then(|| asl::invalid_definition_message_for(text, &errors));
    json!({"valid": valid, "message": message, "diagnostics": diagnostics})
}

/// `POST /console/graph`: the body is the definition text; the answer is its SVG, or 422 with
/// the JSON parse error (`line L, column C: message`) while it is not JSON.
pub async fn graph(text: String) -> Response {
    match serde_json::from_str::<Value>(&text) {
        Ok(definition) => {
            let svg = graph::svg(&definition, &graph::Overlay::new());
            ([(header::CONTENT_TYPE, "image/svg+xml; charset=utf-8")], svg).into_response()
        }
        Err(e) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            format!("line {}, column {}: {e}", e.line(), e.column()),
        )
            .into_response(),
    }
}

/// Where a JSON value sits in the text: its key (for a member of an object) and the value
/// itself, as byte ranges, and whether the value is an object or an array.
#[derive(Debug, Clone, Copy)]
struct Place {
    key: Option<(usize, usize)>,
    value: (usize, usize),
    container: bool,
}

/// The range to mark for the diagnostic at `location`: the value there, or the nearest
/// enclosing one that exists in the text. A container is marked by its key (or its opening
/// bracket), not its whole body; a scalar from its key to its end.
fn place_of(places: &HashMap<String, Place>, location: &str, len: usize) -> (usize, usize) {
    let found = places.get(location).or_else(|| {
        places
            .iter()
            .filter(|(ptr, _)| {
                let ptr = ptr.as_str();
                let rest = if ptr == "/" { location.strip_prefix('/') } else { location.strip_prefix(ptr) };
                rest.is_some_and(|r| r.is_empty() || r.starts_with('/') || r.starts_with('['))
            })
            .max_by_key(|(ptr, _)| ptr.len())
            .map(|(_, place)| place)
    });
    match found {
        None => (0, len.min(1)),
        Some(place) if place.container => place.key.unwrap_or((place.value.0, place.value.0 + 1)),
        Some(place) => (place.key.map_or(place.value.0, |k| k.0), place.value.1),
    }
}

/// The place of every value of `text` (valid JSON), by its pointer in asl's form: `/` for the
/// root, `/a/b` for members (RFC 6901 escapes), `/a[0]` for array elements.
fn scan(text: &str) -> HashMap<String, Place> {
    let mut scanner = Scanner { bytes: text.as_bytes(), text, pos: 0, places: HashMap::new() };
    scanner.value("/".to_string(), None);
    scanner.places
}

struct Scanner<'a> {
    bytes: &'a [u8],
    text: &'a str,
    pos: usize,
    places: HashMap<String, Place>,
}

impl Scanner<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn skip_space(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    /// Reads the value at the current position, recording it and everything inside it. `None`
    /// when the text is not what it expects (it is then left as far as it got).
    fn value(&mut self, ptr: String, key: Option<(usize, usize)>) -> Option<()> {
        self.skip_space();
        let start = self.pos;
        let container = match self.peek()? {
            b'{' => {
                self.pos += 1;
                self.object(&ptr)?;
                true
            }
            b'[' => {
                self.pos += 1;
                self.array(&ptr)?;
                true
            }
            b'"' => {
                self.string()?;
                false
            }
            _ => {
                while !matches!(self.peek(), None | Some(b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r')) {
                    self.pos += 1;
                }
                false
            }
        };
        self.places.insert(ptr, Place { key, value: (start, self.pos), container });
        Some(())
    }

    fn object(&mut self, ptr: &str) -> Option<()> {
        self.skip_space();
        if self.peek()? == b'}' {
            self.pos += 1;
            return Some(());
        }
        loop {
            self.skip_space();
            let key_start = self.pos;
            let name = self.string()?;
            let key = (key_start, self.pos);
            self.skip_space();
            (self.peek()? == b':').then_some(())?;
            self.pos += 1;
            self.value(child(ptr, &name), Some(key))?;
            self.skip_space();
            match self.peek()? {
                b',' => self.pos += 1,
                b'}' => {
                    self.pos += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    fn array(&mut self, ptr: &str) -> Option<()> {
        self.skip_space();
        if self.peek()? == b']' {
            self.pos += 1;
            return Some(());
        }
        let mut i = 0;
        loop {
            self.value(format!("{ptr}[{i}]"), None)?;
            i += 1;
            self.skip_space();
            match self.peek()? {
                b',' => self.pos += 1,
                b']' => {
                    self.pos += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    /// Reads a string (the position is on its opening quote) and returns its decoded text.
    fn string(&mut self) -> Option<String> {
        let start = self.pos;
        (self.peek()? == b'"').then_some(())?;
        self.pos += 1;
        loop {
            match self.peek()? {
                b'\\' => self.pos += 2,
                b'"' => {
                    self.pos += 1;
                    break;
                }
                _ => self.pos += 1,
            }
        }
        serde_json::from_str(self.text.get(start..self.pos)?).ok()
    }
}

/// The pointer of `key` in the object at `ptr`, as asl writes it.
fn child(ptr: &str, key: &str) -> String {
    let escaped = key.replace('~', "~0").replace('/', "~1");
    if ptr == "/" {
        format!("/{escaped}")
    } else {
        format!("{ptr}/{escaped}")
    }
}

/// The line starts of a text, to turn byte offsets into CodeMirror positions.
struct Lines<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> Lines<'a> {
    fn new(text: &'a str) -> Lines<'a> {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Lines { text, starts }
    }

    /// The byte offset of serde_json's 1-based `line` and `column` (a column counts bytes;
    /// 0 means before the line's first byte), kept within the text and on a character boundary.
    fn offset(&self, line: usize, column: usize) -> usize {
        let start = self.starts.get(line.saturating_sub(1)).copied().unwrap_or(self.text.len());
        let mut offset = (start + column.saturating_sub(1)).min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        offset
    }

    /// The one character at `offset` (an empty range at the end of the text).
    fn around(&self, offset: usize) -> (Value, Value) {
        let start = offset.min(self.text.len());
        let end = self.text[start..].chars().next().map_or(start, |c| start + c.len_utf8());
        self.range((start, end))
    }

    fn range(&self, (start, end): (usize, usize)) -> (Value, Value) {
        (self.position(start), self.position(end.max(start)))
    }

    /// A CodeMirror position: 0-based line, `ch` in UTF-16 code units.
    fn position(&self, offset: usize) -> Value {
        let offset = offset.min(self.text.len());
        let line = self.starts.partition_point(|&s| s <= offset).saturating_sub(1);
        let start = self.starts[line];
        let ch = self.text.get(start..offset).map_or(0, |s| s.encode_utf16().count());
        json!({"line": line, "ch": ch})
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "{\n  \"Comment\": \"été 😀 \\\"q\\\" \\u00e9\",\n  \"StartAt\": \"A/b~c\",\n  \"States\": {\n    \"A/b~c\": {\"Type\": \"Choice\", \"Choices\": [{\"Variable\": \"$.x\", \"NumericEquals\": 1e3, \"Next\": \"Z\"}], \"Default\": \"😀\"},\n    \"😀\": {\"Type\": \"Pass\", \"Result\": [null, true, -0.5, {}], \"End\": true}\n  }\n}";

    /// Every diagnostic's range is inside the text and in order.
    fn check(text: &str) {
        let report = report(text, asl::MachineType::Standard);
        let lines: Vec<&str> = text.split('\n').collect();
        for d in report["diagnostics"].as_array().unwrap() {
            let at = |p: &Value| (p["line"].as_u64().unwrap() as usize, p["ch"].as_u64().unwrap() as usize);
            let (from, to) = (at(&d["from"]), at(&d["to"]));
            assert!(from <= to, "{text:?}: {d}");
            for (line, ch) in [from, to] {
                let units = lines.get(line).map(|l| l.encode_utf16().count());
                assert!(units.is_some_and(|u| ch <= u), "{text:?}: {d}");
            }
        }
    }

    #[test]
    fn any_text_gets_ranges_inside_it() {
        check(TEXT);
        let ends: Vec<usize> = TEXT.char_indices().map(|(i, _)| i).collect();
        for &end in &ends {
            check(&TEXT[..end]);
        }
        for (n, &at) in ends.iter().enumerate() {
            let next = ends.get(n + 1).copied().unwrap_or(TEXT.len());
            check(&format!("{}{}", &TEXT[..at], &TEXT[next..]));
        }
        for text in ["", " ", "\n\n", "[]", "null", "\"x\"", "{}", "{\"States\": []}", "\u{feff}{}", "{\"a\":1}}"] {
            check(text);
        }
    }

    #[test]
    fn pointers_are_written_as_asl_writes_them() {
        let places = scan(TEXT);
        let choice = &places["/States/A~1b~0c/Choices[0]/Next"];
        assert_eq!(&TEXT[choice.key.unwrap().0..choice.value.1], "\"Next\": \"Z\"");
        let result = &places["/States/😀/Result[3]"];
        assert_eq!(&TEXT[result.value.0..result.value.1], "{}");
        assert!(places["/"].container && places["/"].key.is_none());
    }
}
