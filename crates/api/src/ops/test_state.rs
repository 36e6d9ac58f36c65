//! `TestState`: run one state (a single state's definition, or a machine's `stateName`)
//! through `engine::test_state` and answer AWS's `TestStateOutput`.
//!
//! Stepstone calls no service from TestState: a Task without a mock fails as a failed
//! call does (`States.TaskFailed`, see `engine::test_state::UNMOCKED_TASK_ERROR`).

use crate::request::*;
use crate::{Api, ApiError};
use engine::test_state::{self, Mock, Report};
use serde_json::{json, Map, Value};
use std::sync::Arc;
use store::Store;

pub async fn test_state<S: Store>(api: &Api<S>, request: &Request) -> Reply {
    let definition = required_string(request, "definition")?;
    let role_arn = optional_string(request, "roleArn")?;
    let state_name = optional_string(request, "stateName")?;
    let level = match optional_string(request, "inspectionLevel")? {
        None => "INFO",
        Some(level @ ("INFO" | "DEBUG" | "TRACE")) => level,
        Some(other) => {
            return Err(ApiError::validation(format!(
                "1 validation error detected: Value '{other}' at 'inspectionLevel' failed to satisfy constraint: Member must satisfy enum value set: [INFO, DEBUG, TRACE]"
            )))
        }
    };
    let reveal_secrets = optional_bool(request, "revealSecrets")?.unwrap_or(false);
    let mock = mock(request)?;
    if reveal_secrets && mock.is_some() {
        return Err(ApiError::validation("TestState does not support RevealSecrets when a mock is specified."));
    }
    let input_text = optional_string(request, "input")?.unwrap_or("{}");
    let input: Value = serde_json::from_str(input_text)
        .map_err(|e| ApiError::new("InvalidExecutionInput", format!("Invalid State Machine Execution Input: '{e}'")))?;
    let variables = match optional_string(request, "variables")? {
        None => Map::new(),
        Some(text) => match serde_json::from_str(text) {
            Ok(Value::Object(map)) => map,
            _ => return Err(ApiError::validation("Invalid variables: the variables must be a JSON object.")),
        },
    };
    let context = match optional_string(request, "context")? {
        None => None,
        Some(_) if mock.is_none() => {
            return Err(ApiError::validation("A context can only be specified when a mock is specified."))
        }
        Some(text) => match serde_json::from_str(text) {
            Ok(value @ Value::Object(_)) => Some(value),
            _ => {
                return Err(ApiError::validation("Invalid Context object provided: the context must be a JSON object."))
            }
        },
    };
    let retries = retrier_retry_count(request)?;

    let machine = parse_definition(definition, state_name)?;
    let state_is_task = test_state::locate(&machine, state_name)
        .is_ok_and(|(states, id)| matches!(states.states[id].kind, asl::Kind::Task(_)));
    if state_is_task && mock.is_none() && role_arn.is_none() {
        return Err(ApiError::validation("RoleArn must be specified when testing a Task state"));
    }

    let config = &api.config;
    let now = now_millis();
    let name = uuid::Uuid::new_v4().to_string();
    let machine_name = "TestStateMachine";
    let info = engine::ExecutionInfo {
        execution_arn: format!("arn:aws:states:{}:{}:express:{machine_name}:{name}", config.region, config.account),
        name,
        role_arn: role_arn.unwrap_or_default().to_string(),
        state_machine_arn: format!("arn:aws:states:{}:{}:stateMachine:{machine_name}", config.region, config.account),
        state_machine_name: machine_name.into(),
        start_time: now,
        seed: now as u64,
        record_history: true,
        // TestState hands out no task token anyone could answer.
        task_secret: uuid::Uuid::new_v4().as_u128(),
    };
    let run = test_state::TestState {
        definition: Arc::new(machine),
        state_name: state_name.map(String::from),
        input: expr::Value::from(input),
        variables: match expr::Value::from(Value::Object(variables)) {
            expr::Value::Object(map) => map,
            _ => expr::Map::new(),
        },
        context: context.map(expr::Value::from),
        mock,
        retrier_retry_count: retries,
        info,
        now,
    };
    match test_state::run(run) {
        Ok(report) => Ok(reply(&report, level != "INFO")),
        Err(test_state::Error::Validation(message)) => Err(ApiError::validation(message)),
        Err(test_state::Error::InvalidDefinition(message)) => Err(ApiError::new("InvalidDefinition", message)),
    }
}

