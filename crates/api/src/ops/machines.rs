//! The state machine operations: create, describe, update, list, delete, validate.

use super::versions::publish;
use crate::request::*;
use crate::{Api, ApiError};
use serde_json::{json, Map, Value};
use store::{Kind, Store};

/// The longest definition AWS takes (`Definition`: 1 MiB of characters).
const DEFINITION_LENGTH: usize = 1_048_576;

/// Parses and validates a definition: `InvalidDefinition` with every error, as AWS.
fn validate_definition(definition: &str, kind: Kind) -> Result<(), ApiError> {
    let machine_type = match kind {
        Kind::Standard => asl::MachineType::Standard,
        Kind::Express => asl::MachineType::Express,
    };
    let parsed = asl::parse_str(definition, machine_type);
    let errors: Vec<asl::Diagnostic> =
        parsed.diagnostics.into_iter().filter(|d| d.severity == asl::Severity::Error).collect();
    if !errors.is_empty() || parsed.machine.is_none() {
        return Err(ApiError::new("InvalidDefinition", asl::invalid_definition_message_for(definition, &errors)));
    }
    Ok(())
}

/// A role ARN is an IAM one (`arn:aws:iam::account:role/name`): only its prefix is checked.
fn check_role(role_arn: &str) -> Result<(), ApiError> {
    match role_arn.starts_with("arn:") {
        true => Ok(()),
        false => Err(ApiError::new("InvalidArn", format!("Invalid Arn: 'Invalid ARN prefix: {role_arn}'"))),
    }
}

/// `loggingConfiguration` and `tracingConfiguration` of a request, checked, as the stored
/// configuration text (`""` for none). `current` is the stored text they change.
fn configuration(request: &Request, current: &str, violations: &mut Violations) -> Result<String, ApiError> {
    let mut parts: Map<String, Value> = match serde_json::from_str(current) {
        Ok(Value::Object(map)) => map,
        _ => Map::new(),
    };
    if let Some(logging) = request.get("loggingConfiguration").filter(|v| !v.is_null()) {
        let Value::Object(logging) = logging else {
            return Err(ApiError::new("SerializationException", "Expected an object for 'loggingConfiguration'"));
        };
        let level = optional_string(logging, "level")?.unwrap_or("OFF");
        violations.one_of(level, "loggingConfiguration.level", &["ALL", "ERROR", "FATAL", "OFF"]);
        let include = optional_bool(logging, "includeExecutionData")?.unwrap_or(false);
        let mut stored = json!({"level": level, "includeExecutionData": include});
        let destinations = optional_list(logging, "destinations")?.map_or(0, Vec::len);
        // Logging needs one place to log to (as AWS words it, in CloudFormation's reports).
        let valid_level = ["ALL", "ERROR", "FATAL"].contains(&level);
        if (valid_level && destinations != 1) || destinations > 1 {
            return Err(ApiError::new(
                "InvalidLoggingConfiguration",
                "Invalid Logging Configuration: Must specify exactly one Log Destination.",
            ));
        }
        if let Some(destinations) = optional_list(logging, "destinations")?.filter(|d| !d.is_empty()) {
            stored["destinations"] = Value::Array(destinations.clone());
        }
        parts.insert("loggingConfiguration".into(), stored);
    }
    if let Some(tracing) = request.get("tracingConfiguration").filter(|v| !v.is_null()) {
        let Value::Object(tracing) = tracing else {
            return Err(ApiError::new("SerializationException", "Expected an object for 'tracingConfiguration'"));
        };
        let enabled = optional_bool(tracing, "enabled")?.unwrap_or(false);
        parts.insert("tracingConfiguration".into(), json!({"enabled": enabled}));
    }
    Ok(if parts.is_empty() { String::new() } else { Value::Object(parts).to_string() })
}

