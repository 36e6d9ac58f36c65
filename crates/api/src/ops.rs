//! The operations: each reads its request object and answers AWS's response shape.

use crate::{Api, ApiError};
use runtime::StartRequest;
use serde_json::{json, Map, Value};
use store::{ExecutionQuery, ExecutionStatus, HistoryQuery, Kind, PageRequest, Store};

type Request = Map<String, Value>;
type Reply = Result<Value, ApiError>;

/// Epoch milliseconds as AWS JSON's timestamp: epoch seconds, fractional.
fn timestamp(millis: i64) -> Value {
    json!(millis as f64 / 1000.0)
}

fn now_millis() -> i64 {
    use std::time::{SystemTime, UNIX_EPOCH};
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

fn null_error(field: &str) -> ApiError {
    ApiError::validation(format!(
        "1 validation error detected: Value null at '{field}' failed to satisfy constraint: Member must not be null"
    ))
}

fn optional_string<'a>(request: &'a Request, field: &str) -> Result<Option<&'a str>, ApiError> {
    match request.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(ApiError::new("SerializationException", format!("Expected a string for '{field}'"))),
    }
}

fn required_string<'a>(request: &'a Request, field: &str) -> Result<&'a str, ApiError> {
    optional_string(request, field)?.ok_or_else(|| null_error(field))
}

fn optional_bool(request: &Request, field: &str) -> Result<Option<bool>, ApiError> {
    match request.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(ApiError::new("SerializationException", format!("Expected a boolean for '{field}'"))),
    }
}

/// AWS's longest `nextToken` (`PageToken`); `ListExecutions` takes longer ones.
const TOKEN_LENGTH: usize = 1024;
const EXECUTIONS_TOKEN_LENGTH: usize = 3096;

/// `maxResults` and `nextToken` as a page request (AWS: 0 or absent means the default, 100).
fn page(request: &Request, token_length: usize) -> Result<PageRequest, ApiError> {
    let max = match request.get("maxResults") {
        None | Some(Value::Null) => 0,
        Some(Value::Number(n)) => {
            n.as_i64().ok_or_else(|| ApiError::new("SerializationException", "Expected an integer for 'maxResults'"))?
        }
        Some(_) => return Err(ApiError::new("SerializationException", "Expected an integer for 'maxResults'")),
    };
    if max > 1000 {
        return Err(ApiError::validation(format!(
            "1 validation error detected: Value '{max}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 1000"
        )));
    }
    if max < 0 {
        return Err(ApiError::validation(format!(
            "1 validation error detected: Value '{max}' at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 0"
        )));
    }
    let cursor = optional_string(request, "nextToken")?.map(str::to_string);
    if let Some(token) = &cursor {
        if token.len() > token_length {
            return Err(ApiError::validation(format!(
                "1 validation error detected: Value '{token}' at 'nextToken' failed to satisfy constraint: Member must have length less than or equal to {token_length}"
            )));
        }
    }
    let limit = if max == 0 { 100 } else { max as usize };
    Ok(PageRequest { cursor, limit })
}

/// AWS's name rule for state machines and executions: 1 to 80 characters, none of
/// whitespace, `<>{}[]?*"#%\^|~`$&,;:/` or control characters.
fn valid_name(name: &str) -> bool {
    let forbidden = "<>{}[]?*\"#%\\^|~`$&,;:/";
    let length = name.chars().count();
    (1..=80).contains(&length) && !name.chars().any(|c| c.is_whitespace() || c.is_control() || forbidden.contains(c))
}

/// An ARN of this service with the given resource type, else `InvalidArn`.
fn check_arn(arn: &str, resource: &str) -> Result<(), ApiError> {
    if !arn.starts_with("arn:") {
        return Err(ApiError::new("InvalidArn", format!("Invalid Arn: 'Invalid ARN prefix: {arn}'")));
    }
    let parts: Vec<&str> = arn.splitn(7, ':').collect();
    if parts.len() < 7 || parts[2] != "states" || parts[5] != resource {
        return Err(ApiError::new(
            "InvalidArn",
            format!("Invalid Arn: 'Resource type not valid in this context: {}'", parts.get(5).unwrap_or(&"")),
        ));
    }
    Ok(())
}

fn status_name(status: ExecutionStatus) -> &'static str {
    match status {
        ExecutionStatus::Running => "RUNNING",
        ExecutionStatus::Succeeded => "SUCCEEDED",
        ExecutionStatus::Failed => "FAILED",
        ExecutionStatus::TimedOut => "TIMED_OUT",
        ExecutionStatus::Aborted => "ABORTED",
    }
}

