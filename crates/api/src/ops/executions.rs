//! The execution operations: start, stop, describe, list, history.

use super::machines::{describe_details, machine};
use super::versions::{check_qualified, start_through};
use crate::request::*;
use crate::{Api, ApiError};
use runtime::StartRequest;
use serde_json::{json, Map, Value};
use store::{ExecutionQuery, HistoryQuery, Kind, Store};

pub async fn start_execution<S: Store>(api: &Api<S>, request: &Request) -> Reply {
    let machine_arn = required_string(request, "stateMachineArn")?;
    // `<stateMachineArn>#<TestCase>` selects a mocked test case (as Step Functions Local);
    // a bare trailing `#` runs unmocked.
    let (machine_arn, test_case) = match (&api.test_cases, machine_arn.split_once('#')) {
        (Some(_), Some((arn, case))) => (arn, Some(case).filter(|c| !c.is_empty())),
        _ => (machine_arn, None),
    };
    let target = MachineArn::parse(machine_arn)?;
    let (name, input) = super::express::name_and_input(request)?;
    if let Some(reply) = super::express::start_if_express(api, target.machine(), &name, &input).await? {
        return Ok(reply);
    }
    let through = start_through(api, &target, machine_arn).await?;
    // The test case is recorded before the start, so that the first Task already sees it (and
    // forgotten if the start fails); an execution that exists keeps the test case it ran with.
    let mut selected = None;
    if let (Some(cases), Some(case)) = (&api.test_cases, test_case) {
        let machine = target.machine();
        let execution_arn = format!("{}:{name}", machine.replacen(":stateMachine:", ":execution:", 1));
        let machine_name = machine.rsplit(':').next().unwrap_or(machine);
        if api.runtime.store().execution(&execution_arn).await?.is_none() {
            cases.select(machine_name, case, &execution_arn).map_err(|m| ApiError::new("ValidationException", m))?;
            selected = Some((cases, execution_arn));
        }
    }
    let start = StartRequest { state_machine_arn: target.machine().to_string(), name, input };
    let started = api.runtime.start_through(start, through).await;
    if let (Err(_), Some((cases, execution_arn))) = (&started, selected) {
        cases.forget(&execution_arn);
    }
    let arn = match started {
        Ok(arn) => arn,
        Err(runtime::Error::NoStateMachine(arn) | runtime::Error::Store(store::Error::NotFound { key: arn, .. })) => {
            return Err(ApiError::state_machine_does_not_exist(&arn))
        }
        Err(runtime::Error::Store(store::Error::AlreadyExists { key, .. })) => {
            return Err(ApiError::new("ExecutionAlreadyExists", format!("Execution Already Exists: '{key}'")))
        }
        Err(runtime::Error::Input(message)) => {
            return Err(ApiError::new(
                "InvalidExecutionInput",
                format!("Invalid State Machine Execution Input: '{message}'"),
            ))
        }
        Err(e) => return Err(ApiError::internal(e.to_string())),
    };
    let execution =
        api.runtime.store().execution(&arn).await?.ok_or_else(|| ApiError::execution_does_not_exist(&arn))?;
    Ok(json!({"executionArn": arn, "startDate": timestamp(execution.started)}))
}

/// Why an input is not JSON, in AWS's (Jackson's) words for a bare word
/// (`Unrecognized token 'not': ...`); serde_json's message otherwise.
pub(super) fn input_error(input: &str, error: &serde_json::Error) -> String {
    let word: String =
        input.trim_start().chars().take_while(|c| !c.is_whitespace() && !"{}[],:\"".contains(*c)).collect();
    if input.trim().is_empty() {
        return "Invalid execution input.".to_string();
    }
    if error.to_string().starts_with("key must be a string") {
        let line = input.lines().nth(error.line().saturating_sub(1)).unwrap_or("");
        if let Some(c) = line.chars().nth(error.column().saturating_sub(1)) {
            return format!(
                "Unexpected character ('{c}' (code {})): was expecting double-quote to start field name",
                u32::from(c)
            );
        }
    }
    let is_literal = ["true", "false", "null"].contains(&word.as_str());
    if !word.is_empty() && !is_literal && word.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return format!(
            "Unrecognized token '{word}': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')"
        );
    }
    error.to_string()
}

pub async fn describe_execution<S: Store>(api: &Api<S>, request: &Request) -> Reply {
    let arn = required_string(request, "executionArn")?;
    check_arn(arn, "execution")?;
    let e = api.runtime.store().execution(arn).await?.ok_or_else(|| ApiError::execution_does_not_exist(arn))?;
    let status = status_name(e.status);
    let mut reply = json!({
        "executionArn": e.arn,
        "stateMachineArn": e.state_machine_arn,
        "name": e.name,
        "status": status,
        "startDate": timestamp(e.started),
        "input": text(&e.input),
        "inputDetails": {"included": true},
    });
    add_started_through(&mut reply, &e);
    if let Some(stopped) = e.stopped {
        reply["stopDate"] = timestamp(stopped);
    }
    if let Some(output) = &e.output {
        reply["output"] = text(output);
        reply["outputDetails"] = json!({"included": true});
    }
    if let Some(error) = &e.error {
        reply["error"] = json!(error);
    }
    if let Some(cause) = &e.cause {
        reply["cause"] = json!(cause);
    }
    super::redrive::add_redrive_status(api, &mut reply, &e).await?;
    Ok(reply)
}

/// `StopExecution`: the execution ends ABORTED (once its driver records it, which this
/// waits for); a closed one is left as it is and its stop date returned.
pub async fn stop_execution<S: Store>(api: &Api<S>, request: &Request) -> Reply {
    let arn = required_string(request, "executionArn")?;
    check_arn(arn, "execution")?;
    let (error, cause) = super::tasks::error_and_cause(request)?;
    match api.runtime.stop(arn, error, cause).await {
        Ok(stopped) => Ok(json!({"stopDate": timestamp(stopped)})),
        Err(runtime::Error::NoExecution(_)) => Err(ApiError::execution_does_not_exist(arn)),
        Err(e) => Err(ApiError::internal(e.to_string())),
    }
}

