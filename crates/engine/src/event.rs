//! What goes into the interpreter (events) and what comes out (commands and history).

use crate::HistoryEvent;
use expr::Value;

/// Identifies a task the runtime runs for the interpreter.
pub type TaskId = u64;
/// Identifies a timer the runtime keeps for the interpreter.
pub type TimerId = u64;

/// Something that happened, fed to [`crate::Execution::apply`].
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// The execution starts with this input.
    Started { input: Value },
    /// A task finished with a result.
    TaskSucceeded { task: TaskId, output: Value },
    /// A task failed with an ASL error.
    TaskFailed { task: TaskId, error: String, cause: String },
    /// The task could not be scheduled (an activity task whose activity does not exist):
    /// `ActivityScheduleFailed`, then Retry and Catch as for a failure.
    TaskScheduleFailed { task: TaskId, error: String, cause: String },
    /// A worker took the task (an activity worker's `GetActivityTask`).
    TaskStarted { task: TaskId, worker: String },
    /// The task's request went out (a `.waitForTaskToken` or `.sync` integration) with this
    /// response; the task now waits for its result (`SendTaskSuccess`, the job's end).
    TaskSubmitted { task: TaskId, output: Value },
    /// A task reported that it is still working (`SendTaskHeartbeat`).
    TaskHeartbeat { task: TaskId },
    /// A timer fired.
    TimerFired { timer: TimerId },
    /// Timers due at the same instant fired together, in this order: each takes effect (a
    /// task's `TaskTimedOut` is written) before any of them is propagated (a Map or
    /// Parallel failing and aborting the rest), as AWS records simultaneous timeouts.
    TimersFired { timers: Vec<TimerId> },
    /// Someone stopped the execution (`StopExecution`).
    Stopped { error: Option<String>, cause: Option<String> },
    /// Someone redrove the ended, unsuccessful execution (`RedriveExecution`): it goes on
    /// from the states that failed or were aborted.
    Redriven,
}

/// Work for the runtime, to be carried out after the history is stored.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Run a task: call `resource` with `input`, then feed back `TaskSucceeded` or `TaskFailed`.
    RunTask {
        task: TaskId,
        /// The Task state's name.
        state: String,
        resource: String,
        input: Value,
        timeout_seconds: Option<u64>,
        heartbeat_seconds: Option<u64>,
    },
    /// Feed back `TimerFired` at `fire_at` (epoch milliseconds).
    StartTimer { timer: TimerId, fire_at: i64 },
    /// A timer is no longer needed.
    CancelTimer { timer: TimerId },
    /// A running task is no longer needed (its result will be ignored).
    CancelTask { task: TaskId },
}

/// What one `apply` produced.
#[derive(Debug, Default)]
pub struct Step {
    pub history: Vec<HistoryEvent>,
    pub commands: Vec<Command>,
}

impl Step {
    pub fn clear(&mut self) {
        self.history.clear();
        self.commands.clear();
    }
}
