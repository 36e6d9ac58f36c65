//! EXPRESS executions: run to their end in memory, with no store write and no history, as AWS
//! runs them (no `DescribeExecution`, `GetExecutionHistory` or `ListExecutions` for them).
//!
//! One loop per execution feeds the engine: Task states run through the same [`Invoker`] as
//! durable ones (each in a tokio task of its own, so that a panic fails the Task state;
//! `states:startExecution` starts the child through this runtime, see [`invoker`]),
//! timers are an ordered set slept on, and the execution is cut at its maximum duration
//! (AWS: 5 minutes), ending `TIMED_OUT` with `States.Timeout`.

use crate::{now_millis, seed, BoxFuture, Error, Invoker, Shared, TaskCall, TaskResult};
use engine::{Command, Event, Execution, ExecutionInfo, Status, Step, TaskId, TimerId};
use std::any::Any;
use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Weak};
use std::time::Duration;
use store::{ExecutionStatus, Store};
use tokio::task::{AbortHandle, JoinSet};
use tokio::time::Instant;

/// AWS's limit on the duration of an EXPRESS execution.
pub const MAX_DURATION: Duration = Duration::from_secs(300);

/// The error of an EXPRESS execution cut at its maximum duration.
pub const TIMEOUT_ERROR: &str = "States.Timeout";

/// The arguments of an EXPRESS start (`StartSyncExecution`, or `StartExecution` on an
/// EXPRESS machine).
#[derive(Debug, Clone)]
pub struct ExpressRequest {
    pub name: String,
    /// JSON text.
    pub input: String,
    /// The execution is cut after this long ([`MAX_DURATION`] unless a test says otherwise).
    pub max_duration: Duration,
}

impl ExpressRequest {
    pub fn new(name: String, input: String) -> ExpressRequest {
        ExpressRequest { name, input, max_duration: MAX_DURATION }
    }
}

/// An EXPRESS execution that was started and runs in the background.
#[derive(Debug, Clone)]
pub struct ExpressStart {
    pub execution_arn: String,
    /// Epoch milliseconds.
    pub started: i64,
}

/// How an EXPRESS execution ended (`StartSyncExecution`'s answer).
#[derive(Debug, Clone, PartialEq)]
pub struct SyncResult {
    pub execution_arn: String,
    pub state_machine_arn: String,
    pub name: String,
    /// The input, as JSON text.
    pub input: String,
    /// Epoch milliseconds.
    pub started: i64,
    pub stopped: i64,
    /// `Succeeded`, `Failed` or `TimedOut`.
    pub status: ExecutionStatus,
    /// JSON text, when it succeeded.
    pub output: Option<String>,
    pub error: Option<String>,
    pub cause: Option<String>,
}

/// An EXPRESS execution, started (its first event applied) but not yet run.
pub(crate) struct Prepared {
    execution: Execution,
    commands: Vec<Command>,
    deadline: i64,
    input: String,
}

/// The invoker of EXPRESS executions: `states:startExecution` starts the child through
/// this runtime, as for STANDARD executions ([`crate::nested`]); every other resource goes
/// to the outside invoker. It holds the runtime weakly, so a background execution still
/// notices when its runtime is gone.
pub(crate) fn invoker<S: Store>(shared: &Arc<Shared<S>>) -> Arc<dyn Invoker> {
    Arc::new(ExpressInvoker { shared: Arc::downgrade(shared), outside: Arc::clone(&shared.invoker) })
}

struct ExpressInvoker<S> {
    shared: Weak<Shared<S>>,
    outside: Arc<dyn Invoker>,
}

impl<S: Store> Invoker for ExpressInvoker<S> {
    fn invoke(&self, call: TaskCall) -> BoxFuture<'_, TaskResult> {
        if !crate::nested::is_nested(&call.resource) {
            return self.outside.invoke(call);
        }
        Box::pin(async move {
            match self.shared.upgrade() {
                Some(shared) => crate::nested::start_from_express(&shared, &call).await,
                None => Err(("States.Runtime".to_string(), "The runtime has stopped".to_string())),
            }
        })
    }
}

