//! History events, as AWS's `GetExecutionHistory` reports them (types, ids, details).

use serde_json::Value;

/// One event of an execution's history.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryEvent {
    /// 1-based.
    pub id: u64,
    /// 0 when there is none.
    pub previous_event_id: u64,
    /// Epoch milliseconds.
    pub timestamp: i64,
    pub details: Details,
}

/// The state type part of a `...StateEntered` / `...StateExited` event type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StateType {
    Pass,
    Task,
    Choice,
    Wait,
    Succeed,
    Fail,
    Parallel,
    Map,
}

/// The event type and its details.
#[derive(Debug, Clone, PartialEq)]
pub enum Details {
    ExecutionStarted { input: Value, role_arn: String },
    ExecutionSucceeded { output: Value },
    ExecutionFailed { error: Option<String>, cause: Option<String> },
    ExecutionAborted { error: Option<String>, cause: Option<String> },
    ExecutionTimedOut { error: Option<String>, cause: Option<String> },
    StateEntered { state_type: StateType, name: String, input: Value },
    StateExited { state_type: StateType, name: String, output: Value },
    StateAborted { state_type: StateType, name: String },
    ParallelStateStarted,
    ParallelStateSucceeded,
    ParallelStateFailed,
    MapStateStarted { length: usize },
    MapStateSucceeded,
    MapStateFailed,
    MapIterationStarted { name: String, index: usize },
    MapIterationSucceeded { name: String, index: usize },
    MapIterationFailed { name: String, index: usize },
    MapIterationAborted { name: String, index: usize },
    TaskScheduled { resource_type: String, resource: String, region: String, parameters: Value, timeout_seconds: Option<u64>, heartbeat_seconds: Option<u64> },
    TaskStarted { resource_type: String, resource: String },
    TaskSucceeded { resource_type: String, resource: String, output: Value },
    TaskFailed { resource_type: String, resource: String, error: Option<String>, cause: Option<String> },
    TaskTimedOut { resource_type: String, resource: String, error: Option<String>, cause: Option<String> },
}

impl HistoryEvent {
    /// AWS's `HistoryEventType`, e.g. `PassStateEntered`.
    pub fn type_name(&self) -> &'static str {
        todo!()
    }
}
