//! The state machine operations: create, describe, list, delete, validate.

use crate::request::*;
use crate::{Api, ApiError};
use serde_json::{json, Value};
use store::{Kind, Store};

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

pub(crate) async fn machine<S: Store>(api: &Api<S>, arn: &str) -> Result<store::StateMachine, ApiError> {
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

