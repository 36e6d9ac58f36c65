//! The `...EventDetails` object of each history event, as `GetExecutionHistory` returns it
//! (camelCase keys, payloads as JSON text). The store keeps it as `details_json`; the CLI
//! prints it.

use engine::Details;
use serde_json::{json, Map, Value};

/// A JSON value as the compact JSON text AWS puts in `input`, `output` and `parameters`.
pub fn json_text(value: &expr::Value) -> String {
    expr::json::to_string(value)
}

fn not_truncated() -> Value {
    json!({ "truncated": false })
}

fn insert_opt(object: &mut Map<String, Value>, key: &str, value: &Option<String>) {
    if let Some(v) = value {
        object.insert(key.into(), Value::String(v.clone()));
    }
}

fn error_cause(error: &Option<String>, cause: &Option<String>) -> Value {
    let mut object = Map::new();
    insert_opt(&mut object, "error", error);
    insert_opt(&mut object, "cause", cause);
    Value::Object(object)
}

fn task_base(resource_type: &str, resource: &str) -> Map<String, Value> {
    let mut object = Map::new();
    object.insert("resourceType".into(), Value::String(resource_type.into()));
    object.insert("resource".into(), Value::String(resource.into()));
    object
}

fn iteration(name: &str, index: usize) -> Value {
    json!({ "name": name, "index": index })
}

/// Adds to `executionStartedEventDetails` (as JSON text) the version and alias ARNs of an
/// execution started through them: `started_through` is [`store::Execution::started_through`]
/// (the version ARN, then the alias ARN after a space). The engine knows no versions, so the
/// runtime adds them when it stores the event.
pub fn add_started_through(details_json: &str, started_through: &str) -> String {
    let Ok(Value::Object(mut object)) = serde_json::from_str::<Value>(details_json) else {
        return details_json.to_string();
    };
    let mut arns = started_through.split(' ');
    if let Some(alias) = arns.nth(1) {
        object.insert("stateMachineAliasArn".into(), Value::String(alias.to_string()));
    }
    if let Some(version) = started_through.split(' ').next().filter(|v| !v.is_empty()) {
        object.insert("stateMachineVersionArn".into(), Value::String(version.to_string()));
    }
    Value::Object(object).to_string()
}

