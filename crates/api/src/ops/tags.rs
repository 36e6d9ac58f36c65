//! Tags of state machines and activities: tag, untag, list.

use super::machines::too_many_tags;
use crate::request::*;
use crate::{Api, ApiError};
use serde_json::{json, Value};
use store::{Store, Tag};

fn resource_not_found(arn: &str) -> ApiError {
    ApiError::new("ResourceNotFound", format!("Resource not found: '{arn}'"))
}

/// The `resourceArn` of a request, checked.
fn resource_arn(request: &Request) -> Result<&str, ApiError> {
    let arn = required_string(request, "resourceArn")?;
    let mut violations = Violations::default();
    violations.length(arn, "resourceArn", 1, 256);
    violations.finish()?;
    if !arn.starts_with("arn:") {
        return Err(ApiError::new("InvalidArn", format!("Invalid Arn: 'Invalid ARN prefix: {arn}'")));
    }
    Ok(arn)
}

/// The tags of a taggable resource (a state machine, not a version or alias; an activity).
async fn current_tags<S: Store>(api: &Api<S>, arn: &str) -> Result<Vec<Tag>, ApiError> {
    let store = api.runtime.store();
    let found = match arn.split(':').nth(5) {
        Some("stateMachine") => store.state_machine(arn).await?.map(|m| m.tags),
        Some("activity") => store.activity(arn).await?.map(|a| a.tags),
        _ => None,
    };
    found.ok_or_else(|| resource_not_found(arn))
}

pub async fn tag_resource<S: Store>(api: &Api<S>, request: &Request) -> Reply {
    let arn = resource_arn(request)?;
    let mut violations = Violations::default();
    if optional_list(request, "tags")?.is_none() {
        violations.null("tags");
    }
    let tags = tags(request, &mut violations)?;
    violations.finish()?;
    let mut merged = current_tags(api, arn).await?;
    merge_tags(&mut merged, tags);
    if merged.len() > MAX_TAGS {
        return Err(too_many_tags(arn));
    }
    if !api.runtime.store().set_tags(arn, merged).await? {
        return Err(resource_not_found(arn));
    }
    Ok(json!({}))
}

pub async fn untag_resource<S: Store>(api: &Api<S>, request: &Request) -> Reply {
    let arn = resource_arn(request)?;
    let mut violations = Violations::default();
    let keys = optional_list(request, "tagKeys")?;
    if keys.is_none() {
        violations.null("tagKeys");
    }
    let mut remove = Vec::new();
    for (index, key) in keys.into_iter().flatten().enumerate() {
        let Value::String(key) = key else {
            return Err(ApiError::new("SerializationException", "Expected a string in 'tagKeys'"));
        };
        violations.length(key, &format!("tagKeys.{}.member", index + 1), 1, 128);
        remove.push(key.as_str());
    }
    violations.finish()?;
    let mut tags = current_tags(api, arn).await?;
    tags.retain(|(key, _)| !remove.contains(&key.as_str()));
    if !api.runtime.store().set_tags(arn, tags).await? {
        return Err(resource_not_found(arn));
    }
    Ok(json!({}))
}

pub async fn list_tags_for_resource<S: Store>(api: &Api<S>, request: &Request) -> Reply {
    let arn = resource_arn(request)?;
    let tags = current_tags(api, arn).await?;
    Ok(json!({"tags": tags_json(&tags)}))
}
