//! The Map Run operations. Distributed Map does not run yet, so no Map Run exists: these
//! check their input as AWS does and answer as AWS does for unknown Map Runs.

use crate::request::*;
use crate::{Api, ApiError};
use serde_json::json;
use store::Store;

/// The `mapRunArn` of a request, checked (`LongArn`: up to 2000 characters).
fn map_run_arn(request: &Request, violations: &mut Violations) -> Result<Option<String>, ApiError> {
    let arn = optional_string(request, "mapRunArn")?;
    match arn {
        None => violations.null("mapRunArn"),
        Some(arn) => violations.length(arn, "mapRunArn", 1, 2000),
    }
    Ok(arn.map(str::to_string))
}

fn not_found(arn: &str) -> ApiError {
    ApiError::new("ResourceNotFound", format!("Resource not found: '{arn}'"))
}

pub async fn describe_map_run<S: Store>(_api: &Api<S>, request: &Request) -> Reply {
    let mut violations = Violations::default();
    let arn = map_run_arn(request, &mut violations)?;
    violations.finish()?;
    let arn = arn.unwrap_or_default();
    check_arn(&arn, "mapRun")?;
    Err(not_found(&arn))
}

pub async fn list_map_runs<S: Store>(api: &Api<S>, request: &Request) -> Reply {
    let arn = required_string(request, "executionArn")?;
    let mut violations = Violations::default();
    violations.length(arn, "executionArn", 1, 256);
    violations.finish()?;
    page(request, TOKEN_LENGTH)?;
    check_arn(arn, "execution")?;
    if api.runtime.store().execution(arn).await?.is_none() {
        return Err(ApiError::execution_does_not_exist(arn));
    }
    Ok(json!({"mapRuns": []}))
}

pub async fn update_map_run<S: Store>(_api: &Api<S>, request: &Request) -> Reply {
    let mut violations = Violations::default();
    let arn = map_run_arn(request, &mut violations)?;
    if let Some(max) = optional_int(request, "maxConcurrency")? {
        violations.range(max, "maxConcurrency", 0, i64::MAX);
    }
    if let Some(count) = optional_int(request, "toleratedFailureCount")? {
        violations.range(count, "toleratedFailureCount", 0, i64::MAX);
    }
    match request.get("toleratedFailurePercentage") {
        None | Some(serde_json::Value::Null) => {}
        Some(serde_json::Value::Number(n)) => {
            let value = n.as_f64().unwrap_or(0.0);
            if value > 100.0 {
                violations.add(value, "toleratedFailurePercentage", "Member must have value less than or equal to 100");
            } else if value < 0.0 {
                violations.add(
                    value,
                    "toleratedFailurePercentage",
                    "Member must have value greater than or equal to 0",
                );
            }
        }
        Some(_) => {
            return Err(ApiError::new("SerializationException", "Expected a number for 'toleratedFailurePercentage'"))
        }
    }
    violations.finish()?;
    let arn = arn.unwrap_or_default();
    check_arn(&arn, "mapRun")?;
    let given = ["maxConcurrency", "toleratedFailurePercentage", "toleratedFailureCount"];
    if !given.iter().any(|f| request.get(*f).is_some_and(|v| !v.is_null())) {
        return Err(ApiError::validation(
            "At least one of the parameters maxConcurrency, toleratedFailurePercentage, or toleratedFailureCount must be specified",
        ));
    }
    Err(not_found(&arn))
}