/// The `<xxx>EventDetails` key and object of an event, or None for types that have none
/// (`ParallelStateStarted`, `MapStateSucceeded`, `TaskStateAborted`, ...).
pub fn details_json(details: &Details) -> Option<(&'static str, Value)> {
    Some(match details {
        Details::ExecutionStarted { input, role_arn } => (
            "executionStartedEventDetails",
            json!({ "input": json_text(input), "inputDetails": not_truncated(), "roleArn": role_arn }),
        ),
        Details::ExecutionSucceeded { output } => {
            ("executionSucceededEventDetails", json!({ "output": json_text(output), "outputDetails": not_truncated() }))
        }
        Details::ExecutionFailed { error, cause } => ("executionFailedEventDetails", error_cause(error, cause)),
        Details::ExecutionAborted { error, cause } => ("executionAbortedEventDetails", error_cause(error, cause)),
        Details::ExecutionTimedOut { error, cause } => ("executionTimedOutEventDetails", error_cause(error, cause)),
        Details::ExecutionRedriven { redrive_count } => {
            ("executionRedrivenEventDetails", json!({ "redriveCount": redrive_count }))
        }
        Details::StateEntered { name, input, .. } => (
            "stateEnteredEventDetails",
            json!({ "name": name, "input": json_text(input), "inputDetails": not_truncated() }),
        ),
        Details::StateExited { name, output, assigned_variables, .. } => {
            let mut object = Map::new();
            object.insert("name".into(), Value::String(name.clone()));
            object.insert("output".into(), Value::String(json_text(output)));
            object.insert("outputDetails".into(), not_truncated());
            if let Some(assigned) = assigned_variables {
                // Each value as JSON text, by name (AWS returns them as a map).
                let mut names: Vec<_> = assigned.iter().collect();
                names.sort_by(|a, b| a.0.cmp(b.0));
                let texts = names.into_iter().map(|(k, v)| (k.to_string(), Value::String(json_text(v)))).collect();
                object.insert("assignedVariables".into(), Value::Object(texts));
                object.insert("assignedVariablesDetails".into(), not_truncated());
            }
            ("stateExitedEventDetails", Value::Object(object))
        }
        Details::StateAborted { .. }
        | Details::ParallelStateStarted
        | Details::ParallelStateSucceeded
        | Details::ParallelStateFailed
        | Details::MapStateSucceeded
        | Details::MapStateFailed => return None,
        Details::MapStateStarted { length } => ("mapStateStartedEventDetails", json!({ "length": length })),
        Details::MapIterationStarted { name, index } => ("mapIterationStartedEventDetails", iteration(name, *index)),
        Details::MapIterationSucceeded { name, index } => {
            ("mapIterationSucceededEventDetails", iteration(name, *index))
        }
        Details::MapIterationFailed { name, index } => ("mapIterationFailedEventDetails", iteration(name, *index)),
        Details::MapIterationAborted { name, index } => ("mapIterationAbortedEventDetails", iteration(name, *index)),
        Details::MapRunStarted { map_run_arn } => ("mapRunStartedEventDetails", json!({ "mapRunArn": map_run_arn })),
        Details::MapRunSucceeded => return None,
        Details::MapRunFailed { error, cause } => ("mapRunFailedEventDetails", error_cause(error, cause)),
        Details::EvaluationFailed { error, cause, location, state } => {
            let mut object = Map::new();
            insert_opt(&mut object, "error", error);
            insert_opt(&mut object, "cause", cause);
            insert_opt(&mut object, "location", location);
            object.insert("state".into(), Value::String(state.clone()));
            ("evaluationFailedEventDetails", Value::Object(object))
        }
        Details::LambdaFunctionScheduled { resource, input, timeout_seconds } => {
            let mut object = Map::new();
            object.insert("resource".into(), Value::String(resource.clone()));
            object.insert("input".into(), Value::String(json_text(input)));
            object.insert("inputDetails".into(), not_truncated());
            if let Some(t) = timeout_seconds {
                object.insert("timeoutInSeconds".into(), json!(t));
            }
            ("lambdaFunctionScheduledEventDetails", Value::Object(object))
        }
        Details::LambdaFunctionStarted => return None,
        Details::LambdaFunctionSucceeded { output } => (
            "lambdaFunctionSucceededEventDetails",
            json!({ "output": json_text(output), "outputDetails": not_truncated() }),
        ),
        Details::LambdaFunctionFailed { error, cause } => {
            ("lambdaFunctionFailedEventDetails", error_cause(error, cause))
        }
        Details::LambdaFunctionTimedOut { error, cause } => {
            ("lambdaFunctionTimedOutEventDetails", error_cause(error, cause))
        }
        Details::ActivityScheduled { resource, input, timeout_seconds, heartbeat_seconds } => {
            let mut object = Map::new();
            object.insert("resource".into(), Value::String(resource.clone()));
            object.insert("input".into(), Value::String(json_text(input)));
            object.insert("inputDetails".into(), not_truncated());
            if let Some(t) = timeout_seconds {
                object.insert("timeoutInSeconds".into(), json!(t));
            }
            if let Some(h) = heartbeat_seconds {
                object.insert("heartbeatInSeconds".into(), json!(h));
            }
            ("activityScheduledEventDetails", Value::Object(object))
        }
        Details::ActivityStarted { worker_name } => {
            let mut object = Map::new();
            if !worker_name.is_empty() {
                object.insert("workerName".into(), Value::String(worker_name.clone()));
            }
            ("activityStartedEventDetails", Value::Object(object))
        }
        Details::ActivitySucceeded { output } => {
            ("activitySucceededEventDetails", json!({ "output": json_text(output), "outputDetails": not_truncated() }))
        }
        Details::ActivityFailed { error, cause } => ("activityFailedEventDetails", error_cause(error, cause)),
        Details::ActivityScheduleFailed { error, cause } => {
            ("activityScheduleFailedEventDetails", error_cause(error, cause))
        }
        Details::ActivityTimedOut { error, cause } => ("activityTimedOutEventDetails", error_cause(error, cause)),
        Details::TaskScheduled { resource_type, resource, region, parameters, timeout_seconds, heartbeat_seconds } => {
            let mut object = task_base(resource_type, resource);
            object.insert("region".into(), Value::String(region.clone()));
            object.insert("parameters".into(), Value::String(json_text(parameters)));
            if let Some(t) = timeout_seconds {
                object.insert("timeoutInSeconds".into(), json!(t));
            }
            if let Some(h) = heartbeat_seconds {
                object.insert("heartbeatInSeconds".into(), json!(h));
            }
            ("taskScheduledEventDetails", Value::Object(object))
        }
        Details::TaskStarted { resource_type, resource } => {
            ("taskStartedEventDetails", Value::Object(task_base(resource_type, resource)))
        }
        Details::TaskSucceeded { resource_type, resource, output } => {
            let mut object = task_base(resource_type, resource);
            object.insert("output".into(), Value::String(json_text(output)));
            object.insert("outputDetails".into(), not_truncated());
            ("taskSucceededEventDetails", Value::Object(object))
        }
        Details::TaskSubmitted { resource_type, resource, output } => {
            let mut object = task_base(resource_type, resource);
            object.insert("output".into(), Value::String(json_text(output)));
            object.insert("outputDetails".into(), not_truncated());
            ("taskSubmittedEventDetails", Value::Object(object))
        }
        Details::TaskFailed { resource_type, resource, error, cause } => {
            let mut object = task_base(resource_type, resource);
            insert_opt(&mut object, "error", error);
            insert_opt(&mut object, "cause", cause);
            ("taskFailedEventDetails", Value::Object(object))
        }
        Details::TaskTimedOut { resource_type, resource, error, cause } => {
            let mut object = task_base(resource_type, resource);
            insert_opt(&mut object, "error", error);
            insert_opt(&mut object, "cause", cause);
            ("taskTimedOutEventDetails", Value::Object(object))
        }
    })
}

