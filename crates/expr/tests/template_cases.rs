//! Data-driven payload template cases: every file in `test_data/templates/` is a list of
//! cases, each run through one `check`.
//!
//! A case: `name`, `template`, `input` (default `{}`), `context` (default `{}`) and one of
//! `expected` (the payload), `error` (`{error, cause}` of the evaluation failure) or
//! `compile_errors` (a list of `{pointer, field, message}`). `literal` (optional) checks
//! `is_literal`.

mod support;

use expr::{json, Value};
use expr::{template::CompileError, Rng, Scope, Template};

fn check(case: &Value) -> Result<(), String> {
    let name = case["name"].as_str().unwrap_or("?");
    let input = case.get("input").cloned().unwrap_or_else(|| json!({}));
    let context = case.get("context").cloned().unwrap_or_else(|| json!({}));
    let compiled = Template::compile(&case["template"]);
    if let Some(expected) = case.get("compile_errors") {
        let errors = compiled.err().ok_or(format!("{name}: compiled, expected errors"))?;
        let got: Vec<Value> = errors
            .iter()
            .map(|CompileError { pointer, field, message }| json!({"pointer": pointer, "field": field, "message": message}))
            .collect();
        return if json!(got) == *expected { Ok(()) } else { Err(format!("{name}: compile errors {got:?}")) };
    }
    let template = compiled.map_err(|e| format!("{name}: compile failed: {e:?}"))?;
    if let Some(literal) = case.get("literal") {
        if json!(template.is_literal()) != *literal {
            return Err(format!("{name}: is_literal is {}", template.is_literal()));
        }
    }
    let build = || context.clone();
    let rng = Rng::new(7);
    let scope = Scope { input: &input, context: &build, rng: &rng, variables: &expr::NoVariables };
    match (template.eval(&scope), case.get("expected"), case.get("error")) {
        (Ok(got), Some(expected), None) if got == *expected => {
            // Key order matters (AWS keeps it): compare the serialised text too.
            if serde_json::to_string(&got).ok() == serde_json::to_string(expected).ok() {
                Ok(())
            } else {
                Err(format!("{name}: key order differs: {got}"))
            }
        }
        (Err(f), None, Some(error)) if json!({"error": f.error, "cause": f.cause}) == *error => Ok(()),
        (got, _, _) => Err(format!("{name}: evaluated to {got:?}")),
    }
}

#[test]
fn template_cases() {
    support::check_folder("templates", 15, check);
}
