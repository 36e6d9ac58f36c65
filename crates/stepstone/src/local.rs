//! Runs one execution in-process, synchronously: the engine, local task invokers and a
//! scaled clock. `stepstone run`, the conformance harness and the benchmark use it.

use asl::StateMachine;
use engine::{Command, Event, Execution, ExecutionInfo, HistoryEvent, Status, Step, TaskId, TimerId};
use expr::Value;
use std::collections::{BTreeSet, VecDeque};
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Carries out a Task state's work: the resource and the effective parameters in, the
/// result or an ASL error (`error`, `cause`) out.
pub trait Invoker: Send + Sync {
    fn invoke(&self, state: &str, resource: &str, input: &Value) -> Result<Value, (String, String)>;
}

/// How to run.
#[derive(Clone)]
pub struct RunOptions {
    /// Multiplies every wait and retry delay; 0 skips them (Step Functions Local's WAIT_TIME_SCALE).
    pub time_scale: f64,
    /// Record the full history (otherwise only the result is kept).
    pub history: bool,
    /// The execution's name (a UUID is drawn when None).
    pub name: Option<String>,
    /// Runs Task states. Without one, a Task fails with `States.TaskFailed`.
    pub invoker: Option<Arc<dyn Invoker>>,
}

impl fmt::Debug for RunOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RunOptions")
            .field("time_scale", &self.time_scale)
            .field("history", &self.history)
            .field("name", &self.name)
            .field("invoker", &self.invoker.is_some())
            .finish()
    }
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions { time_scale: 1.0, history: true, name: None, invoker: None }
    }
}

/// The outcome, shaped like `DescribeExecution` plus the history.
#[derive(Debug, Clone)]
pub struct RunResult {
    /// `SUCCEEDED`, `FAILED`, `TIMED_OUT` or `ABORTED`.
    pub status: &'static str,
    pub output: Option<Value>,
    pub error: Option<String>,
    pub cause: Option<String>,
    pub history: Vec<HistoryEvent>,
}

/// The account and region that local executions report in their ARNs.
pub const ACCOUNT: &str = "123456789012";
pub const REGION: &str = "us-east-1";
/// The state machine name local executions report.
pub const STATE_MACHINE_NAME: &str = "local";

/// Runs `machine` on `input` to the end.
pub fn run(machine: Arc<StateMachine>, input: Value, options: &RunOptions) -> RunResult {
    let start = now_millis();
    let seed = (start as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ u64::from(std::process::id());
    let name = options.name.clone().unwrap_or_else(|| expr::Rng::new(seed).uuid_v4());
    let info = ExecutionInfo {
        execution_arn: format!("arn:aws:states:{REGION}:{ACCOUNT}:execution:{STATE_MACHINE_NAME}:{name}"),
        name,
        role_arn: format!("arn:aws:iam::{ACCOUNT}:role/StepstoneLocal"),
        state_machine_arn: format!("arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:{STATE_MACHINE_NAME}"),
        state_machine_name: STATE_MACHINE_NAME.to_string(),
        start_time: start,
        seed,
        // A local run hands its tokens to no one outside this process.
        task_secret: u128::from(seed) << 64 | u128::from(seed.rotate_left(17)),
        record_history: options.history,
    };
    let mut execution = Execution::new(machine, info);
    let mut clock = start;
    let mut step = Step::default();
    let mut history = Vec::new();
    let mut timers: BTreeSet<(i64, TimerId)> = BTreeSet::new();
    let mut tasks: VecDeque<(TaskId, String, String, Value)> = VecDeque::new();
    let mut cancelled: BTreeSet<TaskId> = BTreeSet::new();
    execution.apply(Event::Started { input }, clock, &mut step);
    loop {
        history.append(&mut step.history);
        for command in step.commands.drain(..) {
            match command {
                Command::RunTask { task, state, resource, input, .. } => {
                    tasks.push_back((task, state, resource, input))
                }
                Command::StartTimer { timer, fire_at } => {
                    timers.insert((fire_at, timer));
                }
                Command::CancelTimer { timer } => timers.retain(|&(_, t)| t != timer),
                Command::CancelTask { task } => {
                    cancelled.insert(task);
                }
            }
        }
        if *execution.status() != Status::Running {
            break;
        }
        let event = if let Some((task, state, resource, input)) = tasks.pop_front() {
            if cancelled.remove(&task) {
                continue;
            }
            let result = match &options.invoker {
                Some(invoker) => invoker.invoke(&state, &resource, &input),
                None => Err((
                    "States.TaskFailed".to_string(),
                    format!("No invoker is configured for the resource '{resource}'"),
                )),
            };
            match result {
                Ok(output) => Event::TaskSucceeded { task, output },
                Err((error, cause)) => Event::TaskFailed { task, error, cause },
            }
        } else if let Some((fire_at, timer)) = timers.pop_first() {
            if fire_at > clock {
                if options.time_scale > 0.0 {
                    let real = (fire_at - clock) as f64 * options.time_scale;
                    std::thread::sleep(Duration::from_millis(real as u64));
                }
                clock = fire_at;
            }
            // Every timer due at that instant fires in one step, in timer order.
            let mut fired = vec![timer];
            while let Some((_, next)) = timers.first().copied().filter(|(at, _)| *at == fire_at) {
                timers.pop_first();
                fired.push(next);
            }
            match fired.as_slice() {
                [timer] => Event::TimerFired { timer: *timer },
                _ => Event::TimersFired { timers: fired },
            }
        } else {
            // Nothing can move the execution on: a bug in the engine, not a user error.
            let event = Event::Stopped {
                error: Some("States.Runtime".into()),
                cause: Some("The execution is waiting for nothing".into()),
            };
            execution.apply(event, clock, &mut step);
            continue;
        };
        if options.time_scale > 0.0 {
            clock = clock.max(now_millis());
        }
        execution.apply(event, clock, &mut step);
    }
    let (output, error, cause) = match execution.status().clone() {
        Status::Succeeded { output } => (Some(output), None, None),
        Status::Failed { error, cause } | Status::TimedOut { error, cause } | Status::Aborted { error, cause } => {
            (None, error, cause)
        }
        Status::Running => (None, None, None),
    };
    RunResult { status: execution.status().name(), output, error, cause, history }
}

fn now_millis() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}
