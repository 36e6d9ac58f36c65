//! ASL error names: matching `ErrorEquals`, and the texts of interpreter-raised causes.

use expr::Failure;

pub(crate) const ALL: &str = "States.ALL";
pub(crate) const TASK_FAILED: &str = "States.TaskFailed";
pub(crate) const TIMEOUT: &str = "States.Timeout";
pub(crate) const HEARTBEAT_TIMEOUT: &str = "States.HeartbeatTimeout";
pub(crate) const RUNTIME: &str = "States.Runtime";
pub(crate) const DATA_LIMIT_EXCEEDED: &str = "States.DataLimitExceeded";
pub(crate) const NO_CHOICE_MATCHED: &str = "States.NoChoiceMatched";

/// Does a Retrier's or Catcher's `ErrorEquals` match this error?
///
/// `States.Runtime` is terminal: nothing catches or retries it, not even its own name (AWS
/// records `ErrorEquals: ["States.Runtime"]` failing the execution). `States.ALL` matches
/// every other error, `States.DataLimitExceeded` from a task result included (recorded);
/// `States.TaskFailed` matches everything but timeouts; `States.Timeout` also matches
/// `States.HeartbeatTimeout`.
pub(crate) fn matches(error_equals: &[String], error: &str) -> bool {
    if error == RUNTIME {
        return false;
    }
    let timeout = error == TIMEOUT || error == HEARTBEAT_TIMEOUT;
    error_equals
        .iter()
        .any(|name| name == error || name == ALL || (name == TIMEOUT && timeout) || (name == TASK_FAILED && !timeout))
}

/// Prefixes a cause the interpreter raised with the state it happened in, as AWS does.
pub(crate) fn in_state(failure: Failure, state: &str, entered_event: u64) -> Failure {
    Failure {
        error: failure.error,
        cause: format!(
            "An error occurred while executing the state '{state}' (entered at the event id #{entered_event}). {}",
            failure.cause
        ),
    }
}
