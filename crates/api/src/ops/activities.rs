//! The activities' control plane: create, describe, delete, list. (Workers' calls,
//! `GetActivityTask` and `SendTask*`, live elsewhere.)

use super::machines::too_many_tags;
use crate::request::*;
use crate::{Api, ApiError};
use serde_json::{json, Value};
use store::{Activity, Store};

pub async fn create_activity<S: Store>(api: &Api<S>, request: &Request) -> Reply {
    let mut violations = Violations::default();
    let name = optional_string(request, "name")?;
    match name {
        None => violations.null("name"),
        Some(name) => violations.length(name, "name", 1, 80),
    }
    let tags = tags(request, &mut violations)?;
    violations.finish()?;
    let Some(name) = name else { return Err(ApiError::internal("checked above")) };
    if !valid_name(name) {
        return Err(ApiError::new("InvalidName", format!("Invalid Name: '{name}'")));
    }
    let mut merged = Vec::new();
    merge_tags(&mut merged, tags);
    if merged.len() > MAX_TAGS {
        return Err(too_many_tags(name));
    }
    let config = &api.config;
    let activity = Activity {
        arn: format!("arn:aws:states:{}:{}:activity:{name}", config.region, config.account),
        name: name.to_string(),
        created: now_millis(),
        tags: merged,
    };
    // Idempotent on the name: the stored activity comes back.
    let created = api.runtime.store().create_activity(activity).await?.value;
    Ok(json!({"activityArn": created.arn, "creationDate": timestamp(created.created)}))
}

/// The `activityArn` of a request, checked.
fn activity_arn(request: &Request) -> Result<&str, ApiError> {
    let arn = required_string(request, "activityArn")?;
    let mut violations = Violations::default();
    violations.length(arn, "activityArn", 1, 256);
    violations.finish()?;
    check_arn(arn, "activity")?;
    Ok(arn)
}

pub async fn describe_activity<S: Store>(api: &Api<S>, request: &Request) -> Reply {
    let arn = activity_arn(request)?;
    let activity = api
        .runtime
        .store()
        .activity(arn)
        .await?
        .ok_or_else(|| ApiError::new("ActivityDoesNotExist", format!("Activity Does Not Exist: '{arn}'")))?;
    Ok(json!({
        "activityArn": activity.arn,
        "name": activity.name,
        "creationDate": timestamp(activity.created),
        "encryptionConfiguration": {"type": "AWS_OWNED_KEY"},
    }))
}

pub async fn delete_activity<S: Store>(api: &Api<S>, request: &Request) -> Reply {
    let arn = activity_arn(request)?;
    // AWS answers success for an activity that does not exist.
    api.runtime.store().delete_activity(arn).await?;
    Ok(json!({}))
}

pub async fn list_activities<S: Store>(api: &Api<S>, request: &Request) -> Reply {
    let page = api.runtime.store().list_activities(page(request, TOKEN_LENGTH)?).await?;
    let activities: Vec<Value> = page
        .items
        .iter()
        .map(|a| json!({"activityArn": a.arn, "name": a.name, "creationDate": timestamp(a.created)}))
        .collect();
    let mut reply = json!({"activities": activities});
    if let Some(next) = page.next {
        reply["nextToken"] = json!(next);
    }
    Ok(reply)
}
