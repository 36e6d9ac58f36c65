//! The records a store keeps: plain data, with JSON payloads kept as opaque texts.
//!
//! Times are epoch milliseconds. Nothing here knows the AWS wire format; the `api` crate
//! converts at its edge.

/// `STANDARD` or `EXPRESS`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Standard,
    Express,
}

impl Kind {
    /// AWS's `StateMachineType`.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Standard => "STANDARD",
            Kind::Express => "EXPRESS",
        }
    }

    /// The inverse of [`Kind::name`].
    pub fn parse(name: &str) -> Option<Kind> {
        match name {
            "STANDARD" => Some(Kind::Standard),
            "EXPRESS" => Some(Kind::Express),
            _ => None,
        }
    }
}

/// AWS's `ExecutionStatus`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExecutionStatus {
    Running,
    Succeeded,
    Failed,
    TimedOut,
    Aborted,
}

impl ExecutionStatus {
    pub const ALL: [ExecutionStatus; 5] = [
        ExecutionStatus::Running,
        ExecutionStatus::Succeeded,
        ExecutionStatus::Failed,
        ExecutionStatus::TimedOut,
        ExecutionStatus::Aborted,
    ];

    /// AWS's name: `RUNNING`, `SUCCEEDED`, ...
    pub fn name(self) -> &'static str {
        match self {
            ExecutionStatus::Running => "RUNNING",
            ExecutionStatus::Succeeded => "SUCCEEDED",
            ExecutionStatus::Failed => "FAILED",
            ExecutionStatus::TimedOut => "TIMED_OUT",
            ExecutionStatus::Aborted => "ABORTED",
        }
    }

    /// The inverse of [`ExecutionStatus::name`].
    pub fn parse(name: &str) -> Option<ExecutionStatus> {
        ExecutionStatus::ALL.into_iter().find(|s| s.name() == name)
    }
}

/// A tag: key and value.
pub type Tag = (String, String);

/// A state machine as created (`CreateStateMachine`).
#[derive(Debug, Clone, PartialEq)]
pub struct StateMachine {
    pub arn: String,
    pub name: String,
    pub kind: Kind,
    /// The definition text exactly as given (AWS returns it byte for byte).
    pub definition: String,
    pub role_arn: String,
    pub created: i64,
    pub revision_id: String,
    pub description: String,
    /// Logging, tracing and encryption configuration, as one opaque JSON text ("" for none).
    /// Part of AWS's idempotency check, like the definition and the type.
    pub configuration: String,
    pub tags: Vec<Tag>,
}

/// Which node may drive an execution, and until when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    pub node: String,
    pub until: i64,
}

/// One execution of a state machine (STANDARD: EXPRESS executions are not stored).
#[derive(Debug, Clone, PartialEq)]
pub struct Execution {
    pub arn: String,
    /// The state machine's own ARN (not a version or alias ARN).
    pub state_machine_arn: String,
    /// The version or alias ARN the execution was started through, if any.
    pub started_through: Option<String>,
    /// The ARN of the execution that started this one, when it said so: a nested execution
    /// whose input carried `AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID` (AWS's way of
    /// associating a child with its parent). Set at creation, never changed.
    pub parent_arn: Option<String>,
    pub name: String,
    pub kind: Kind,
    pub status: ExecutionStatus,
    /// JSON text.
    pub input: String,
    /// JSON text, once SUCCEEDED.
    pub output: Option<String>,
    pub error: Option<String>,
    pub cause: Option<String>,
    pub started: i64,
    pub stopped: Option<i64>,
    /// The definition the execution runs, as text (a snapshot: the machine may change later).
    pub definition: String,
    pub role_arn: String,
    /// Seeds the interpreter's randomness.
    pub seed: u64,
    /// The random key of the execution's task tokens (`engine::task_token`), chosen at start.
    pub task_secret: u128,
    /// The id the next history event gets (1 before `ExecutionStarted`). The optimistic
    /// concurrency guard of [`crate::Commit`].
    pub next_event_id: u64,
    /// The sequence number the next fed event gets (0 before the first).
    pub next_seq: u64,
    pub lease: Option<Lease>,
    /// How many times the execution was redriven (`RedriveExecution`).
    pub redrive_count: u32,
    /// When it was last redriven.
    pub redrive_date: Option<i64>,
}

