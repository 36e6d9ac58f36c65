//! State machine versions: publish, list, delete (describe is `DescribeStateMachine` on a
//! version ARN).

use super::machines::machine;
use crate::request::*;
use crate::{Api, ApiError};
use serde_json::{json, Value};
use store::{StateMachine, Store, Version};

/// Publishes the machine as it is now (idempotent on its revision).
pub(crate) async fn publish<S: Store>(api: &Api<S>, m: &StateMachine, description: &str) -> Result<Version, ApiError> {
    let version = Version {
        arn: String::new(),
        state_machine_arn: m.arn.clone(),
        number: 0,
        definition: m.definition.clone(),
        role_arn: m.role_arn.clone(),
        revision_id: m.revision_id.clone(),
        description: description.to_string(),
        configuration: m.configuration.clone(),
        created: now_millis(),
    };
    match api.runtime.store().publish_version(version).await {
        Ok(created) => Ok(created.value),
        Err(store::Error::NotFound { .. }) => Err(ApiError::state_machine_does_not_exist(&m.arn)),
        Err(e) => Err(e.into()),
    }
}

pub async fn publish_state_machine_version<S: Store>(api: &Api<S>, request: &Request) -> Reply {
    let mut violations = Violations::default();
    let arn = required_string(request, "stateMachineArn")?;
    violations.length(arn, "stateMachineArn", 1, 256);
    let description = string_within(request, "description", 0, 256, &mut violations)?;
    violations.finish()?;
    let m = machine(api, arn).await?;
    if let Some(revision) = optional_string(request, "revisionId")? {
        // The machine before its first update has no revision id; AWS then names the
        // current revision by the latest one it handed out, which is none.
        if revision != m.revision_id {
            return Err(ApiError::new(
                "ConflictException",
                format!(
                    "Failed to publish the State Machine version for revision {revision}. The current State Machine revision is {}.",
                    m.revision_id
                ),
            ));
        }
    }
    let version = publish(api, &m, description.unwrap_or("")).await?;
    Ok(json!({"stateMachineVersionArn": version.arn, "creationDate": timestamp(version.created)}))
}

pub async fn list_state_machine_versions<S: Store>(api: &Api<S>, request: &Request) -> Reply {
    let arn = required_within(request, "stateMachineArn", 1, 256)?;
    let page_request = page(request, TOKEN_LENGTH)?;
    check_arn(arn, "stateMachine")?;
    let page = api.runtime.store().list_versions(arn, page_request).await?;
    let versions: Vec<Value> = page
        .items
        .iter()
        .map(|v| json!({"stateMachineVersionArn": v.arn, "creationDate": timestamp(v.created)}))
        .collect();
    let mut reply = json!({"stateMachineVersions": versions});
    if let Some(next) = page.next {
        reply["nextToken"] = json!(next);
    }
    Ok(reply)
}

pub async fn delete_state_machine_version<S: Store>(api: &Api<S>, request: &Request) -> Reply {
    let arn = required_string(request, "stateMachineVersionArn")?;
    let mut violations = Violations::default();
    violations.length(arn, "stateMachineVersionArn", 1, 2000);
    violations.finish()?;
    if !matches!(MachineArn::parse(arn)?, MachineArn::Version { .. }) {
        return Err(ApiError::validation(format!("Invalid State Machine Version Arn: '{arn}'")));
    }
    match api.runtime.store().delete_version(arn).await {
        // AWS answers success for a version that does not exist.
        Ok(_) => Ok(json!({})),
        Err(store::Error::InUse { by, .. }) => Err(ApiError::new(
            "ConflictException",
            format!(
                "Version to be deleted must not be referenced by an alias. Current list of aliases referencing this version: [{}]",
                by.join(", ")
            ),
        )),
        Err(e) => Err(e.into()),
    }
}

/// What a start through a version or alias ARN runs: that version's definition (for an
/// alias, a version picked by weight). `None` for the machine's own ARN.
pub(crate) async fn start_through<S: Store>(
    api: &Api<S>,
    target: &MachineArn,
    arn: &str,
) -> Result<Option<runtime::Through>, ApiError> {
    let store = api.runtime.store();
    let (version_arn, alias_arn) = match target {
        MachineArn::Machine(_) => return Ok(None),
        MachineArn::Version { .. } => (arn.to_string(), None),
        MachineArn::Alias { .. } => {
            let alias = store.alias(arn).await?.ok_or_else(|| ApiError::state_machine_does_not_exist(arn))?;
            let roll = (uuid::Uuid::new_v4().as_u128() % 100) as u32;
            let picked = super::aliases::pick_version(&alias, roll)
                .ok_or_else(|| ApiError::state_machine_does_not_exist(arn))?
                .to_string();
            (picked, Some(arn.to_string()))
        }
    };
    let version =
        store.version(&version_arn).await?.ok_or_else(|| ApiError::state_machine_does_not_exist(&version_arn))?;
    let started_through = match alias_arn {
        Some(alias) => format!("{} {alias}", version.arn),
        None => version.arn.clone(),
    };
    Ok(Some(runtime::Through { definition: version.definition, role_arn: version.role_arn, started_through }))
}

/// `StateMachineDoesNotExist` unless the version or alias a qualified ARN names exists.
pub(crate) async fn check_qualified<S: Store>(api: &Api<S>, target: &MachineArn, arn: &str) -> Result<(), ApiError> {
    let store = api.runtime.store();
    let exists = match target {
        MachineArn::Machine(_) => true,
        MachineArn::Version { .. } => store.version(arn).await?.is_some(),
        MachineArn::Alias { .. } => store.alias(arn).await?.is_some(),
    };
    match exists {
        true => Ok(()),
        false => Err(ApiError::state_machine_does_not_exist(arn)),
    }
}
