//! Data-driven tests of intrinsic calls: every case in `test_data/intrinsics/*.json`.
//!
//! A case has `name`, `expr` and then one of: `parse_error: true`; `input` (and optional
//! `context`) with `output` (exact JSON, integers stay integers), `error` (+ optional
//! `cause`), `uuid: true` (a v4 UUID) or `random_in: [start, end]`.

mod support;

use expr::{intrinsic::Call, Rng, Scope, Value};

/// Runs one case; returns a description of the mismatch, if any.
fn check(case: &Value) -> Result<(), String> {
    let expr = case["expr"].as_str().ok_or("no expr")?;
    let parsed = Call::parse(expr);
    if case["parse_error"] == Value::Bool(true) {
        return match parsed {
            Err(_) => Ok(()),
            Ok(call) => Err(format!("parsed, expected a parse error: {call:?}")),
        };
    }
    let call = parsed.map_err(|e| format!("parse error: {}", e.message))?;
    let input = case["input"].clone();
    let context = case.get("context").cloned().unwrap_or(Value::Null);
    let make_context = move || context.clone();
    let rng = Rng::new(7);
    let scope = Scope { input: &input, context: &make_context, rng: &rng, variables: &expr::NoVariables };
    let result = call.eval("FunctionResult.$", &scope);
    if let Some(error) = case.get("error") {
        let failure = match result {
            Ok(v) => return Err(format!("got {v}, expected error {error}")),
            Err(f) => f,
        };
        if failure.error != error.as_str().unwrap_or_default() {
            return Err(format!("error {} (cause {}), expected {error}", failure.error, failure.cause));
        }
        if let Some(cause) = case.get("cause") {
            if failure.cause != cause.as_str().unwrap_or_default() {
                return Err(format!("cause\n  got      {}\n  expected {}", failure.cause, cause));
            }
        }
        return Ok(());
    }
    let value = result.map_err(|f| format!("failed: {} {}", f.error, f.cause))?;
    if case["uuid"] == Value::Bool(true) {
        let s = value.as_str().ok_or("not a string")?;
        let ok = s.len() == 36
            && s.chars().enumerate().all(|(i, c)| {
                if [8, 13, 18, 23].contains(&i) {
                    c == '-'
                } else {
                    c.is_ascii_hexdigit() && !c.is_ascii_uppercase()
                }
            })
            && &s[14..15] == "4"
            && matches!(&s[19..20], "8" | "9" | "a" | "b");
        return if ok { Ok(()) } else { Err(format!("{s} is not a lowercase v4 UUID")) };
    }
    if let Some(range) = case.get("random_in") {
        let (lo, hi) = (range[0].as_i64().unwrap(), range[1].as_i64().unwrap());
        let n = value.as_i64().ok_or_else(|| format!("{value} is not an integer"))?;
        return if (lo..hi).contains(&n) { Ok(()) } else { Err(format!("{n} not in [{lo}, {hi})")) };
    }
    let expected = &case["output"];
    // Exact comparison: serde_json's Number tells 3 from 3.0, as AWS's output does.
    if &value != expected {
        return Err(format!("got {value}, expected {expected}"));
    }
    Ok(())
}

#[test]
fn every_intrinsic_case() {
    support::check_folder("intrinsics", 100, check);
}

#[test]
fn seeded_math_random_depends_only_on_the_seed() {
    let call = Call::parse("States.MathRandom(0, 1000000, 42)").unwrap();
    let input = Value::Null;
    let ctx = || Value::Null;
    let draws: Vec<Value> = [1, 2]
        .into_iter()
        .map(|seed| {
            let rng = Rng::new(seed);
            call.eval("x.$", &Scope { input: &input, context: &ctx, rng: &rng, variables: &expr::NoVariables }).unwrap()
        })
        .collect();
    assert_eq!(draws[0], draws[1], "the execution's generator must not matter when a seed is given");
    let other = Call::parse("States.MathRandom(0, 1000000, 43)").unwrap();
    let rng = Rng::new(1);
    let third =
        other.eval("x.$", &Scope { input: &input, context: &ctx, rng: &rng, variables: &expr::NoVariables }).unwrap();
    assert_ne!(draws[0], third, "different seeds should give different numbers");
}

#[test]
fn uuids_come_from_the_scope_generator() {
    let call = Call::parse("States.UUID()").unwrap();
    let input = Value::Null;
    let ctx = || Value::Null;
    let eval = |seed| {
        let rng = Rng::new(seed);
        let a = call
            .eval("x.$", &Scope { input: &input, context: &ctx, rng: &rng, variables: &expr::NoVariables })
            .unwrap();
        let b = call
            .eval("x.$", &Scope { input: &input, context: &ctx, rng: &rng, variables: &expr::NoVariables })
            .unwrap();
        (a, b)
    };
    let (a1, b1) = eval(9);
    let (a2, b2) = eval(9);
    assert_eq!((&a1, &b1), (&a2, &b2), "same seed, same UUIDs");
    assert_ne!(a1, b1, "successive UUIDs differ");
}