/// Builds the execution of `machine` and applies its start: `arn:...:express:<machine>:<name>:<uuid>`.
pub(crate) fn prepare<S>(
    shared: &Shared<S>,
    machine: &store::StateMachine,
    request: ExpressRequest,
) -> Result<Prepared, Error> {
    let definition = shared.machine(machine)?;
    let input: expr::Value = expr::json::from_str(&request.input).map_err(|e| Error::Input(e.to_string()))?;
    let now = now_millis();
    let execution_arn =
        format!("{}:{}:{}", machine.arn.replacen(":stateMachine:", ":express:", 1), request.name, uuid::Uuid::new_v4());
    let seed = seed(&execution_arn, now);
    let info = ExecutionInfo {
        execution_arn,
        name: request.name,
        role_arn: machine.role_arn.clone(),
        state_machine_arn: machine.arn.clone(),
        state_machine_name: machine.name.clone(),
        start_time: now,
        seed,
        record_history: false,
        task_secret: crate::signals::task_secret()?,
    };
    let mut execution = Execution::new(definition, info);
    let mut step = Step::default();
    execution.apply(Event::Started { input }, now, &mut step);
    let max = i64::try_from(request.max_duration.as_millis()).unwrap_or(i64::MAX);
    Ok(Prepared { execution, commands: step.commands, deadline: now.saturating_add(max), input: request.input })
}

impl Prepared {
    pub(crate) fn start(&self) -> ExpressStart {
        let info = self.execution.info();
        ExpressStart { execution_arn: info.execution_arn.clone(), started: info.start_time }
    }

    /// Runs the execution to its end; when `alive` is given, stops early (with what it has so
    /// far) once nothing holds it any more: a background execution does not outlive its
    /// runtime, as a crash would end it.
    pub(crate) async fn run(self, invoker: Arc<dyn Invoker>, alive: Option<Weak<dyn Any + Send + Sync>>) -> SyncResult {
        let Prepared { execution, commands, deadline, input } = self;
        let mut run = Run {
            execution,
            invoker,
            last_now: 0,
            timers: BTreeSet::new(),
            fire_at: HashMap::new(),
            tasks: None,
            running: HashMap::new(),
            alive,
        };
        run.last_now = run.execution.info().start_time;
        let timed_out = run.drive(commands, deadline).await;
        run.result(input, timed_out)
    }
}

/// The in-memory loop of one execution: what it waits for.
struct Run {
    execution: Execution,
    invoker: Arc<dyn Invoker>,
    /// Time given to the engine never goes back.
    last_now: i64,
    /// Armed timers by when they fire.
    timers: BTreeSet<(i64, TimerId)>,
    fire_at: HashMap<TimerId, i64>,
    /// Running tasks (made at the first Task state); dropping it aborts them.
    tasks: Option<JoinSet<TaskResult>>,
    /// The engine's id of each running task, by tokio's task id, and its abort handle.
    running: HashMap<tokio::task::Id, (TaskId, AbortHandle)>,
    /// The runtime of a background execution, looked at every [`LIVENESS_CHECK`].
    alive: Option<Weak<dyn Any + Send + Sync>>,
}

/// How often a background execution checks that its runtime still exists.
const LIVENESS_CHECK: Duration = Duration::from_secs(1);

impl Run {
    /// Carries out `commands` and feeds back what they cause until the execution ends;
    /// `true` when it was cut at `deadline` (epoch milliseconds) instead.
    async fn drive(&mut self, commands: Vec<Command>, deadline: i64) -> bool {
        let mut step = Step { history: Vec::new(), commands };
        loop {
            self.carry_out(&mut step.commands);
            if *self.execution.status() != Status::Running {
                return false;
            }
            let next_timer = self.timers.first().map(|(at, _)| *at);
            let wake_ms = next_timer.map_or(deadline, |at| at.min(deadline));
            if self.alive.as_ref().is_some_and(|alive| alive.strong_count() == 0) {
                return true;
            }
            let mut wait = Duration::from_millis((wake_ms - now_millis()).max(0) as u64);
            if self.alive.is_some() {
                wait = wait.min(LIVENESS_CHECK);
            }
            let wake = Instant::now() + wait;
            let finished = match self.tasks.as_mut().filter(|t| !t.is_empty()) {
                Some(tasks) => tokio::time::timeout_at(wake, tasks.join_next_with_id()).await.ok().flatten(),
                None => {
                    tokio::time::sleep_until(wake).await;
                    None
                }
            };
            let event = match finished {
                Some(joined) => self.task_finished(joined),
                None => {
                    let now = now_millis();
                    match self.timers.first().copied() {
                        Some((at, _)) if at <= now && at <= deadline => {
                            // Every timer due at that instant fires in one step, in order.
                            let mut timers = Vec::new();
                            while let Some((_, timer)) = self.timers.first().copied().filter(|(when, _)| *when == at) {
                                self.timers.remove(&(at, timer));
                                self.fire_at.remove(&timer);
                                timers.push(timer);
                            }
                            self.last_now = self.last_now.max(at);
                            Some(match timers.as_slice() {
                                [timer] => Event::TimerFired { timer: *timer },
                                _ => Event::TimersFired { timers },
                            })
                        }
                        _ if now >= deadline => return true,
                        _ => None, // woken before anything is due: look again
                    }
                }
            };
            if let Some(event) = event {
                let now = now_millis().max(self.last_now);
                self.last_now = now;
                self.execution.apply(event, now, &mut step);
            }
        }
    }

