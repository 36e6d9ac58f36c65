//! History events, as AWS's `GetExecutionHistory` reports them (types, ids, details).

use expr::{Map, Value};

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
    ExecutionStarted {
        input: Value,
        role_arn: String,
    },
    ExecutionSucceeded {
        output: Value,
    },
    ExecutionFailed {
        error: Option<String>,
        cause: Option<String>,
    },
    ExecutionAborted {
        error: Option<String>,
        cause: Option<String>,
    },
    ExecutionTimedOut {
        error: Option<String>,
        cause: Option<String>,
    },
    /// The execution was redriven; `redrive_count` counts this redrive.
    ExecutionRedriven {
        redrive_count: u32,
    },
    StateEntered {
        state_type: StateType,
        name: String,
        input: Value,
    },
    StateExited {
        state_type: StateType,
        name: String,
        output: Value,
        /// The variables the state assigned (`Assign`), when it has one.
        assigned_variables: Option<Map>,
    },
    StateAborted {
        state_type: StateType,
        name: String,
    },
    ParallelStateStarted,
    ParallelStateSucceeded,
    ParallelStateFailed,
    MapStateStarted {
        length: usize,
    },
    MapStateSucceeded,
    MapStateFailed,
    MapIterationStarted {
        name: String,
        index: usize,
    },
    MapIterationSucceeded {
        name: String,
        index: usize,
    },
    MapIterationFailed {
        name: String,
        index: usize,
    },
    MapIterationAborted {
        name: String,
        index: usize,
    },
    /// A Distributed Map started its map run; its iterations are child executions.
    MapRunStarted {
        map_run_arn: String,
    },
    MapRunSucceeded,
    MapRunFailed {
        error: Option<String>,
        cause: Option<String>,
    },
    /// A JSONata expression failed (`States.QueryEvaluationError`).
    EvaluationFailed {
        error: Option<String>,
        cause: Option<String>,
        /// The field, e.g. `Output/result`, when there is one.
        location: Option<String>,
        state: String,
    },
    /// A Task whose `Resource` is a Lambda function ARN (not `lambda:invoke`).
    LambdaFunctionScheduled {
        resource: String,
        input: Value,
        timeout_seconds: Option<u64>,
    },
    LambdaFunctionStarted,
    LambdaFunctionSucceeded {
        output: Value,
    },
    LambdaFunctionFailed {
        error: Option<String>,
        cause: Option<String>,
    },
    LambdaFunctionTimedOut {
        error: Option<String>,
        cause: Option<String>,
    },
    /// A Task whose `Resource` is an activity ARN waits for a worker.
    ActivityScheduled {
        resource: String,
        input: Value,
        timeout_seconds: Option<u64>,
        heartbeat_seconds: Option<u64>,
    },
    /// The activity task could not be scheduled (its activity does not exist).
    ActivityScheduleFailed {
        error: Option<String>,
        cause: Option<String>,
    },
    /// A worker took the activity task (`GetActivityTask`'s `workerName`).
    ActivityStarted {
        worker_name: String,
    },
    ActivitySucceeded {
        output: Value,
    },
    ActivityFailed {
        error: Option<String>,
        cause: Option<String>,
    },
    ActivityTimedOut {
        error: Option<String>,
        cause: Option<String>,
    },
    TaskScheduled {
        resource_type: String,
        resource: String,
        region: String,
        parameters: Value,
        timeout_seconds: Option<u64>,
        heartbeat_seconds: Option<u64>,
    },
    TaskStarted {
        resource_type: String,
        resource: String,
    },
    /// A callback or `.sync` task's request went out; `output` is its response.
    TaskSubmitted {
        resource_type: String,
        resource: String,
        output: Value,
    },
    TaskSucceeded {
        resource_type: String,
        resource: String,
        output: Value,
    },
    TaskFailed {
        resource_type: String,
        resource: String,
        error: Option<String>,
        cause: Option<String>,
    },
    TaskTimedOut {
        resource_type: String,
        resource: String,
        error: Option<String>,
        cause: Option<String>,
    },
}

