//! The comparison rules of `shared/conformance/run_conformance.py`, ported: placeholder tokens,
//! normalisation of actual values (dates, timestamps, account id, role ARN), numbers by value,
//! results (status, output, error, cause) and history event types (ordered or multiset).

use regex::Regex;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// The account id the recordings use.
pub const ACCOUNT_PLACEHOLDER: &str = "111111111111";

/// An ISO-8601 date-time with a zone (the runner's `PATTERN_ISO8601`).
fn iso8601() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(concat!(
            r"(?:[1-9]\d{3}-(?:(?:0[1-9]|1[0-2])-(?:0[1-9]|1\d|2[0-8])|(?:0[13-9]|1[0-2])-(?:29|30)|(?:0[13578]|1[02])-31)|",
            r"(?:[1-9]\d(?:0[48]|[2468][048]|[13579][26])|(?:[2468][048]|[13579][26])00)-02-29)",
            r"T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d{1,9})?(?:Z|[+-][01]\d:?([0-5]\d)?)"
        ))
        .expect("static regex")
    })
}

/// The same pattern anchored at the start (Python's `re.match`).
fn iso8601_at_start() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(&format!("^(?:{})", iso8601().as_str())).expect("static regex"))
}

const TOKEN: &str = r"<[^<>\s][^<>]*>";

fn token_full() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(&format!("^(?:{TOKEN})$")).expect("static regex"))
}

/// An ARN's account field (`arn:partition:service:region:ACCOUNT:`).
fn arn_account() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"(arn:[A-Za-z0-9-]+:[A-Za-z0-9-]+:[A-Za-z0-9-]*:)(\d{12})(:)").expect("static regex"))
}

fn is_whole_token(s: &str, extra: &[String]) -> bool {
    extra.iter().any(|w| w == s) || token_full().is_match(s)
}

/// The regex an expected string with tokens stands for: each token (or extra wildcard) matches
/// any text, the rest literally. None when the string has no token.
fn pattern_for(s: &str, extra: &[String]) -> Option<Regex> {
    let mut words: Vec<&String> = extra.iter().filter(|w| !w.is_empty()).collect();
    words.sort_by_key(|w| std::cmp::Reverse(w.len()));
    let mut alternatives = TOKEN.to_string();
    for w in words {
        alternatives.push('|');
        alternatives.push_str(&regex::escape(w));
    }
    let finder = Regex::new(&alternatives).ok()?;
    let mut pattern = String::from("^(?s:");
    let mut pos = 0;
    let mut found = false;
    for m in finder.find_iter(s) {
        found = true;
        pattern.push_str(&regex::escape(&s[pos..m.start()]));
        pattern.push_str("(?s:.*?)");
        pos = m.end();
    }
    if !found {
        return None;
    }
    pattern.push_str(&regex::escape(&s[pos..]));
    pattern.push_str(")$");
    Regex::new(&pattern).ok()
}

fn short(v: &Value) -> String {
    let mut text = serde_json::to_string(v).unwrap_or_default();
    if text.len() > 200 {
        let mut cut = 200;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
    }
    text
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "list",
        Value::Object(_) => "object",
    }
}

fn numbers_equal(a: &serde_json::Number, b: &serde_json::Number) -> bool {
    if let (Some(x), Some(y)) = (a.as_i64(), b.as_i64()) {
        return x == y;
    }
    if let (Some(x), Some(y)) = (a.as_u64(), b.as_u64()) {
        return x == y;
    }
    a.as_f64() == b.as_f64()
}

/// None when `actual` matches `expected`, else a short description of the first mismatch.
pub fn matches(expected: &Value, actual: &Value, extra: &[String], path: &str) -> Option<String> {
    match expected {
        Value::String(e) => {
            if is_whole_token(e, extra) {
                return None;
            }
            if let Value::String(a) = actual {
                if e == a || pattern_for(e, extra).is_some_and(|p| p.is_match(a)) {
                    return None;
                }
            }
            Some(format!("{path}: expected {} got {}", short(expected), short(actual)))
        }
        Value::Null | Value::Bool(_) => {
            (expected != actual).then(|| format!("{path}: expected {} got {}", short(expected), short(actual)))
        }
        Value::Number(e) => match actual {
            Value::Number(a) if numbers_equal(e, a) => None,
            _ => Some(format!("{path}: expected {e} got {}", short(actual))),
        },
        Value::Array(e) => {
            let Value::Array(a) = actual else {
                return Some(format!("{path}: expected list got {}", type_name(actual)));
            };
            if e.len() != a.len() {
                return Some(format!("{path}: expected list of {} got {}: {}", e.len(), a.len(), short(actual)));
            }
            e.iter().zip(a).enumerate().find_map(|(i, (x, y))| matches(x, y, extra, &format!("{path}[{i}]")))
        }
        Value::Object(e) => {
            let Value::Object(a) = actual else {
                return Some(format!("{path}: expected object got {}", short(actual)));
            };
            let missing: Vec<&String> = e.keys().filter(|k| !a.contains_key(*k)).take(5).collect();
            let unexpected: Vec<&String> = a.keys().filter(|k| !e.contains_key(*k)).take(5).collect();
            if !missing.is_empty() || !unexpected.is_empty() {
                return Some(format!("{path}: keys differ: missing {missing:?} unexpected {unexpected:?}"));
            }
            e.iter().find_map(|(k, x)| matches(x, &a[k], extra, &format!("{path}.{k}")))
        }
    }
}

