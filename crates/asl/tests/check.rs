//! Data-driven validator cases: each `test_data/*.json` holds a definition (and optionally its
//! machine `type`) and every diagnostic expected, in order, as `CODE: message at /pointer`.
//! An empty list means the definition must parse into a machine.

use asl::{parse, MachineType};
use serde_json::Value;
use std::path::Path;

fn check(path: &Path) -> Result<(), String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let case: Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    let kind = match case["type"].as_str() {
        Some("EXPRESS") => MachineType::Express,
        _ => MachineType::Standard,
    };
    let parsed = parse(&case["definition"], kind);
    let got: Vec<String> = parsed.diagnostics.iter().map(ToString::to_string).collect();
    let want: Vec<String> = case["expected"]
        .as_array()
        .ok_or("`expected` must be an array")?
        .iter()
        .map(|v| v.as_str().unwrap_or_default().to_owned())
        .collect();
    if got != want {
        return Err(format!("want:\n  {}\ngot:\n  {}", want.join("\n  "), got.join("\n  ")));
    }
    if want.is_empty() != parsed.machine.is_some() {
        return Err(format!("machine is {}", if parsed.machine.is_some() { "Some" } else { "None" }));
    }
    Ok(())
}

#[test]
fn test_data() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("test_data");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .expect("test_data exists")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    paths.sort();
    assert!(paths.len() >= 10, "too few cases in {}", dir.display());
    let failures: Vec<String> = paths
        .iter()
        .filter_map(|p| {
            check(p).err().map(|e| format!("{}:\n{e}", p.file_name().unwrap_or_default().to_string_lossy()))
        })
        .collect();
    assert!(failures.is_empty(), "{} of {} cases failed:\n{}", failures.len(), paths.len(), failures.join("\n\n"));
}

#[test]
fn parse_str_reports_bad_json() {
    let parsed = asl::parse_str("{not json", MachineType::Standard);
    assert!(parsed.machine.is_none());
    assert_eq!(parsed.diagnostics.len(), 1);
    assert_eq!(parsed.diagnostics[0].code, "INVALID_JSON_DESCRIPTION");
}

#[test]
fn valid_machine_resolves_transitions() {
    let def = serde_json::json!({"StartAt": "B", "States": {
        "A": {"Type": "Succeed"},
        "B": {"Type": "Pass", "Next": "A"}}});
    let parsed = parse(&def, MachineType::Standard);
    let machine = parsed.machine.expect("valid");
    assert_eq!(machine.machine.start_at, 1);
    match &machine.machine.states[1].kind {
        asl::Kind::Pass(p) => assert_eq!(p.transition, asl::Transition::Next(0)),
        other => panic!("not a Pass: {other:?}"),
    }
}