/// The definition as a machine: a whole one with `stateName`, else a single state (a
/// whole machine without `stateName` runs its `StartAt`).
fn parse_definition(text: &str, state_name: Option<&str>) -> Result<asl::StateMachine, ApiError> {
    let parsed = match serde_json::from_str::<Value>(text) {
        Ok(value) if state_name.is_none() && value.get("Type").is_some() && value.get("States").is_none() => {
            asl::parse(&test_state::single_state_definition(&value), asl::MachineType::Standard)
        }
        _ => asl::parse_str(text, asl::MachineType::Standard),
    };
    let errors: Vec<asl::Diagnostic> =
        parsed.diagnostics.into_iter().filter(|d| d.severity == asl::Severity::Error).collect();
    match parsed.machine {
        Some(machine) if errors.is_empty() => Ok(machine),
        _ => Err(ApiError::new("InvalidDefinition", asl::invalid_definition_message(&errors))),
    }
}

/// `mock`: one of `result` (a JSON text) and `errorOutput`.
fn mock(request: &Request) -> Result<Option<Mock>, ApiError> {
    let Some(mock) = request.get("mock").filter(|m| !m.is_null()) else { return Ok(None) };
    let Value::Object(mock) = mock else {
        return Err(ApiError::new("SerializationException", "Expected an object for 'mock'"));
    };
    if let Some(mode) = optional_string(mock, "fieldValidationMode")? {
        if !matches!(mode, "STRICT" | "PRESENT" | "NONE") {
            return Err(ApiError::validation(format!(
                "1 validation error detected: Value '{mode}' at 'mock.fieldValidationMode' failed to satisfy constraint: Member must satisfy enum value set: [STRICT, PRESENT, NONE]"
            )));
        }
    }
    let result = optional_string(mock, "result")?;
    let error_output = mock.get("errorOutput").filter(|e| !e.is_null());
    match (result, error_output) {
        (Some(text), None) => match serde_json::from_str::<Value>(text) {
            Ok(value) => Ok(Some(Mock::Result(expr::Value::from(value)))),
            Err(_) => Err(ApiError::validation("Mocked result must be valid JSON.")),
        },
        (None, Some(Value::Object(e))) => {
            let error = optional_string(e, "error")?.ok_or_else(|| null_error("mock.errorOutput.error"))?;
            let cause = optional_string(e, "cause")?.unwrap_or("");
            Ok(Some(Mock::Error { error: error.into(), cause: cause.into() }))
        }
        (None, Some(_)) => Err(ApiError::new("SerializationException", "Expected an object for 'mock.errorOutput'")),
        _ => Err(ApiError::validation(
            "A test mock should have only one of the following fields: [result, errorOutput].",
        )),
    }
}

fn retrier_retry_count(request: &Request) -> Result<u32, ApiError> {
    let Some(Value::Object(configuration)) = request.get("stateConfiguration") else { return Ok(0) };
    match configuration.get("retrierRetryCount") {
        None | Some(Value::Null) => Ok(0),
        Some(Value::Number(n)) => match n.as_u64() {
            Some(count) => Ok(count.min(u64::from(u32::MAX)) as u32),
            None => Err(ApiError::validation(format!(
                "1 validation error detected: Value '{n}' at 'stateConfiguration.retrierRetryCount' failed to satisfy constraint: Member must have value greater than or equal to 0"
            ))),
        },
        Some(_) => Err(ApiError::new("SerializationException", "Expected an integer for 'retrierRetryCount'")),
    }
}

/// `TestStateOutput`: payloads as JSON texts; `inspectionData` at DEBUG and TRACE only.
fn reply(report: &Report, inspect: bool) -> Value {
    let text = |v: &expr::Value| Value::String(expr::json::to_string(v));
    let mut out = json!({"status": report.status.name()});
    if let Some(output) = &report.output {
        out["output"] = text(output);
    }
    if let Some(error) = &report.error {
        out["error"] = json!(error);
    }
    if let Some(cause) = &report.cause {
        out["cause"] = json!(cause);
    }
    if let Some(next) = &report.next_state {
        out["nextState"] = json!(next);
    }
    if !inspect {
        return out;
    }
    let i = &report.inspection;
    let mut data = Map::new();
    let stages = i.stages();
    for (key, value) in stages {
        if let Some(value) = value {
            data.insert(key.into(), text(value));
        }
    }
    if let Some(n) = i.max_concurrency {
        data.insert("maxConcurrency".into(), json!(n));
    }
    if let Some(details) = &i.error_details {
        let mut d = Map::new();
        if let Some(n) = details.catch_index {
            d.insert("catchIndex".into(), json!(n));
        }
        if let Some(n) = details.retry_index {
            d.insert("retryIndex".into(), json!(n));
        }
        if let Some(n) = details.retry_backoff_interval_seconds {
            d.insert("retryBackoffIntervalSeconds".into(), json!(n));
        }
        data.insert("errorDetails".into(), Value::Object(d));
    }
    out["inspectionData"] = Value::Object(data);
    out
}
