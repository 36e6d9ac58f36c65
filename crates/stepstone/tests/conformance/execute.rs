//! Running one case: CreateStateMachine's validation with `asl`, then the execution with
//! `local::run` (waits skipped, history on), compared by the rules of `matching`.

use super::cases::Case;
use super::matching::{compare_history, compare_result, matches, Actual, Normaliser};
use asl::{MachineType, Parsed, Severity};
use engine::Details;
use serde_json::Value;
use std::sync::Arc;
use stepstone::history_json::history_json;
use stepstone::local::{self, RunOptions};

const INVALID_PREFIX: &str = "Invalid State Machine Definition: ";

fn parse(case: &Case, kind: MachineType) -> Result<Parsed, String> {
    match case.json.get("definition") {
        Some(Value::String(text)) => Ok(asl::parse_str(text, kind)),
        Some(definition) => Ok(asl::parse(definition, kind)),
        None => Err("the case has no definition".into()),
    }
}

fn errors(parsed: &Parsed) -> Vec<asl::Diagnostic> {
    parsed.diagnostics.iter().filter(|d| d.severity == Severity::Error).cloned().collect()
}

/// What running a case found.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Mismatches of the required checks; empty when the case passes.
    pub problems: Vec<String>,
    /// The full-event comparison with the recorded `history_events` (required to match): None when
    /// not checked, Some(None) when equal, Some(Some(first difference)) otherwise.
    pub details: Option<Option<String>>,
}

/// Runs a case.
pub fn run_case(case: &Case) -> Report {
    let expected = &case.json["expected"];
    if expected.get("create_ok").is_some() || expected.get("create_error").is_some() {
        return Report { problems: validation_case(case, expected), details: None };
    }
    execution(case, expected)
}

fn validation_case(case: &Case, expected: &Value) -> Vec<String> {
    if expected.get("create_ok").and_then(Value::as_bool) == Some(true) {
        return match parse(case, MachineType::Standard) {
            Ok(parsed) => {
                let errors = errors(&parsed);
                if errors.is_empty() {
                    vec![]
                } else {
                    vec![format!(
                        "CreateStateMachine failed (expected success): {}",
                        asl::invalid_definition_message(&errors)
                    )]
                }
            }
            Err(e) => vec![e],
        };
    }
    create_error(case, expected)
}

/// The definition must be rejected; where AWS's message is recorded, ours must match it.
fn create_error(case: &Case, expected: &Value) -> Vec<String> {
    let kind = match case.json.get("state_machine_type").and_then(Value::as_str) {
        Some("EXPRESS") => MachineType::Express,
        _ => MachineType::Standard,
    };
    let parsed = match parse(case, kind) {
        Ok(p) => p,
        Err(e) => return vec![e],
    };
    let errors = errors(&parsed);
    if errors.is_empty() {
        return vec!["CreateStateMachine succeeded; expected InvalidDefinition".into()];
    }
    let recorded = expected.get("create_error_message").and_then(Value::as_str).unwrap_or("");
    let Some(start) = recorded.find(INVALID_PREFIX) else {
        // Not AWS's text (LocalStack's own wording): only the error code counts.
        return vec![];
    };
    let want = Value::String(recorded[start..].replace("<partition>", "aws"));
    let got = Value::String(asl::invalid_definition_message(&errors));
    matches(&want, &got, &case.extra_wildcards(), "$message").into_iter().collect()
}

fn execution(case: &Case, expected: &Value) -> Report {
    let fail = |problem: String| Report { problems: vec![problem], details: None };
    let parsed = match parse(case, MachineType::Standard) {
        Ok(p) => p,
        Err(e) => return fail(e),
    };
    let errors = errors(&parsed);
    let machine = match parsed.machine {
        Some(m) if errors.is_empty() => m,
        _ => {
            let message = if errors.is_empty() {
                "no state machine and no error".to_string()
            } else {
                asl::invalid_definition_message(&errors)
            };
            return fail(format!("CreateStateMachine failed: InvalidDefinition: {message}"));
        }
    };
    let input_text = case.json.get("input").and_then(Value::as_str).unwrap_or("{}");
    let input: Value = match serde_json::from_str(input_text) {
        Ok(v) => v,
        Err(e) => return fail(format!("StartExecution: input is not JSON: {e}")),
    };
    let options = RunOptions { time_scale: 0.0, history: true, name: None, ..RunOptions::default() };
    let result = local::run(Arc::new(machine), expr::Value::from(&input), &options);
    let role_arn = result.history.iter().find_map(|e| match &e.details {
        Details::ExecutionStarted { role_arn, .. } => Some(role_arn.clone()),
        _ => None,
    });
    let norm = Normaliser { role_arn };
    let actual = Actual {
        status: result.status.to_string(),
        output_text: result.output.as_ref().map(|v| serde_json::to_string(v).unwrap_or_default()),
        error: result.error.clone(),
        cause: result.cause.clone(),
    };
    let mut problems = compare_result(expected, &case.extra_wildcards(), &actual, &norm);
    let types: Vec<String> = result.history.iter().map(|e| e.type_name().to_string()).collect();
    problems.extend(compare_history(&case.history(), case.history_is_multiset(), &types));
    let details = history_details(case, &result.history, &norm);
    Report { problems, details }
}

/// Compares every event, details included, with the recorded `history_events` after the
/// snapshot's transformations (payload texts starting with `{` parsed one level). Only for
/// histories recorded in a deterministic order.
fn history_details(case: &Case, history: &[engine::HistoryEvent], norm: &Normaliser) -> Option<Option<String>> {
    let recorded = case.json.get("history_events").and_then(Value::as_array)?;
    if case.history_is_multiset() || recorded.is_empty() {
        return None;
    }
    let mut actual: Vec<Value> = history_json(history);
    for (event, raw) in actual.iter_mut().zip(history) {
        snapshot_payloads(event);
        // On the wire the timestamp is epoch seconds (boto3 makes it a datetime, which the
        // snapshot replaced by "timestamp"); the ISO text would normalise to "date".
        event["timestamp"] = Value::from(raw.timestamp as f64 / 1000.0);
    }
    let actual = norm.normalise(&Value::Array(actual));
    Some(matches(&Value::Array(recorded.clone()), &actual, &case.extra_wildcards(), "$events"))
}

/// LocalStack's snapshot parsed payload texts that start with `{` (one level deep), and so
/// the values of `assignedVariables` (each a JSON text).
fn snapshot_payloads(value: &mut Value) {
    if let Value::Object(object) = value {
        for (key, v) in object.iter_mut() {
            match v {
                Value::String(text) if PAYLOAD_KEYS.contains(&key.as_str()) && text.starts_with('{') => {
                    if let Ok(parsed) = serde_json::from_str::<Value>(text) {
                        *v = parsed;
                    }
                }
                Value::Object(assigned) if key == "assignedVariables" => {
                    for text in assigned.values_mut() {
                        let parsed =
                            text.as_str().filter(|t| t.starts_with('{')).and_then(|t| serde_json::from_str(t).ok());
                        if let Some(parsed) = parsed {
                            *text = parsed;
                        }
                    }
                }
                Value::Object(_) => snapshot_payloads(v),
                _ => {}
            }
        }
    }
}

const PAYLOAD_KEYS: &[&str] = &["input", "output", "cause", "parameters"];