pub async fn create_state_machine<S: Store>(api: &Api<S>, request: &Request) -> Reply {
    let mut violations = Violations::default();
    let name = optional_string(request, "name")?;
    let definition = optional_string(request, "definition")?;
    let role_arn = optional_string(request, "roleArn")?;
    for (field, value, max) in
        [("name", name, 80), ("definition", definition, DEFINITION_LENGTH), ("roleArn", role_arn, 256)]
    {
        match value {
            None => violations.null(field),
            Some(value) => violations.length(value, field, 1, max),
        }
    }
    let kind_text = optional_string(request, "type")?;
    if let Some(text) = kind_text {
        violations.one_of(text, "type", &["STANDARD", "EXPRESS"]);
    }
    let version_description = string_within(request, "versionDescription", 0, 256, &mut violations)?;
    let tags = tags(request, &mut violations)?;
    let configuration = configuration(request, "", &mut violations)?;
    violations.finish()?;
    let (Some(name), Some(definition), Some(role_arn)) = (name, definition, role_arn) else {
        return Err(ApiError::internal("checked above"));
    };
    let kind = kind_text.and_then(Kind::parse).unwrap_or(Kind::Standard);
    if !valid_name(name) {
        return Err(ApiError::new("InvalidName", format!("Invalid Name: '{name}'")));
    }
    let publish_now = optional_bool(request, "publish")?.unwrap_or(false);
    if version_description.is_some() && !publish_now {
        return Err(ApiError::validation("Version description can only be set when publish is true"));
    }
    check_role(role_arn)?;
    validate_definition(definition, kind)?;
    let mut merged = Vec::new();
    merge_tags(&mut merged, tags);
    if merged.len() > MAX_TAGS {
        return Err(too_many_tags(name));
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
        // AWS shows no revision until the first update.
        revision_id: String::new(),
        description: optional_string(request, "description")?.unwrap_or("").to_string(),
        configuration,
        tags: merged,
    };
    let created = match api.runtime.store().create_state_machine(machine).await {
        Ok(created) => created,
        Err(store::Error::AlreadyExists { .. }) => {
            return Err(ApiError::new("StateMachineAlreadyExists", format!("State Machine Already Exists: '{arn}'")))
        }
        Err(e) => return Err(e.into()),
    };
    let machine = created.value;
    let mut reply = json!({"stateMachineArn": machine.arn, "creationDate": timestamp(machine.created)});
    if publish_now {
        let version = publish(api, &machine, version_description.unwrap_or("")).await?;
        reply["stateMachineVersionArn"] = json!(version.arn);
    }
    Ok(reply)
}

/// `TooManyTags` as AWS words it.
pub(crate) fn too_many_tags(resource: &str) -> ApiError {
    ApiError::new("TooManyTags", format!("Too many tags are associated with resource '{resource}'."))
}

pub async fn update_state_machine<S: Store>(api: &Api<S>, request: &Request) -> Reply {
    let mut violations = Violations::default();
    let arn = required_string(request, "stateMachineArn")?;
    violations.length(arn, "stateMachineArn", 1, 256);
    let definition = string_within(request, "definition", 1, DEFINITION_LENGTH, &mut violations)?;
    let role_arn = string_within(request, "roleArn", 1, 256, &mut violations)?;
    let version_description = string_within(request, "versionDescription", 0, 256, &mut violations)?;
    violations.finish()?;
    let publish_now = optional_bool(request, "publish")?.unwrap_or(false);
    let has = |field: &str| request.get(field).is_some_and(|v| !v.is_null());
    if !["definition", "roleArn", "loggingConfiguration", "tracingConfiguration"].iter().any(|f| has(f)) {
        return Err(ApiError::new(
            "MissingRequiredParameter",
            "Either the definition, the role ARN, the LoggingConfiguration, or the TracingConfiguration must be specified",
        ));
    }
    if version_description.is_some() && !publish_now {
        return Err(ApiError::validation("Version description can only be set when publish is true"));
    }
    let current = machine(api, arn).await?;
    let mut violations = Violations::default();
    let configuration = configuration(request, &current.configuration, &mut violations)?;
    violations.finish()?;
    if let Some(role_arn) = role_arn {
        check_role(role_arn)?;
    }
    if let Some(definition) = definition {
        validate_definition(definition, current.kind)?;
    }
    let mut updated = current.clone();
    if let Some(definition) = definition {
        updated.definition = definition.to_string();
    }
    if let Some(role_arn) = role_arn {
        updated.role_arn = role_arn.to_string();
    }
    updated.configuration = configuration;
    let changed = updated.definition != current.definition
        || updated.role_arn != current.role_arn
        || updated.configuration != current.configuration;
    if changed {
        updated.revision_id = uuid::Uuid::new_v4().to_string();
        if !api.runtime.store().update_state_machine(updated.clone()).await? {
            return Err(ApiError::state_machine_does_not_exist(arn));
        }
    }
    let mut reply = json!({"updateDate": timestamp(now_millis())});
    if !updated.revision_id.is_empty() {
        reply["revisionId"] = json!(updated.revision_id);
    }
    if publish_now {
        let version = publish(api, &updated, version_description.unwrap_or("")).await?;
        reply["stateMachineVersionArn"] = json!(version.arn);
    }
    Ok(reply)
}