fn parse_status(name: &str) -> Option<ExecutionStatus> {
    ExecutionStatus::ALL.into_iter().find(|s| status_name(*s) == name)
}

pub async fn create_state_machine<S: Store>(api: &Api<S>, request: &Request) -> Reply {
    let name = required_string(request, "name")?;
    let definition = required_string(request, "definition")?;
    let role_arn = required_string(request, "roleArn")?;
    let kind = match optional_string(request, "type")? {
        None => Kind::Standard,
        Some(text) => Kind::parse(text).ok_or_else(|| {
            ApiError::validation(format!(
                "1 validation error detected: Value '{text}' at 'type' failed to satisfy constraint: Member must satisfy enum value set: [STANDARD, EXPRESS]"
            ))
        })?,
    };
    if !valid_name(name) {
        return Err(ApiError::new("InvalidName", format!("Invalid Name: '{name}'")));
    }
    let publish = optional_bool(request, "publish")?.unwrap_or(false);
    if optional_string(request, "versionDescription")?.is_some() && !publish {
        return Err(ApiError::validation("Version description can only be set when publish is true"));
    }
    check_arn(role_arn, "role").or_else(|_| {
        // A role ARN is an IAM one (`arn:aws:iam::account:role/name`): only its prefix is checked.
        if role_arn.starts_with("arn:") {
            Ok(())
        } else {
            Err(ApiError::new("InvalidArn", format!("Invalid Arn: 'Invalid ARN prefix: {role_arn}'")))
        }
    })?;
    let machine_type = match kind {
        Kind::Standard => asl::MachineType::Standard,
        Kind::Express => asl::MachineType::Express,
    };
    let parsed = asl::parse_str(definition, machine_type);
    let errors: Vec<asl::Diagnostic> =
        parsed.diagnostics.into_iter().filter(|d| d.severity == asl::Severity::Error).collect();
    if !errors.is_empty() || parsed.machine.is_none() {
        return Err(ApiError::new("InvalidDefinition", asl::invalid_definition_message(&errors)));
    }
    let config = &api.config;
    let arn = format!("arn:aws:states:{}:{}:stateMachine:{name}", config.region, config.account);
    let machine = store::StateMachine {
        arn: arn.clone(),
        name: name.to_string(),
        kind,
        definition: definition.to_string(),
        role_arn: role_arn.to_string(),
        created: now_millis(),
        revision_id: uuid::Uuid::new_v4().to_string(),
        description: optional_string(request, "description")?.unwrap_or("").to_string(),
        configuration: String::new(),
        tags: Vec::new(),
    };
    let created = match api.runtime.store().create_state_machine(machine).await {
        Ok(created) => created,
        Err(store::Error::AlreadyExists { .. }) => {
            return Err(ApiError::new("StateMachineAlreadyExists", format!("State Machine Already Exists: '{arn}'")))
        }
        Err(e) => return Err(e.into()),
    };
    Ok(json!({"stateMachineArn": created.value.arn, "creationDate": timestamp(created.value.created)}))
}

pub async fn validate_state_machine_definition<S: Store>(_api: &Api<S>, request: &Request) -> Reply {
    let definition = required_string(request, "definition")?;
    let kind = match optional_string(request, "type")? {
        None | Some("STANDARD") => asl::MachineType::Standard,
        Some("EXPRESS") => asl::MachineType::Express,
        Some(text) => {
            return Err(ApiError::validation(format!(
                "1 validation error detected: Value '{text}' at 'type' failed to satisfy constraint: Member must satisfy enum value set: [STANDARD, EXPRESS]"
            )))
        }
    };
    let max = page(request, TOKEN_LENGTH)?.limit;
    let mut diagnostics = asl::parse_str(definition, kind).diagnostics;
    // Errors first, as AWS lists them.
    diagnostics.sort_by_key(|d| d.severity != asl::Severity::Error);
    let failed = diagnostics.iter().any(|d| d.severity == asl::Severity::Error);
    let truncated = diagnostics.len() > max;
    let listed: Vec<Value> = diagnostics
        .iter()
        .take(max)
        .map(|d| {
            let severity = if d.severity == asl::Severity::Error { "ERROR" } else { "WARNING" };
            let mut item = json!({"severity": severity, "code": d.code, "message": d.message});
            if !d.location.is_empty() {
                item["location"] = json!(d.location);
            }
            item
        })
        .collect();
    Ok(json!({"result": if failed { "FAIL" } else { "OK" }, "diagnostics": listed, "truncated": truncated}))
}

async fn machine<S: Store>(api: &Api<S>, arn: &str) -> Result<store::StateMachine, ApiError> {
    check_arn(arn, "stateMachine")?;
    api.runtime.store().state_machine(arn).await?.ok_or_else(|| ApiError::state_machine_does_not_exist(arn))
}

