//! Data-driven tests of Choice rules: every case in `test_data/choice/*.json`.
//!
//! A case has `name`, `rule` (an ASL Choice rule without `Next`), `input`, and either
//! `expected` (the boolean result) or `error` with `cause`.

mod support;

use expr::{
    choice::{Op, Operand, Rule},
    Path, Rng, Scope, Value,
};

/// Builds a rule from its ASL form (what the `asl` crate does for real).
fn rule(json: &Value) -> Rule {
    let obj = json.as_object().expect("a rule is an object");
    if let Some(list) = obj.get("And") {
        return Rule::And(list.as_array().unwrap().iter().map(rule).collect());
    }
    if let Some(list) = obj.get("Or") {
        return Rule::Or(list.as_array().unwrap().iter().map(rule).collect());
    }
    if let Some(inner) = obj.get("Not") {
        return Rule::Not(Box::new(rule(inner)));
    }
    let variable = Path::parse(obj["Variable"].as_str().unwrap()).unwrap();
    let (field, value) = obj.iter().find(|(k, _)| *k != "Variable").expect("an operator");
    let (op, is_path) = Op::from_field(field).unwrap_or_else(|| panic!("unknown operator {field}"));
    let operand = if is_path {
        Operand::Path(Path::parse(value.as_str().unwrap()).unwrap())
    } else {
        Operand::Value(value.clone())
    };
    Rule::Compare { variable, op, operand }
}

fn check(case: &Value) -> Result<(), String> {
    let rule = rule(&case["rule"]);
    let input = case["input"].clone();
    let ctx = || Value::Null;
    let rng = Rng::new(1);
    let result = rule.eval(&Scope { input: &input, context: &ctx, rng: &rng, variables: &expr::NoVariables });
    match (result, case.get("expected")) {
        (Ok(got), Some(expected)) if Value::Bool(got) == *expected => Ok(()),
        (Ok(got), Some(expected)) => Err(format!("got {got}, expected {expected}")),
        (Ok(got), None) => Err(format!("got {got}, expected error {}", case["error"])),
        (Err(f), None) if f.error == case["error"] && f.cause == case["cause"] => Ok(()),
        (Err(f), _) => Err(format!("failed: {} / {}", f.error, f.cause)),
    }
}

#[test]
fn every_choice_case() {
    support::check_folder("choice", 400, check);
}

#[test]
fn operator_names_round_trip() {
    let names = [
        "StringEquals",
        "StringLessThan",
        "StringGreaterThan",
        "StringLessThanEquals",
        "StringGreaterThanEquals",
        "StringMatches",
        "NumericEquals",
        "NumericLessThan",
        "NumericGreaterThan",
        "NumericLessThanEquals",
        "NumericGreaterThanEquals",
        "BooleanEquals",
        "TimestampEquals",
        "TimestampLessThan",
        "TimestampGreaterThan",
        "TimestampLessThanEquals",
        "TimestampGreaterThanEquals",
        "IsNull",
        "IsPresent",
        "IsNumeric",
        "IsString",
        "IsBoolean",
        "IsTimestamp",
    ];
    let mut path_forms = 0;
    for name in names {
        let (op, is_path) = Op::from_field(name).unwrap();
        assert!(!is_path);
        assert_eq!(op.name(), name);
        if let Some((op2, true)) = Op::from_field(&format!("{name}Path")) {
            assert_eq!(op2, op);
            path_forms += 1;
        }
    }
    assert_eq!(path_forms, 16, "16 operators have a Path twin");
    for bad in ["StringMatchesPath", "IsNullPath", "IsPresentPath", "Foo", "Path", "stringequals"] {
        assert_eq!(Op::from_field(bad), None, "{bad}");
    }
}