pub async fn describe_state_machine_for_execution<S: Store>(api: &Api<S>, request: &Request) -> Reply {
    let arn = required_string(request, "executionArn")?;
    check_arn(arn, "execution")?;
    let store = api.runtime.store();
    let e = store.execution(arn).await?.ok_or_else(|| ApiError::execution_does_not_exist(arn))?;
    // The definition the execution runs (its snapshot), even if the machine changed since.
    let updated = match store.state_machine(&e.state_machine_arn).await? {
        Some(m) => m.created,
        None => e.started,
    };
    let name = e.state_machine_arn.rsplit(':').next().unwrap_or("");
    let mut reply = json!({
        "stateMachineArn": e.state_machine_arn,
        "name": name,
        "definition": e.definition,
        "roleArn": e.role_arn,
        "updateDate": timestamp(updated),
    });
    // The revision and configuration of the version it runs, else of the machine while it
    // still has the execution's definition.
    let (version, _) = started_through(e.started_through.as_deref());
    let (revision, configuration) = match version {
        Some(version) => match store.version(version).await? {
            Some(v) => (v.revision_id, v.configuration),
            None => (String::new(), String::new()),
        },
        None => match store.state_machine(&e.state_machine_arn).await? {
            Some(m) if m.definition == e.definition => (m.revision_id, m.configuration),
            _ => (String::new(), String::new()),
        },
    };
    describe_details(&mut reply, &e.definition, &configuration, &revision);
    Ok(reply)
}

pub async fn list_executions<S: Store>(api: &Api<S>, request: &Request) -> Reply {
    let machine_arn = required_string(request, "stateMachineArn")?;
    let target = MachineArn::parse(machine_arn)?;
    check_qualified(api, &target, machine_arn).await?;
    if machine(api, target.machine()).await?.kind == Kind::Express {
        return Err(ApiError::new(
            "StateMachineTypeNotSupported",
            "This operation is not supported by this type of state machine",
        ));
    }
    let status = match optional_string(request, "statusFilter")? {
        None => None,
        Some(name) => Some(parse_status(name).ok_or_else(|| {
            ApiError::validation(format!(
                "1 validation error detected: Value '{name}' at 'statusFilter' failed to satisfy constraint: Member must satisfy enum value set: [SUCCEEDED, TIMED_OUT, PENDING_REDRIVE, ABORTED, FAILED, RUNNING]"
            ))
        })?),
    };
    let query = ExecutionQuery {
        state_machine_arn: Some(target.machine().to_string()),
        status,
        redriven: super::redrive::redrive_filter(request)?,
        page: page(request, EXECUTIONS_TOKEN_LENGTH)?,
    };
    let page = api.runtime.store().list_executions(query).await?;
    let executions: Vec<Value> = page
        .items
        .iter()
        .filter(|e| {
            // Through a version or alias ARN: only the executions started through it.
            let (version, alias) = started_through(e.started_through.as_deref());
            match &target {
                MachineArn::Machine(_) => true,
                MachineArn::Version { .. } => version == Some(machine_arn),
                MachineArn::Alias { .. } => alias == Some(machine_arn),
            }
        })
        .map(|e| {
            let mut item = json!({
                "executionArn": e.arn,
                "stateMachineArn": e.state_machine_arn,
                "name": e.name,
                "status": status_name(e.status),
                "startDate": timestamp(e.started),
            });
            super::redrive::add_redrive_count(&mut item, e);
            add_started_through(&mut item, e);
            if let Some(stopped) = e.stopped {
                item["stopDate"] = timestamp(stopped);
            }
            item
        })
        .collect();
    let mut reply = json!({"executions": executions});
    if let Some(next) = page.next {
        reply["nextToken"] = json!(next);
    }
    Ok(reply)
}

pub async fn get_execution_history<S: Store>(api: &Api<S>, request: &Request) -> Reply {
    let arn = required_string(request, "executionArn")?;
    check_arn(arn, "execution")?;
    let reverse = optional_bool(request, "reverseOrder")?.unwrap_or(false);
    let include_data = optional_bool(request, "includeExecutionData")?.unwrap_or(true);
    let query = HistoryQuery { execution_arn: arn.to_string(), reverse, page: page(request, TOKEN_LENGTH)? };
    let page = match api.runtime.store().history(query).await {
        Ok(page) => page,
        Err(store::Error::NotFound { .. }) => return Err(ApiError::execution_does_not_exist(arn)),
        Err(e) => return Err(e.into()),
    };
    let mut events = Vec::with_capacity(page.items.len());
    for event in &page.items {
        let mut object = Map::new();
        object.insert("timestamp".into(), timestamp(event.timestamp));
        object.insert("type".into(), json!(event.event_type));
        object.insert("id".into(), json!(event.id));
        object.insert("previousEventId".into(), json!(event.previous_event_id));
        if !event.details_json.is_empty() {
            let mut details: Value = serde_json::from_str(&event.details_json)
                .map_err(|e| ApiError::internal(format!("stored event details are not JSON: {e}")))?;
            if !include_data {
                if let Value::Object(map) = &mut details {
                    map.remove("input");
                    map.remove("output");
                }
            }
            object.insert(runtime::history::details_key(&event.event_type), details);
        }
        events.push(Value::Object(object));
    }
    let mut reply = json!({"events": events});
    if let Some(next) = page.next {
        reply["nextToken"] = json!(next);
    }
    Ok(reply)
}