/// What stands for values that differ per run: the execution's role ARN.
#[derive(Debug, Default, Clone)]
pub struct Normaliser {
    pub role_arn: Option<String>,
}

impl Normaliser {
    /// Applies to an ACTUAL value what LocalStack's snapshot tooling applied to the recorded
    /// one: values of keys containing "timestamp" (unless ISO-8601) -> "timestamp", the role
    /// ARN -> "snf_role_arn", any ARN's account -> 111111111111, ISO-8601 dates -> "date".
    pub fn normalise(&self, value: &Value) -> Value {
        let v = timestamp_keys(value);
        let mut text = serde_json::to_string(&v).unwrap_or_default();
        if let Some(role) = self.role_arn.as_deref().filter(|r| !r.is_empty()) {
            text = text.replace(role, "snf_role_arn");
        }
        text = arn_account().replace_all(&text, format!("${{1}}{ACCOUNT_PLACEHOLDER}${{3}}")).into_owned();
        text = iso8601().replace_all(&text, "date").into_owned();
        serde_json::from_str(&text).unwrap_or(v)
    }
}

fn timestamp_keys(value: &Value) -> Value {
    match value {
        Value::Object(object) => {
            let mut out = Map::new();
            for (k, x) in object {
                let is_iso = matches!(x, Value::String(s) if iso8601_at_start().is_match(s));
                if k.to_lowercase().contains("timestamp") && !is_iso {
                    out.insert(k.clone(), Value::String("timestamp".into()));
                } else {
                    out.insert(k.clone(), timestamp_keys(x));
                }
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(timestamp_keys).collect()),
        other => other.clone(),
    }
}

/// An execution's outcome as DescribeExecution reports it (`output` as JSON text).
#[derive(Debug, Clone)]
pub struct Actual {
    pub status: String,
    pub output_text: Option<String>,
    pub error: Option<String>,
    pub cause: Option<String>,
}

/// Compares an outcome with a case's `expected`; returns the mismatches (none: a pass).
pub fn compare_result(expected: &Value, extra: &[String], actual: &Actual, norm: &Normaliser) -> Vec<String> {
    let mut problems = Vec::new();
    if let Some(status) = expected.get("status").and_then(Value::as_str).filter(|s| !s.is_empty()) {
        if actual.status != status {
            problems.push(format!("status: expected {status} got {}", actual.status));
            if actual.error.is_some() || actual.cause.is_some() {
                let mut cause = actual.cause.clone().unwrap_or_default();
                cause.truncate(cause.char_indices().nth(300).map_or(cause.len(), |(i, _)| i));
                problems.push(format!("(error={:?} cause={cause:?})", actual.error));
            }
            return problems;
        }
    }
    if let Some(exp_output) = expected.get("output") {
        let unparsed = expected.get("output_unparsed_text").and_then(Value::as_bool).unwrap_or(false);
        let got = if unparsed {
            match &actual.output_text {
                Some(t) => Value::String(iso8601().replace_all(t, "date").into_owned()),
                None => Value::Null,
            }
        } else {
            match actual.output_text.as_deref().map(serde_json::from_str::<Value>) {
                Some(Ok(v)) => norm.normalise(&v),
                _ => {
                    problems.push(format!("output is not JSON: {:?}", actual.output_text));
                    return problems;
                }
            }
        };
        if let Some(p) = matches(exp_output, &got, extra, "$output") {
            problems.push(p);
        }
    }
    for (key, value) in [("error", &actual.error), ("cause", &actual.cause)] {
        let Some(exp) = expected.get(key) else { continue };
        let mut got = match value {
            Some(text) if exp.is_object() || exp.is_array() => {
                serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.clone()))
            }
            Some(text) => Value::String(text.clone()),
            None => Value::Null,
        };
        if !got.is_null() {
            got = norm.normalise(&got);
        }
        if let Some(p) = matches(exp, &got, extra, &format!("${key}")) {
            problems.push(p);
        }
    }
    problems
}