    /// The event of a task that ended: its result, a failure if its invoker panicked,
    /// nothing if it was cancelled.
    fn task_finished(
        &mut self,
        joined: Result<(tokio::task::Id, TaskResult), tokio::task::JoinError>,
    ) -> Option<Event> {
        let (id, result) = match joined {
            Ok((id, result)) => (id, Ok(result)),
            Err(failure) => (failure.id(), Err(failure.is_panic())),
        };
        let (task, _) = self.running.remove(&id)?;
        match result {
            Ok(Ok(output)) => Some(Event::TaskSucceeded { task, output }),
            Ok(Err((error, cause))) => Some(Event::TaskFailed { task, error, cause }),
            Err(true) => Some(Event::TaskFailed {
                task,
                error: "States.TaskFailed".to_string(),
                cause: "The task's invoker failed unexpectedly".to_string(),
            }),
            Err(false) => None,
        }
    }

    /// The one `match` over [`Command`], in memory.
    fn carry_out(&mut self, commands: &mut Vec<Command>) {
        for command in commands.drain(..) {
            match command {
                Command::RunTask { task, state, resource, input, .. } => {
                    let arn = &self.execution.info().execution_arn;
                    let call = TaskCall {
                        execution_arn: arn.clone(),
                        task,
                        token: engine::task_token(self.execution.info().task_secret, task),
                        state,
                        resource,
                        input,
                    };
                    let invoker = Arc::clone(&self.invoker);
                    let tasks = self.tasks.get_or_insert_with(JoinSet::new);
                    let handle = tasks.spawn(async move { invoker.invoke(call).await });
                    self.running.insert(handle.id(), (task, handle));
                }
                Command::StartTimer { timer, fire_at } => {
                    self.timers.insert((fire_at, timer));
                    self.fire_at.insert(timer, fire_at);
                }
                Command::CancelTimer { timer } => {
                    if let Some(at) = self.fire_at.remove(&timer) {
                        self.timers.remove(&(at, timer));
                    }
                }
                Command::CancelTask { task } => {
                    let id = self.running.iter().find(|(_, (t, _))| *t == task).map(|(id, _)| *id);
                    if let Some((_, handle)) = id.and_then(|id| self.running.remove(&id)) {
                        handle.abort();
                    }
                }
            }
        }
    }

    fn result(self, input: String, timed_out: bool) -> SyncResult {
        let stopped = now_millis().max(self.last_now);
        let info = self.execution.info();
        let (status, output, error, cause) = match self.execution.status() {
            _ if timed_out => (ExecutionStatus::TimedOut, None, Some(TIMEOUT_ERROR.to_string()), None),
            Status::Succeeded { output } => {
                (ExecutionStatus::Succeeded, Some(expr::json::to_string(output)), None, None)
            }
            Status::Failed { error, cause } => (ExecutionStatus::Failed, None, error.clone(), cause.clone()),
            Status::TimedOut { error, cause } => (ExecutionStatus::TimedOut, None, error.clone(), cause.clone()),
            Status::Aborted { error, cause } => (ExecutionStatus::Aborted, None, error.clone(), cause.clone()),
            Status::Running => (ExecutionStatus::TimedOut, None, Some(TIMEOUT_ERROR.to_string()), None),
        };
        SyncResult {
            execution_arn: info.execution_arn.clone(),
            state_machine_arn: info.state_machine_arn.clone(),
            name: info.name.clone(),
            input,
            started: info.start_time,
            stopped,
            status,
            output,
            error,
            cause,
        }
    }
}
