//! Data-driven JSONPath cases: every file in `test_data/paths/` is a list of cases, each run
//! through one `check`.
//!
//! A case: `name`, `path`, `input` (default `{}`), `context` (default `{}`) and one of
//! - `expected`: the value `select` gives (`"missing": true` for a definite path that selects nothing),
//! - `required_error`: the cause `select_required` fails with,
//! - `parse_error: true`: `Path::parse` must fail (`"reference_error": true`: only `parse_reference`),
//! - `write`: the value written at the path into `input`, then `expected` is the new input,
//!   or `error` is `{error, cause}` (and the input must be unchanged).
//!
//! `definite` (optional) checks `is_definite`.

mod support;

use expr::{json, Value};
use expr::{Path, Rng, Scope};

fn check(case: &Value) -> Result<(), String> {
    let name = case["name"].as_str().unwrap_or("?");
    let text = case["path"].as_str().ok_or("case without path")?;
    let input = case.get("input").cloned().unwrap_or_else(|| json!({}));
    let context = case.get("context").cloned().unwrap_or_else(|| json!({}));

    if case["parse_error"] == json!(true) {
        return match Path::parse(text) {
            Err(e) if !e.message.is_empty() => Ok(()),
            Err(_) => Err(format!("{name}: empty parse error message")),
            Ok(p) => Err(format!("{name}: expected a parse error, got {p:?}")),
        };
    }
    let path = Path::parse(text).map_err(|e| format!("{name}: parse failed: {}", e.message))?;
    assert_eq!(path.as_str(), text);
    let reference = Path::parse_reference(text);
    if case["reference_error"] == json!(true) && reference.is_ok() {
        return Err(format!("{name}: parse_reference accepted an indefinite path"));
    }
    if let Some(definite) = case.get("definite") {
        if json!(path.is_definite()) != *definite {
            return Err(format!("{name}: is_definite is {}", path.is_definite()));
        }
    }
    assert_eq!(path.is_context(), text.starts_with("$$"));

    if let Some(value) = case.get("write") {
        let path = reference.map_err(|e| format!("{name}: not a reference path: {}", e.message))?;
        let mut target = input.clone();
        let result = path.write(&mut target, value.clone());
        return match (result, case.get("expected"), case.get("error")) {
            (Ok(()), Some(expected), None) if target == *expected => Ok(()),
            (Ok(()), Some(expected), None) => Err(format!("{name}: wrote {target}, expected {expected}")),
            (Err(f), None, Some(error)) => {
                if json!({"error": f.error, "cause": f.cause}) != *error {
                    return Err(format!("{name}: failed with {f:?}, expected {error}"));
                }
                if target != input {
                    return Err(format!("{name}: a failed write changed the target to {target}"));
                }
                Ok(())
            }
            (result, _, _) => Err(format!("{name}: write gave {result:?} and target {target}")),
        };
    }

    let build = || context.clone();
    let rng = Rng::new(1);
    let variables = case.get("variables").and_then(Value::as_object).cloned().unwrap_or_default();
    let scope = Scope { input: &input, context: &build, rng: &rng, variables: &variables };
    if let Some(cause) = case.get("required_error") {
        return match path.select_required(&scope) {
            Err(f) if f.error == "States.Runtime" && json!(f.cause) == *cause => Ok(()),
            other => Err(format!("{name}: select_required gave {other:?}, expected {cause}")),
        };
    }
    let got = path.select(&scope).map(|v| v.into_owned());
    match (got, case.get("expected"), case["missing"] == json!(true)) {
        (None, None, true) => Ok(()),
        (Some(got), Some(expected), false) if got == *expected => {
            // select_required agrees with select when there is a value.
            match path.select_required(&scope) {
                Ok(v) if *v == got => Ok(()),
                other => Err(format!("{name}: select_required gave {other:?}")),
            }
        }
        (got, expected, _) => Err(format!("{name}: selected {got:?}, expected {expected:?}")),
    }
}

#[test]
fn path_cases() {
    support::check_folder("paths", 50, check);
}

/// The hot path: a definite path into the input borrows, it does not copy.
#[test]
fn definite_input_paths_borrow() {
    let input = json!({"last": {"step": 3}, "a": [{"b": 1}]});
    let build = || panic!("the context object must not be built for `$` paths");
    let rng = Rng::new(0);
    let scope = Scope { input: &input, context: &build, rng: &rng, variables: &expr::NoVariables };
    for (text, expected) in [("$.last.step", json!(3)), ("$.a[0].b", json!(1)), ("$", input.clone())] {
        let path = Path::parse(text).unwrap();
        match path.select(&scope) {
            Some(std::borrow::Cow::Borrowed(v)) => assert_eq!(*v, expected, "{text}"),
            other => panic!("{text}: expected a borrowed value, got {other:?}"),
        }
    }
}

/// The context object is built once per read of a `$$` path, and moved out, not copied.
#[test]
fn context_built_only_for_context_paths() {
    let input = json!({});
    let calls = std::cell::Cell::new(0);
    let build = || {
        calls.set(calls.get() + 1);
        json!({"State": {"Name": "S"}})
    };
    let rng = Rng::new(0);
    let scope = Scope { input: &input, context: &build, rng: &rng, variables: &expr::NoVariables };
    let path = Path::parse("$$.State.Name").unwrap();
    assert_eq!(path.select(&scope).map(|v| v.into_owned()), Some(json!("S")));
    assert_eq!(calls.get(), 1);
    assert!(Path::parse("$.x").unwrap().select(&scope).is_none());
    assert_eq!(calls.get(), 1);
}

/// `$name` paths read workflow variables: the caller looks the variable up.
#[test]
fn variable_paths() {
    let path = Path::parse("$constant_obj.in_obj_constant_lst[1]").unwrap();
    assert_eq!(path.variable(), Some("constant_obj"));
    assert!(!path.is_context());
    let value = json!({"in_obj_constant_lst": [null, 0]});
    assert_eq!(path.select_in(&value).map(|v| v.into_owned()), Some(json!(0)));
    assert_eq!(Path::parse("$.a").unwrap().variable(), None);
    assert_eq!(Path::parse("$$.a").unwrap().variable(), None);
    let mut target = json!({});
    let failure = Path::parse("$v.a").unwrap().write(&mut target, json!(1)).unwrap_err();
    assert_eq!(failure.error, "States.ResultPathMatchFailure");
    assert_eq!(target, json!({}));
}
