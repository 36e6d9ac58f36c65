//! AWS's error responses: a code (`__type`), a message and an HTTP status.

use axum::http::StatusCode;

/// One error answer of the API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

impl ApiError {
    /// A client error (HTTP 400).
    pub fn new(code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError { status: StatusCode::BAD_REQUEST, code, message: message.into() }
    }

    pub fn internal(message: impl Into<String>) -> ApiError {
        ApiError { status: StatusCode::INTERNAL_SERVER_ERROR, code: "InternalFailure", message: message.into() }
    }

    pub fn validation(message: impl Into<String>) -> ApiError {
        ApiError::new("ValidationException", message)
    }

    pub fn state_machine_does_not_exist(arn: &str) -> ApiError {
        ApiError::new("StateMachineDoesNotExist", format!("State Machine Does Not Exist: '{arn}'"))
    }

    pub fn execution_does_not_exist(arn: &str) -> ApiError {
        ApiError::new("ExecutionDoesNotExist", format!("Execution Does Not Exist: '{arn}'"))
    }
}

impl From<store::Error> for ApiError {
    fn from(error: store::Error) -> ApiError {
        match error {
            store::Error::InvalidCursor(token) => ApiError::new("InvalidToken", format!("Invalid Token: '{token}'")),
            other => ApiError::internal(other.to_string()),
        }
    }
}
