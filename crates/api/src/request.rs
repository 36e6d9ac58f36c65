//! Reading request objects: fields, pages, names and ARNs, with AWS's validation errors.

use crate::ApiError;
use serde_json::{json, Map, Value};
use store::{ExecutionStatus, PageRequest};

/// A request body: a JSON object.
pub type Request = Map<String, Value>;
/// What an operation answers.
pub type Reply = Result<Value, ApiError>;

/// Epoch milliseconds as AWS JSON's timestamp: epoch seconds, fractional.
pub fn timestamp(millis: i64) -> Value {
    json!(millis as f64 / 1000.0)
}

pub fn now_millis() -> i64 {
    use std::time::{SystemTime, UNIX_EPOCH};
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

pub fn null_error(field: &str) -> ApiError {
    ApiError::validation(format!(
        "1 validation error detected: Value null at '{field}' failed to satisfy constraint: Member must not be null"
    ))
}

pub fn optional_string<'a>(request: &'a Request, field: &str) -> Result<Option<&'a str>, ApiError> {
    match request.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(ApiError::new("SerializationException", format!("Expected a string for '{field}'"))),
    }
}

pub fn required_string<'a>(request: &'a Request, field: &str) -> Result<&'a str, ApiError> {
    optional_string(request, field)?.ok_or_else(|| null_error(field))
}

pub fn optional_bool(request: &Request, field: &str) -> Result<Option<bool>, ApiError> {
    match request.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(ApiError::new("SerializationException", format!("Expected a boolean for '{field}'"))),
    }
}

/// AWS's longest `nextToken` (`PageToken`); `ListExecutions` takes longer ones.
pub const TOKEN_LENGTH: usize = 1024;
pub const EXECUTIONS_TOKEN_LENGTH: usize = 3096;

/// `maxResults` and `nextToken` as a page request (AWS: 0 or absent means the default, 100).
pub fn page(request: &Request, token_length: usize) -> Result<PageRequest, ApiError> {
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
pub fn valid_name(name: &str) -> bool {
    let forbidden = "<>{}[]?*\"#%\\^|~`$&,;:/";
    let length = name.chars().count();
    (1..=80).contains(&length) && !name.chars().any(|c| c.is_whitespace() || c.is_control() || forbidden.contains(c))
}

/// An ARN of this service with the given resource type, else `InvalidArn`.
pub fn check_arn(arn: &str, resource: &str) -> Result<(), ApiError> {
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

pub fn status_name(status: ExecutionStatus) -> &'static str {
    match status {
        ExecutionStatus::Running => "RUNNING",
        ExecutionStatus::Succeeded => "SUCCEEDED",
        ExecutionStatus::Failed => "FAILED",
        ExecutionStatus::TimedOut => "TIMED_OUT",
        ExecutionStatus::Aborted => "ABORTED",
    }
}

pub fn parse_status(name: &str) -> Option<ExecutionStatus> {
    ExecutionStatus::ALL.into_iter().find(|s| status_name(*s) == name)
}

/// A JSON text as the value AWS JSON carries: the text itself (a string member).
pub fn text(value: &str) -> Value {
    Value::String(value.to_string())
}
