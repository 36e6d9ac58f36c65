//! History events as JSON with AWS's detail field names, so scenarios can state partial
//! expectations on them.

use engine::{Details, HistoryEvent};
use expr::{json, Map, Value};

/// The details of `event` under AWS's field names (`name`, `input`, `resourceType`, ...).
/// Absent optional fields are left out.
pub fn details(event: &HistoryEvent) -> Value {
    let mut out = Map::new();
    let mut put = |key: &str, value: Value| {
        out.insert(key.to_string(), value);
    };
    let opt = |v: &Option<String>| v.clone().map(Value::from);
    match &event.details {
        Details::ExecutionStarted { input, role_arn } => {
            put("input", input.clone());
            put("roleArn", json!(role_arn));
        }
        Details::ExecutionSucceeded { output } => put("output", output.clone()),
        Details::ExecutionFailed { error, cause }
        | Details::ExecutionAborted { error, cause }
        | Details::ExecutionTimedOut { error, cause }
        | Details::MapRunFailed { error, cause } => {
            if let Some(e) = opt(error) {
                put("error", e);
            }
            if let Some(c) = opt(cause) {
                put("cause", c);
            }
        }
        Details::StateEntered { name, input, .. } => {
            put("name", json!(name));
            put("input", input.clone());
        }
        Details::StateExited { name, output, assigned_variables, .. } => {
            put("name", json!(name));
            put("output", output.clone());
            if let Some(assigned) = assigned_variables {
                put("assignedVariables", Value::Object(assigned.clone()));
            }
        }
        Details::StateAborted { name, .. } => put("name", json!(name)),
        Details::MapStateStarted { length } => put("length", json!(length)),
        Details::MapIterationStarted { name, index }
        | Details::MapIterationSucceeded { name, index }
        | Details::MapIterationFailed { name, index }
        | Details::MapIterationAborted { name, index } => {
            put("name", json!(name));
            put("index", json!(index));
        }
        Details::MapRunStarted { map_run_arn } => put("mapRunArn", json!(map_run_arn)),
        Details::TaskScheduled { resource_type, resource, region, parameters, timeout_seconds, heartbeat_seconds } => {
            put("resourceType", json!(resource_type));
            put("resource", json!(resource));
            put("region", json!(region));
            put("parameters", parameters.clone());
            if let Some(t) = timeout_seconds {
                put("timeoutInSeconds", json!(t));
            }
            if let Some(h) = heartbeat_seconds {
                put("heartbeatInSeconds", json!(h));
            }
        }
        Details::TaskStarted { resource_type, resource } => {
            put("resourceType", json!(resource_type));
            put("resource", json!(resource));
        }
        Details::TaskSucceeded { resource_type, resource, output }
        | Details::TaskSubmitted { resource_type, resource, output } => {
            put("resourceType", json!(resource_type));
            put("resource", json!(resource));
            put("output", output.clone());
        }
        Details::TaskFailed { resource_type, resource, error, cause }
        | Details::TaskTimedOut { resource_type, resource, error, cause } => {
            put("resourceType", json!(resource_type));
            put("resource", json!(resource));
            if let Some(e) = opt(error) {
                put("error", e);
            }
            if let Some(c) = opt(cause) {
                put("cause", c);
            }
        }
        Details::LambdaFunctionScheduled { resource, input, timeout_seconds } => {
            put("resource", json!(resource));
            put("input", input.clone());
            if let Some(t) = timeout_seconds {
                put("timeoutInSeconds", json!(t));
            }
        }
        Details::ActivityScheduled { resource, input, timeout_seconds, heartbeat_seconds } => {
            put("resource", json!(resource));
            put("input", input.clone());
            if let Some(t) = timeout_seconds {
                put("timeoutInSeconds", json!(t));
            }
            if let Some(h) = heartbeat_seconds {
                put("heartbeatInSeconds", json!(h));
            }
        }
        Details::ActivityStarted { worker_name } => put("workerName", json!(worker_name)),
        Details::LambdaFunctionSucceeded { output } | Details::ActivitySucceeded { output } => {
            put("output", output.clone())
        }
        Details::LambdaFunctionFailed { error, cause }
        | Details::LambdaFunctionTimedOut { error, cause }
        | Details::ActivityFailed { error, cause }
        | Details::ActivityTimedOut { error, cause }
        | Details::ActivityScheduleFailed { error, cause } => {
            if let Some(e) = opt(error) {
                put("error", e);
            }
            if let Some(c) = opt(cause) {
                put("cause", c);
            }
        }
        Details::EvaluationFailed { error, cause, location, state } => {
            if let Some(e) = opt(error) {
                put("error", e);
            }
            if let Some(c) = opt(cause) {
                put("cause", c);
            }
            if let Some(l) = opt(location) {
                put("location", l);
            }
            put("state", json!(state));
        }
        #[allow(unreachable_patterns)]
        _ => {}
    }
    Value::Object(out)
}

/// Checks that every key of `want` is in `got` with an equal value; a `null` in `want`
/// means the key must be absent. Returns the first mismatch.
pub fn subset(want: &Value, got: &Value) -> Result<(), String> {
    let (Value::Object(want), Value::Object(got)) = (want, got) else {
        return Err("details expectations must be objects".into());
    };
    for (key, value) in want {
        match (value, got.get(key)) {
            (Value::Null, None) => {}
            (Value::Null, Some(actual)) => return Err(format!("`{key}` should be absent, is {actual}")),
            (_, None) => return Err(format!("`{key}` is missing (want {value})")),
            (_, Some(actual)) if actual != value => return Err(format!("`{key}`: want {value}, got {actual}")),
            _ => {}
        }
    }
    Ok(())
}