/// The key of an event's details object in `GetExecutionHistory`, from its type name
/// (`PassStateEntered` -> `stateEnteredEventDetails`, `TaskScheduled` ->
/// `taskScheduledEventDetails`): the stored records keep only the type and the details.
pub fn details_key(event_type: &str) -> String {
    if event_type.ends_with("StateEntered") {
        return "stateEnteredEventDetails".into();
    }
    if event_type.ends_with("StateExited") {
        return "stateExitedEventDetails".into();
    }
    let mut chars = event_type.chars();
    match chars.next() {
        Some(first) => format!("{}{}EventDetails", first.to_ascii_lowercase(), chars.as_str()),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::details_key;

    /// Every key `details_json` writes is the one `details_key` derives from the type name
    /// (read from this file's own match arms, so a new arm is checked too).
    #[test]
    fn details_key_agrees_with_details_json() {
        let source = include_str!("history.rs");
        let body = source.split("pub fn details_json").nth(1).unwrap().split("pub fn details_key").next().unwrap();
        let mut checked = 0;
        for arm in body.split("Details::").skip(1) {
            let variant: String = arm.chars().take_while(|c| c.is_ascii_alphanumeric()).collect();
            let before_none = arm.split("return None").next().unwrap();
            let Some(key) = before_none.split('"').find(|s| s.ends_with("EventDetails")) else { continue };
            assert_eq!(details_key(&variant), key, "{variant}");
            checked += 1;
        }
        assert!(checked >= 20, "only {checked} arms found");
        assert_eq!(details_key("PassStateEntered"), "stateEnteredEventDetails");
        assert_eq!(details_key("WaitStateExited"), "stateExitedEventDetails");
    }
}
