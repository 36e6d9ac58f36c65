//! Data-driven JSONata cases: every file in `test_data/jsonata/` is a list of cases, each run
//! through one `check`.
//!
//! A case: `name`; either `expression` (text without delimiters) or `template` (a JSON value)
//! with `field` (default `Output`); the environment: `input` (default `{}`), `result`,
//! `error_output`, `context`, `variables` (an object), `now` (epoch ms, default 0), `seed`
//! (default 7); and one of:
//! - `expected`: the value (compared as JSON text, so key order and `3` vs `3.0` count);
//! - `undefined: true` (expressions only);
//! - `error`: for an expression, a prefix of the error message; for a template,
//!   `{error, cause, location}`;
//! - `compile_errors`: `[{pointer, code, message}]` (templates), or `parse_error: true`.
//!
//! `variables_read` (optional) checks `Expression::variables` / `Template::variables`.

mod support;

use expr::jsonata::{Env, Expression, Template};
use expr::{json, Rng, Value};

fn check(case: &Value) -> Result<(), String> {
    let input = case.get("input").cloned().unwrap_or_else(|| json!({}));
    let context = case.get("context").cloned().unwrap_or_else(|| json!({}));
    let variables = case.get("variables").cloned().unwrap_or_else(|| json!({}));
    let build = || context.clone();
    let lookup = |name: &str| variables.get(name).cloned();
    let rng = Rng::new(case.get("seed").and_then(Value::as_u64).unwrap_or(7));
    let env = Env {
        input: &input,
        result: case.get("result"),
        error_output: case.get("error_output"),
        context: &build,
        variable: &lookup,
        rng: &rng,
        now: case.get("now").and_then(Value::as_i64).unwrap_or(0),
    };
    let text = |v: &Value| json::to_string(v);
    if let Some(source) = case.get("expression").and_then(Value::as_str) {
        let parsed = Expression::parse(source);
        if case.get("parse_error").is_some() {
            return match parsed {
                Err(_) => Ok(()),
                Ok(_) => Err("parsed, expected a parse error".into()),
            };
        }
        let expression = parsed.map_err(|e| format!("parse failed: {e}"))?;
        if let Some(expected) = case.get("variables_read") {
            let got = json!(expression.variables());
            if got != *expected {
                return Err(format!("variables {got}"));
            }
        }
        let got = expression.eval(&env);
        return match (got, case.get("expected"), case.get("undefined"), case.get("error")) {
            (Ok(Some(v)), Some(expected), None, None) if text(&v) == text(expected) => Ok(()),
            (Ok(None), None, Some(_), None) => Ok(()),
            (Err(message), None, None, Some(prefix)) if message.starts_with(prefix.as_str().unwrap_or("?")) => Ok(()),
            (got, ..) => Err(format!("evaluated to {got:?}")),
        };
    }
    let field = case.get("field").and_then(Value::as_str).unwrap_or("Output");
    let compiled = Template::compile(&case["template"], field);
    if let Some(expected) = case.get("compile_errors") {
        let errors = compiled.err().ok_or("compiled, expected errors")?;
        let got: Vec<Value> =
            errors.iter().map(|e| json!({"pointer": e.pointer, "code": e.code, "message": e.message})).collect();
        return if json!(got) == *expected { Ok(()) } else { Err(format!("compile errors {}", json!(got))) };
    }
    let template = compiled.map_err(|e| format!("compile failed: {e:?}"))?;
    if let Some(expected) = case.get("variables_read") {
        let got = json!(template.variables().collect::<Vec<_>>());
        if got != *expected {
            return Err(format!("variables {got}"));
        }
    }
    match (template.eval(&env), case.get("expected"), case.get("error")) {
        (Ok(v), Some(expected), None) if text(&v) == text(expected) => Ok(()),
        (Err(f), None, Some(error))
            if json!({"error": f.failure.error, "cause": f.failure.cause, "location": f.location}) == *error =>
        {
            Ok(())
        }
        (got, ..) => Err(format!("evaluated to {got:?}")),
    }
}

#[test]
fn jsonata_cases() {
    support::check_folder("jsonata", 40, check);
}

#[test]
fn expressions_and_templates_are_shareable() {
    fn shareable<T: Send + Sync + Clone + std::fmt::Debug>() {}
    shareable::<Expression>();
    shareable::<Template>();
}

#[test]
fn random_draws_advance_the_execution_generator() {
    let input = json!({});
    let (build, lookup) = (|| json!({}), |_: &str| None);
    let rng = Rng::new(1);
    let env =
        Env { input: &input, result: None, error_output: None, context: &build, variable: &lookup, rng: &rng, now: 0 };
    let expression = Expression::parse("[$uuid(), $uuid()]").unwrap();
    let first = expression.eval(&env).unwrap().unwrap();
    let second = expression.eval(&env).unwrap().unwrap();
    assert_ne!(first, second, "the generator must move on between evaluations");
    assert_ne!(first[0], first[1]);
    // Same seed, same sequence: replays match.
    let again = Rng::new(1);
    let env = Env { rng: &again, ..env };
    assert_eq!(expression.eval(&env).unwrap().unwrap(), first);
    assert_eq!(again.state(), {
        let r = Rng::new(1);
        for _ in 0..4 {
            r.next_u64();
        }
        r.state()
    });
}