/// One event of an execution's history, as `GetExecutionHistory` lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryEvent {
    pub execution_arn: String,
    /// 1-based, gapless.
    pub id: u64,
    /// 0 when there is none.
    pub previous_event_id: u64,
    pub timestamp: i64,
    /// AWS's `HistoryEventType`, e.g. `PassStateEntered`.
    pub event_type: String,
    /// The `...EventDetails` object as JSON text ("" when the event has none).
    pub details_json: String,
}

/// One event fed to the interpreter. Replaying the fed events in `seq` order rebuilds the
/// execution exactly.
#[derive(Debug, Clone, PartialEq)]
pub struct FedEvent {
    pub execution_arn: String,
    /// 0-based, gapless.
    pub seq: u64,
    /// The time given to the interpreter with the event.
    pub now: i64,
    pub event_json: String,
}

/// A durable timer: the interpreter wants `TimerFired` at `fire_at`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timer {
    pub execution_arn: String,
    pub timer_id: u64,
    pub fire_at: i64,
}

/// Where a task stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskState {
    /// Waiting to be run (or, for an activity, for a worker to poll).
    Scheduled,
    /// Being run (an activity worker has it).
    Started,
    /// Its result is recorded, or it was cancelled.
    Finished,
}

impl TaskState {
    pub fn name(self) -> &'static str {
        match self {
            TaskState::Scheduled => "SCHEDULED",
            TaskState::Started => "STARTED",
            TaskState::Finished => "FINISHED",
        }
    }

    pub fn parse(name: &str) -> Option<TaskState> {
        [TaskState::Scheduled, TaskState::Started, TaskState::Finished].into_iter().find(|s| s.name() == name)
    }
}

/// A task the runtime runs for an execution, with its task token.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskRecord {
    pub execution_arn: String,
    pub task_id: u64,
    /// The task token (`$$.Task.Token`), unique across the store.
    pub token: String,
    /// The Task state's name.
    pub state_name: String,
    pub resource: String,
    /// JSON text.
    pub input: String,
    /// When the task times out (`TimeoutSeconds`), if it can.
    pub timeout_at: Option<i64>,
    /// When the task times out for want of a heartbeat (`HeartbeatSeconds`), if it can.
    pub heartbeat_at: Option<i64>,
    pub state: TaskState,
    /// The activity worker that took it (`GetActivityTask`'s `workerName`).
    pub worker: Option<String>,
}

/// An activity (`CreateActivity`).
#[derive(Debug, Clone, PartialEq)]
pub struct Activity {
    pub arn: String,
    pub name: String,
    pub created: i64,
    pub tags: Vec<Tag>,
}

/// The answer of an idempotent create: the record, and whether this call created it.
#[derive(Debug, Clone, PartialEq)]
pub struct Created<T> {
    pub value: T,
    pub created: bool,
}

/// A published version of a state machine (`PublishStateMachineVersion`): a snapshot of
/// the machine as it was, under `{machine ARN}:{number}`.
#[derive(Debug, Clone, PartialEq)]
pub struct Version {
    /// `{state_machine_arn}:{number}`, given by the store when it publishes.
    pub arn: String,
    pub state_machine_arn: String,
    /// 1 for the first version; never reused, even after a deletion.
    pub number: u64,
    pub definition: String,
    pub role_arn: String,
    /// The machine's revision when published ("" before its first update).
    pub revision_id: String,
    /// The version's own description (`PublishStateMachineVersion`'s `description`).
    pub description: String,
    /// As [`StateMachine::configuration`].
    pub configuration: String,
    pub created: i64,
}

/// An alias of a state machine (`CreateStateMachineAlias`): a name routing executions to
/// one or two versions by weight.
#[derive(Debug, Clone, PartialEq)]
pub struct Alias {
    /// `{state_machine_arn}:{name}`.
    pub arn: String,
    pub state_machine_arn: String,
    pub name: String,
    pub description: String,
    /// `(version ARN, weight)`: the weights sum to 100.
    pub routing: Vec<(String, u32)>,
    pub created: i64,
    pub updated: i64,
}
