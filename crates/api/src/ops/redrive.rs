//! `RedriveExecution`, and the redrive fields of `DescribeExecution` and `ListExecutions`.

use crate::request::*;
use crate::{Api, ApiError};
use serde_json::{json, Value};
use store::{ExecutionStatus, Store};

pub async fn redrive_execution<S: Store>(api: &Api<S>, request: &Request) -> Reply {
    let arn = required_string(request, "executionArn")?;
    let token = optional_string(request, "clientToken")?;
    let mut violations = Violations::default();
    violations.length(arn, "executionArn", 1, 256);
    if let Some(token) = token {
        violations.length(token, "clientToken", 1, 64);
        if !token.is_empty() && !token.chars().all(|c| ('!'..='~').contains(&c)) {
            violations.add(token, "clientToken", "Member must satisfy regular expression pattern: [!-~]+");
        }
    }
    violations.finish()?;
    check_arn(arn, "execution")?;
    match api.runtime.redrive(arn, token).await {
        Ok(date) => Ok(json!({"redriveDate": timestamp(date)})),
        Err(runtime::Error::NoExecution(_)) => Err(ApiError::execution_does_not_exist(arn)),
        Err(runtime::Error::NotRedrivable(reason)) => Err(ApiError::new("ExecutionNotRedrivable", reason)),
        Err(e) => Err(ApiError::internal(e.to_string())),
    }
}

/// `redriveCount`, `redriveDate`, `redriveStatus` and (when not redrivable)
/// `redriveStatusReason` of a described execution.
pub(super) async fn add_redrive_status<S: Store>(
    api: &Api<S>,
    reply: &mut Value,
    execution: &store::Execution,
) -> Result<(), ApiError> {
    add_redrive_count(reply, execution);
    let closed_unsuccessfully =
        matches!(execution.status, ExecutionStatus::Failed | ExecutionStatus::TimedOut | ExecutionStatus::Aborted);
    let machine_exists =
        !closed_unsuccessfully || api.runtime.store().state_machine(&execution.state_machine_arn).await?.is_some();
    match runtime::not_redrivable(execution, machine_exists, now_millis()) {
        None => reply["redriveStatus"] = json!("REDRIVABLE"),
        Some(reason) => {
            reply["redriveStatus"] = json!("NOT_REDRIVABLE");
            reply["redriveStatusReason"] = json!(reason);
        }
    }
    Ok(())
}

/// `redriveCount`, and `redriveDate` once redriven.
pub(super) fn add_redrive_count(reply: &mut Value, execution: &store::Execution) {
    reply["redriveCount"] = json!(execution.redrive_count);
    if let Some(date) = execution.redrive_date {
        reply["redriveDate"] = timestamp(date);
    }
}

/// `ListExecutions`'s `redriveFilter`: whether to list only redriven executions (`REDRIVEN`)
/// or only the others (`NOT_REDRIVEN`).
pub(super) fn redrive_filter(request: &Request) -> Result<Option<bool>, ApiError> {
    let Some(filter) = optional_string(request, "redriveFilter")? else { return Ok(None) };
    let mut violations = Violations::default();
    violations.one_of(filter, "redriveFilter", &["REDRIVEN", "NOT_REDRIVEN"]);
    violations.finish()?;
    Ok(Some(filter == "REDRIVEN"))
}