/// Compares history event types with the case's `history`, in order or as a multiset.
pub fn compare_history(expected: &[String], multiset: bool, actual: &[String]) -> Vec<String> {
    if expected.is_empty() {
        return vec![];
    }
    if multiset {
        let count = |list: &[String]| {
            let mut m: BTreeMap<String, i64> = BTreeMap::new();
            for t in list {
                *m.entry(t.clone()).or_default() += 1;
            }
            m
        };
        let (e, a) = (count(expected), count(actual));
        if e == a {
            return vec![];
        }
        let diff = |x: &BTreeMap<String, i64>, y: &BTreeMap<String, i64>| -> BTreeMap<String, i64> {
            x.iter()
                .filter_map(|(k, n)| {
                    let d = n - y.get(k).copied().unwrap_or(0);
                    (d > 0).then(|| (k.clone(), d))
                })
                .collect()
        };
        return vec![format!("history (multiset) differs: missing {:?} unexpected {:?}", diff(&e, &a), diff(&a, &e))];
    }
    if expected == actual {
        return vec![];
    }
    for (i, (x, y)) in expected.iter().zip(actual).enumerate() {
        if x != y {
            return vec![format!(
                "history differs at event {}: expected {x} got {y} (expected {} events, got {})",
                i + 1,
                expected.len(),
                actual.len()
            )];
        }
    }
    vec![format!("history length differs: expected {} got {}", expected.len(), actual.len())]
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn no_extra() -> Vec<String> {
        vec![]
    }

    #[test]
    fn whole_tokens_match_any_value() {
        assert_eq!(matches(&json!("<uuid:1>"), &json!({"a": 1}), &no_extra(), "$"), None);
        assert_eq!(matches(&json!("<ArnPart_0idx>"), &json!(5), &no_extra(), "$"), None);
        let extra = vec!["RandomNumber".to_string()];
        assert_eq!(matches(&json!("RandomNumber"), &json!(0.25), &extra, "$"), None);
        // "< x>" is not a token: a token cannot start with white space.
        assert!(matches(&json!("< x>"), &json!("y"), &no_extra(), "$").is_some());
    }

    #[test]
    fn tokens_inside_strings_match_substrings_only_of_strings() {
        let e = json!("arn:<partition>:states:<region>:111111111111:execution:<ExecArnPart_0idx>");
        let a = json!("arn:aws:states:us-east-1:111111111111:execution:sm:exec-1");
        assert_eq!(matches(&e, &a, &no_extra(), "$"), None);
        assert!(matches(&e, &json!("arn:aws:lambda:us-east-1:111111111111:execution:x"), &no_extra(), "$").is_some());
        assert!(matches(&json!("id-<n>"), &json!(7), &no_extra(), "$").is_some());
        // literal parts are escaped, not regex syntax
        assert!(matches(&json!("a.b<x>"), &json!("aXbc"), &no_extra(), "$").is_some());
        assert_eq!(matches(&json!("a.b<x>"), &json!("a.b\nc"), &no_extra(), "$"), None);
        let extra = vec!["fn_name".to_string()];
        assert_eq!(matches(&json!("call fn_name now"), &json!("call my-fn now"), &extra, "$"), None);
    }

    #[test]
    fn numbers_by_value_and_booleans_are_not_numbers() {
        assert_eq!(matches(&json!(1), &json!(1.0), &no_extra(), "$"), None);
        assert_eq!(matches(&json!(3.3), &json!(3.3), &no_extra(), "$"), None);
        assert!(matches(&json!(1), &json!(true), &no_extra(), "$").is_some());
        assert!(matches(&json!(true), &json!(1), &no_extra(), "$").is_some());
        assert!(matches(&json!(null), &json!(false), &no_extra(), "$").is_some());
        assert!(matches(&json!(1), &json!("1"), &no_extra(), "$").is_some());
    }

    #[test]
    fn objects_need_equal_key_sets_and_lists_equal_length() {
        let r = matches(&json!({"a": 1}), &json!({"a": 1, "b": 2}), &no_extra(), "$");
        assert_eq!(r.as_deref(), Some("$: keys differ: missing [] unexpected [\"b\"]"));
        let r = matches(&json!({"a": [1, 2]}), &json!({"a": [1, 3]}), &no_extra(), "$");
        assert_eq!(r.as_deref(), Some("$.a[1]: expected 2 got 3"));
        assert!(matches(&json!([1]), &json!([1, 1]), &no_extra(), "$").is_some());
        assert!(matches(&json!([]), &json!({}), &no_extra(), "$").is_some());
    }

    #[test]
    fn normalise_rewrites_dates_timestamp_keys_accounts_and_role() {
        let norm = Normaliser { role_arn: Some("arn:aws:iam::123456789012:role/Dummy".into()) };
        let v = json!({
            "start": "2024-02-29T10:00:00.123Z",
            "at": "on 2024-01-05T10:00:00+01:00 ok",
            "Timestamp": 1700000000,
            "myTimestampIso": "2024-01-05T10:00:00Z",
            "role": "arn:aws:iam::123456789012:role/Dummy",
            "exec": "arn:aws:states:us-east-1:999999999999:execution:sm:e",
            "list": [{"timestamp": "x"}]
        });
        assert_eq!(
            norm.normalise(&v),
            json!({
                "start": "date",
                "at": "on date ok",
                "Timestamp": "timestamp",
                "myTimestampIso": "date",
                "role": "snf_role_arn",
                "exec": "arn:aws:states:us-east-1:111111111111:execution:sm:e",
                "list": [{"timestamp": "timestamp"}]
            })
        );
        // not a date: February 30th
        assert_eq!(norm.normalise(&json!("2023-02-30T10:00:00Z")), json!("2023-02-30T10:00:00Z"));
    }

    fn actual(status: &str, output: Option<&str>, error: Option<&str>, cause: Option<&str>) -> Actual {
        Actual {
            status: status.into(),
            output_text: output.map(str::to_string),
            error: error.map(str::to_string),
            cause: cause.map(str::to_string),
        }
    }

    #[test]
    fn compare_result_checks_status_first_then_each_field() {
        let norm = Normaliser::default();
        let exp = json!({"status": "SUCCEEDED", "output": {"a": 1}});
        assert!(compare_result(&exp, &[], &actual("SUCCEEDED", Some("{\"a\":1.0}"), None, None), &norm).is_empty());
        let p = compare_result(&exp, &[], &actual("FAILED", None, Some("E"), Some("C")), &norm);
        assert_eq!(
            p,
            vec!["status: expected SUCCEEDED got FAILED".to_string(), "(error=Some(\"E\") cause=\"C\")".into()]
        );
        let p = compare_result(&exp, &[], &actual("SUCCEEDED", Some("{\"a\":2}"), None, None), &norm);
        assert_eq!(p, vec!["$output.a: expected 1 got 2".to_string()]);
        let p = compare_result(&exp, &[], &actual("SUCCEEDED", Some("nope"), None, None), &norm);
        assert_eq!(p.len(), 1);
        assert!(p[0].starts_with("output is not JSON"));
    }

    #[test]
    fn compare_result_parses_object_causes_and_keeps_string_causes() {
        let norm = Normaliser::default();
        let exp = json!({"status": "FAILED", "error": "E", "cause": {"errorMessage": "m"}});
        assert!(compare_result(&exp, &[], &actual("FAILED", None, Some("E"), Some("{\"errorMessage\":\"m\"}")), &norm)
            .is_empty());
        let exp = json!({"status": "FAILED", "error": "E", "cause": "{\"x\": 1}"});
        assert_eq!(
            compare_result(&exp, &[], &actual("FAILED", None, Some("E"), Some("{\"x\":1}")), &norm).len(),
            1,
            "a string expectation compares the cause text as it is"
        );
        let exp = json!({"status": "FAILED", "error": "E", "cause": "C"});
        assert_eq!(compare_result(&exp, &[], &actual("FAILED", None, Some("E"), None), &norm).len(), 1);
    }

    #[test]
    fn unparsed_output_is_compared_as_text() {
        let norm = Normaliser::default();
        let exp = json!({"status": "SUCCEEDED", "output": "\"<x>", "output_unparsed_text": true});
        assert!(compare_result(&exp, &[], &actual("SUCCEEDED", Some("\"abc"), None, None), &norm).is_empty());
        assert_eq!(compare_result(&exp, &[], &actual("SUCCEEDED", Some("abc"), None, None), &norm).len(), 1);
    }

    #[test]
    fn history_ordered_and_multiset() {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        let e = s(&["A", "B", "B"]);
        assert!(compare_history(&e, false, &s(&["A", "B", "B"])).is_empty());
        assert_eq!(
            compare_history(&e, false, &s(&["A", "B", "C"])),
            vec!["history differs at event 3: expected B got C (expected 3 events, got 3)".to_string()]
        );
        assert_eq!(
            compare_history(&e, false, &s(&["A", "B"])),
            vec!["history length differs: expected 3 got 2".to_string()]
        );
        assert!(compare_history(&e, true, &s(&["B", "A", "B"])).is_empty());
        assert_eq!(
            compare_history(&e, true, &s(&["B", "A", "C"])),
            vec!["history (multiset) differs: missing {\"B\": 1} unexpected {\"C\": 1}".to_string()]
        );
        assert!(compare_history(&[], false, &s(&["X"])).is_empty());
    }
}
