//! The task and activity worker operations: `SendTaskSuccess`, `SendTaskFailure`,
//! `SendTaskHeartbeat` and `GetActivityTask` (a long poll of up to 60 seconds).

use crate::request::*;
use crate::{Api, ApiError};
use serde_json::{json, Value};
use std::time::Duration;
use store::Store;

/// How long `GetActivityTask` holds a poll when no task comes (AWS: 60 seconds).
pub const ACTIVITY_POLL: Duration = Duration::from_secs(60);

/// AWS's limits: `TaskToken` 1..2048, `SensitiveError` 256, `SensitiveCause` 32768,
/// `SensitiveData` 262144 (bytes), `Name` 1..80.
const TOKEN_MAX: usize = 2048;
const ERROR_MAX: usize = 256;
const CAUSE_MAX: usize = 32_768;
const OUTPUT_MAX: usize = 262_144;
const NAME_MAX: usize = 80;

/// A string member no longer than `max` (and, with `min`, at least that long), else AWS's
/// `ValidationException`.
pub(crate) fn check_length(field: &str, value: &str, min: usize, max: usize) -> Result<(), ApiError> {
    let length = value.chars().count();
    let constraint = if length > max {
        format!("Member must have length less than or equal to {max}")
    } else if length < min {
        format!("Member must have length greater than or equal to {min}")
    } else {
        return Ok(());
    };
    Err(ApiError::validation(format!(
        "1 validation error detected: Value '{value}' at '{field}' failed to satisfy constraint: {constraint}"
    )))
}

/// The optional `error` and `cause` members, checked against AWS's lengths.
pub(crate) fn error_and_cause(request: &Request) -> Result<(Option<String>, Option<String>), ApiError> {
    let error = optional_string(request, "error")?;
    let cause = optional_string(request, "cause")?;
    if let Some(error) = error {
        check_length("error", error, 0, ERROR_MAX)?;
    }
    if let Some(cause) = cause {
        check_length("cause", cause, 0, CAUSE_MAX)?;
    }
    Ok((error.map(str::to_string), cause.map(str::to_string)))
}

fn task_token(request: &Request) -> Result<&str, ApiError> {
    let token = required_string(request, "taskToken")?;
    check_length("taskToken", token, 1, TOKEN_MAX)?;
    Ok(token)
}

/// The runtime's answer about a task, in AWS's errors.
fn task_error(error: runtime::Error, token: &str) -> ApiError {
    match error {
        runtime::Error::InvalidToken => ApiError::new("InvalidToken", format!("Invalid Token: '{token}'")),
        runtime::Error::NoTask => ApiError::new("TaskDoesNotExist", format!("Task Does Not Exist: '{token}'")),
        runtime::Error::TaskClosed => ApiError::new("TaskTimedOut", format!("Task Timed Out: '{token}'")),
        runtime::Error::Output(message) => ApiError::new("InvalidOutput", format!("Invalid Output: '{message}'")),
        other => ApiError::internal(other.to_string()),
    }
}

pub async fn send_task_success<S: Store>(api: &Api<S>, request: &Request) -> Reply {
    let token = task_token(request)?;
    let output = required_string(request, "output")?;
    if output.len() > OUTPUT_MAX {
        return Err(ApiError::validation(format!(
            "1 validation error detected: Value at 'output' failed to satisfy constraint: Member must have length less than or equal to {OUTPUT_MAX}"
        )));
    }
    api.runtime.send_task_success(token, output).await.map_err(|e| task_error(e, token))?;
    Ok(json!({}))
}

pub async fn send_task_failure<S: Store>(api: &Api<S>, request: &Request) -> Reply {
    let token = task_token(request)?;
    let (error, cause) = error_and_cause(request)?;
    let (error, cause) = (error.unwrap_or_default(), cause.unwrap_or_default());
    api.runtime.send_task_failure(token, &error, &cause).await.map_err(|e| task_error(e, token))?;
    Ok(json!({}))
}

pub async fn send_task_heartbeat<S: Store>(api: &Api<S>, request: &Request) -> Reply {
    let token = task_token(request)?;
    api.runtime.send_task_heartbeat(token).await.map_err(|e| task_error(e, token))?;
    Ok(json!({}))
}

pub async fn get_activity_task<S: Store>(api: &Api<S>, request: &Request) -> Reply {
    let arn = required_string(request, "activityArn")?;
    check_arn(arn, "activity")?;
    let worker = optional_string(request, "workerName")?.unwrap_or("");
    if !worker.is_empty() {
        check_length("workerName", worker, 1, NAME_MAX)?;
    }
    match api.runtime.get_activity_task(arn, worker, ACTIVITY_POLL).await {
        Ok(Some(task)) => Ok(json!({"taskToken": task.token, "input": Value::String(task.input)})),
        Ok(None) => Ok(json!({})),
        Err(runtime::Error::NoActivity(arn)) => {
            Err(ApiError::new("ActivityDoesNotExist", format!("Activity Does Not Exist: '{arn}'")))
        }
        Err(e) => Err(ApiError::internal(e.to_string())),
    }
}