impl HistoryEvent {
    /// AWS's `HistoryEventType`, e.g. `PassStateEntered`.
    pub fn type_name(&self) -> &'static str {
        use StateType as S;
        match &self.details {
            Details::ExecutionStarted { .. } => "ExecutionStarted",
            Details::ExecutionSucceeded { .. } => "ExecutionSucceeded",
            Details::ExecutionFailed { .. } => "ExecutionFailed",
            Details::ExecutionAborted { .. } => "ExecutionAborted",
            Details::ExecutionTimedOut { .. } => "ExecutionTimedOut",
            Details::ExecutionRedriven { .. } => "ExecutionRedriven",
            Details::StateEntered { state_type, .. } => match state_type {
                S::Pass => "PassStateEntered",
                S::Task => "TaskStateEntered",
                S::Choice => "ChoiceStateEntered",
                S::Wait => "WaitStateEntered",
                S::Succeed => "SucceedStateEntered",
                S::Fail => "FailStateEntered",
                S::Parallel => "ParallelStateEntered",
                S::Map => "MapStateEntered",
            },
            Details::StateExited { state_type, .. } => match state_type {
                S::Pass => "PassStateExited",
                S::Task => "TaskStateExited",
                S::Choice => "ChoiceStateExited",
                S::Wait => "WaitStateExited",
                S::Succeed => "SucceedStateExited",
                S::Fail => "FailStateExited",
                S::Parallel => "ParallelStateExited",
                S::Map => "MapStateExited",
            },
            Details::StateAborted { state_type, .. } => match state_type {
                S::Task => "TaskStateAborted",
                S::Wait => "WaitStateAborted",
                S::Parallel => "ParallelStateAborted",
                S::Map => "MapStateAborted",
                // AWS has no aborted event for the other types; they never block.
                S::Pass | S::Choice | S::Succeed | S::Fail => "StateAborted",
            },
            Details::ParallelStateStarted => "ParallelStateStarted",
            Details::ParallelStateSucceeded => "ParallelStateSucceeded",
            Details::ParallelStateFailed => "ParallelStateFailed",
            Details::MapStateStarted { .. } => "MapStateStarted",
            Details::MapStateSucceeded => "MapStateSucceeded",
            Details::MapStateFailed => "MapStateFailed",
            Details::MapIterationStarted { .. } => "MapIterationStarted",
            Details::MapIterationSucceeded { .. } => "MapIterationSucceeded",
            Details::MapIterationFailed { .. } => "MapIterationFailed",
            Details::MapIterationAborted { .. } => "MapIterationAborted",
            Details::MapRunStarted { .. } => "MapRunStarted",
            Details::MapRunSucceeded => "MapRunSucceeded",
            Details::MapRunFailed { .. } => "MapRunFailed",
            Details::EvaluationFailed { .. } => "EvaluationFailed",
            Details::LambdaFunctionScheduled { .. } => "LambdaFunctionScheduled",
            Details::LambdaFunctionStarted => "LambdaFunctionStarted",
            Details::LambdaFunctionSucceeded { .. } => "LambdaFunctionSucceeded",
            Details::LambdaFunctionFailed { .. } => "LambdaFunctionFailed",
            Details::LambdaFunctionTimedOut { .. } => "LambdaFunctionTimedOut",
            Details::ActivityScheduled { .. } => "ActivityScheduled",
            Details::ActivityScheduleFailed { .. } => "ActivityScheduleFailed",
            Details::ActivityStarted { .. } => "ActivityStarted",
            Details::ActivitySucceeded { .. } => "ActivitySucceeded",
            Details::ActivityFailed { .. } => "ActivityFailed",
            Details::ActivityTimedOut { .. } => "ActivityTimedOut",
            Details::TaskScheduled { .. } => "TaskScheduled",
            Details::TaskStarted { .. } => "TaskStarted",
            Details::TaskSubmitted { .. } => "TaskSubmitted",
            Details::TaskSucceeded { .. } => "TaskSucceeded",
            Details::TaskFailed { .. } => "TaskFailed",
            Details::TaskTimedOut { .. } => "TaskTimedOut",
        }
    }
}

impl StateType {
    pub fn of(kind: &asl::Kind) -> StateType {
        match kind {
            asl::Kind::Pass(_) => StateType::Pass,
            asl::Kind::Task(_) => StateType::Task,
            asl::Kind::Choice(_) => StateType::Choice,
            asl::Kind::Wait(_) => StateType::Wait,
            asl::Kind::Succeed => StateType::Succeed,
            asl::Kind::Fail(_) => StateType::Fail,
            asl::Kind::Parallel(_) => StateType::Parallel,
            asl::Kind::Map(_) => StateType::Map,
        }
    }
}