pub async fn validate_state_machine_definition<S: Store>(_api: &Api<S>, request: &Request) -> Reply {
    let definition = required_string(request, "definition")?;
    let mut violations = Violations::default();
    violations.length(definition, "definition", 1, DEFINITION_LENGTH);
    let kind = optional_string(request, "type")?;
    if let Some(kind) = kind {
        violations.one_of(kind, "type", &["STANDARD", "EXPRESS"]);
    }
    if let Some(severity) = optional_string(request, "severity")? {
        violations.one_of(severity, "severity", &["ERROR", "WARNING"]);
    }
    violations.finish()?;
    let kind = match kind {
        Some("EXPRESS") => asl::MachineType::Express,
        _ => asl::MachineType::Standard,
    };
    let max = page(request, TOKEN_LENGTH)?.limit;
    let mut diagnostics = asl::parse_str(definition, kind).diagnostics;
    if optional_string(request, "severity")? == Some("ERROR") {
        diagnostics.retain(|d| d.severity == asl::Severity::Error);
    }
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

/// What `DescribeStateMachine` and `DescribeStateMachineForExecution` share: the
/// configuration, the revision and the variables each state reads.
pub(crate) fn describe_details(reply: &mut Value, definition: &str, configuration: &str, revision_id: &str) {
    reply["loggingConfiguration"] = configuration_part(configuration, "loggingConfiguration")
        .unwrap_or_else(|| json!({"level": "OFF", "includeExecutionData": false}));
    if let Some(tracing) = configuration_part(configuration, "tracingConfiguration") {
        reply["tracingConfiguration"] = tracing;
    }
    reply["encryptionConfiguration"] = json!({"type": "AWS_OWNED_KEY"});
    if !revision_id.is_empty() {
        reply["revisionId"] = json!(revision_id);
    }
    if let Ok(parsed) = serde_json::from_str::<Value>(definition) {
        let references = asl::variable_references(&parsed);
        if !references.is_empty() {
            reply["variableReferences"] = json!(references);
        }
    }
}

pub async fn describe_state_machine<S: Store>(api: &Api<S>, request: &Request) -> Reply {
    let arn = required_within(request, "stateMachineArn", 1, 256)?;
    let target = MachineArn::parse(arn)?;
    let store = api.runtime.store();
    let m = store.state_machine(target.machine()).await?.ok_or_else(|| ApiError::state_machine_does_not_exist(arn))?;
    let mut reply = json!({
        "stateMachineArn": m.arn,
        "name": m.name,
        "status": "ACTIVE",
        "definition": m.definition,
        "roleArn": m.role_arn,
        "type": m.kind.name(),
        "creationDate": timestamp(m.created),
    });
    match target {
        MachineArn::Machine(_) => {
            describe_details(&mut reply, &m.definition, &m.configuration, &m.revision_id);
            if !m.description.is_empty() {
                reply["description"] = json!(m.description);
            }
        }
        MachineArn::Version { .. } => {
            let v = store.version(arn).await?.ok_or_else(|| ApiError::state_machine_does_not_exist(arn))?;
            reply["stateMachineArn"] = json!(v.arn);
            reply["definition"] = json!(v.definition);
            reply["roleArn"] = json!(v.role_arn);
            reply["creationDate"] = timestamp(v.created);
            describe_details(&mut reply, &v.definition, &v.configuration, &v.revision_id);
            if !v.description.is_empty() {
                reply["description"] = json!(v.description);
            }
        }
        MachineArn::Alias { .. } => return Err(ApiError::state_machine_does_not_exist(arn)),
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
    let arn = required_within(request, "stateMachineArn", 1, 256)?;
    check_arn(arn, "stateMachine")?;
    // AWS answers success for a state machine that does not exist. Its versions and
    // aliases go with it.
    api.runtime.store().delete_state_machine(arn).await?;
    Ok(json!({}))
}