pub async fn describe_state_machine<S: Store>(api: &Api<S>, request: &Request) -> Reply {
    let arn = required_string(request, "stateMachineArn")?;
    let m = machine(api, arn).await?;
    let mut reply = json!({
        "stateMachineArn": m.arn,
        "name": m.name,
        "status": "ACTIVE",
        "definition": m.definition,
        "roleArn": m.role_arn,
        "type": m.kind.name(),
        "creationDate": timestamp(m.created),
        "loggingConfiguration": {"level": "OFF", "includeExecutionData": false},
        // As recorded against AWS: no revisionId before an update, no tracingConfiguration.
        "encryptionConfiguration": {"type": "AWS_OWNED_KEY"},
    });
    if !m.description.is_empty() {
        reply["description"] = json!(m.description);
    }
    Ok(reply)
}

pub async fn list_state_machines<S: Store>(api: &Api<S>, request: &Request) -> Reply {
    let page = api.runtime.store().list_state_machines(page(request, TOKEN_LENGTH)?).await?;
    let machines: Vec<Value> = page
        .items
        .iter()
        .map(|m| {
            json!({"stateMachineArn": m.arn, "name": m.name, "type": m.kind.name(), "creationDate": timestamp(m.created)})
        })
        .collect();
    let mut reply = json!({"stateMachines": machines});
    if let Some(next) = page.next {
        reply["nextToken"] = json!(next);
    }
    Ok(reply)
}

pub async fn delete_state_machine<S: Store>(api: &Api<S>, request: &Request) -> Reply {
    let arn = required_string(request, "stateMachineArn")?;
    check_arn(arn, "stateMachine")?;
    // AWS answers success for a state machine that does not exist.
    api.runtime.store().delete_state_machine(arn).await?;
    Ok(json!({}))
}

pub async fn start_execution<S: Store>(api: &Api<S>, request: &Request) -> Reply {
    let machine_arn = required_string(request, "stateMachineArn")?;
    check_arn(machine_arn, "stateMachine")?;
    let name = match optional_string(request, "name")? {
        Some(name) => name.to_string(),
        None => uuid::Uuid::new_v4().to_string(),
    };
    if !valid_name(&name) {
        return Err(ApiError::new("InvalidName", format!("Invalid Name: '{name}'")));
    }
    let input = optional_string(request, "input")?.unwrap_or("{}").to_string();
    if let Err(e) = serde_json::from_str::<Value>(&input) {
        let message = format!("Invalid State Machine Execution Input: '{}'", input_error(&input, &e));
        return Err(ApiError::new("InvalidExecutionInput", message));
    }
    let start = StartRequest { state_machine_arn: machine_arn.to_string(), name, input };
    let arn = match api.runtime.start(start).await {
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
fn input_error(input: &str, error: &serde_json::Error) -> String {
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

/// A JSON text as the value AWS JSON carries: the text itself (a string member).
fn text(value: &str) -> Value {
    Value::String(value.to_string())
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
        "redriveCount": 0,
        "redriveStatus": "NOT_REDRIVABLE",
    });
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
    let reason = match e.status {
        ExecutionStatus::Running => "Execution is RUNNING and cannot be redriven".to_string(),
        other => format!("Execution is {} and cannot be redriven", status_name(other)),
    };
    reply["redriveStatusReason"] = json!(reason);
    Ok(reply)
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
    Ok(json!({
        "stateMachineArn": e.state_machine_arn,
        "name": name,
        "definition": e.definition,
        "roleArn": e.role_arn,
        "updateDate": timestamp(updated),
        "loggingConfiguration": {"level": "OFF", "includeExecutionData": false},
        "encryptionConfiguration": {"type": "AWS_OWNED_KEY"},
    }))
}

pub async fn list_executions<S: Store>(api: &Api<S>, request: &Request) -> Reply {
    let machine_arn = required_string(request, "stateMachineArn")?;
    if machine(api, machine_arn).await?.kind == Kind::Express {
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
        state_machine_arn: Some(machine_arn.to_string()),
        status,
        page: page(request, EXECUTIONS_TOKEN_LENGTH)?,
    };
    let page = api.runtime.store().list_executions(query).await?;
    let executions: Vec<Value> = page
        .items
        .iter()
        .map(|e| {
            let mut item = json!({
                "executionArn": e.arn,
                "stateMachineArn": e.state_machine_arn,
                "name": e.name,
                "status": status_name(e.status),
                "startDate": timestamp(e.started),
                "redriveCount": 0,
            });
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
