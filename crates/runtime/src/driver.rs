//! The loop that drives one execution: apply an event, commit what it caused, and only then
//! carry out the commands (arm timers, run tasks).

use crate::codec::{encode_event, history_record};
use crate::{now_millis, Shared, TaskCall};
use engine::{Command, Event, Execution, Status, Step, TaskId, TimerId};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use store::{Commit, ExecutionStatus, FedEvent, StatusChange, Store, TaskRecord, TaskState, Timer};
use tokio::sync::mpsc;
use tokio::task::AbortHandle;

/// One execution being driven, with the timers and tasks it has in flight. Dropping it
/// aborts them.
pub(crate) struct Driver<S> {
    shared: Arc<Shared<S>>,
    execution: Execution,
    next_event_id: u64,
    next_seq: u64,
    /// The `now` of the last fed event: time given to the engine never goes back.
    last_now: i64,
    tx: mpsc::UnboundedSender<Event>,
    rx: mpsc::UnboundedReceiver<Event>,
    timers: HashMap<TimerId, (i64, AbortHandle)>,
    tasks: HashMap<TaskId, AbortHandle>,
}

impl<S> Drop for Driver<S> {
    fn drop(&mut self) {
        for (_, handle) in self.timers.values() {
            handle.abort();
        }
        for handle in self.tasks.values() {
            handle.abort();
        }
    }
}

/// Spawns the driver, carrying out `commands` (already committed) first, and registers it;
/// `false`, dropping it, when the execution is driven here already (two recoveries raced).
pub(crate) fn spawn<S: Store>(mut driver: Driver<S>, commands: Vec<Command>) -> bool {
    let shared = Arc::clone(&driver.shared);
    let arn = driver.execution.info().execution_arn.clone();
    let mut drivers = shared.drivers.lock().unwrap_or_else(|e| e.into_inner());
    if drivers.contains_key(&arn) {
        return false;
    }
    driver.carry_out(commands);
    let handle = tokio::spawn(driver.run());
    drivers.insert(arn, handle.abort_handle());
    true
}

impl<S: Store> Driver<S> {
    pub(crate) fn new(
        shared: Arc<Shared<S>>,
        execution: Execution,
        next_event_id: u64,
        next_seq: u64,
        last_now: i64,
    ) -> Driver<S> {
        let (tx, rx) = mpsc::unbounded_channel();
        Driver {
            shared,
            execution,
            next_event_id,
            next_seq,
            last_now,
            tx,
            rx,
            timers: HashMap::new(),
            tasks: HashMap::new(),
        }
    }

    async fn run(mut self) {
        while let Some(event) = self.rx.recv().await {
            match self.feed(event).await {
                Ok(true) => {}
                Ok(false) => break,
                Err(_) => {
                    // The store did not take the commit, so this copy of the execution is
                    // ahead of it: give the lease up, and whoever claims it next (maybe this
                    // node) rebuilds it from what was stored.
                    let arn = [self.execution.info().execution_arn.clone()];
                    let _ = self.shared.store.release(&self.shared.options.node, &arn).await;
                    break;
                }
            }
        }
        let arn = &self.execution.info().execution_arn;
        self.shared.drivers.lock().unwrap_or_else(|e| e.into_inner()).remove(arn);
    }

    /// Applies and commits one event; `Ok(false)` once the execution has ended.
    async fn feed(&mut self, event: Event) -> store::Result<bool> {
        let mut now = now_millis().max(self.last_now);
        match &event {
            Event::TimerFired { timer } => match self.timers.remove(timer) {
                Some((fire_at, _)) => now = now.max(fire_at),
                None => return Ok(true),
            },
            Event::TaskSucceeded { task, .. } | Event::TaskFailed { task, .. } if self.tasks.remove(task).is_none() => {
                return Ok(true)
            }
            _ => {}
        }
        let mut step = Step::default();
        self.execution.apply(event.clone(), now, &mut step);
        let node = &self.shared.options.node;
        let commit = commit(&self.execution, node, (self.next_event_id, self.next_seq), &event, now, &step);
        let next_event_id = commit.next_event_id();
        self.shared.store.commit(commit).await?;
        self.next_event_id = next_event_id;
        self.next_seq += 1;
        self.last_now = now;
        if *self.execution.status() != Status::Running {
            return Ok(false);
        }
        self.carry_out(step.commands);
        Ok(true)
    }

    /// Carries out committed commands: the one `match` over [`Command`].
    pub(crate) fn carry_out(&mut self, commands: Vec<Command>) {
        for command in commands {
            match command {
                Command::RunTask { task, state, resource, input, .. } => {
                    let call = TaskCall {
                        execution_arn: self.execution.info().execution_arn.clone(),
                        task,
                        token: token(&self.execution.info().execution_arn, task),
                        state,
                        resource,
                        input,
                    };
                    let invoker = Arc::clone(&self.shared.invoker);
                    let tx = self.tx.clone();
                    // The invoker runs in a task of its own, so that a panic in it fails the
                    // Task state instead of leaving the execution waiting for ever.
                    let run = tokio::spawn(async move { invoker.invoke(call).await });
                    let abort = run.abort_handle();
                    tokio::spawn(async move {
                        let event = match run.await {
                            Ok(Ok(output)) => Event::TaskSucceeded { task, output },
                            Ok(Err((error, cause))) => Event::TaskFailed { task, error, cause },
                            Err(failure) if failure.is_panic() => Event::TaskFailed {
                                task,
                                error: "States.TaskFailed".to_string(),
                                cause: "The task's invoker failed unexpectedly".to_string(),
                            },
                            Err(_) => return, // cancelled
                        };
                        let _ = tx.send(event);
                    });
                    self.tasks.insert(task, abort);
                }
                Command::StartTimer { timer, fire_at } => {
                    let tx = self.tx.clone();
                    let handle = tokio::spawn(async move {
                        let wait = (fire_at - now_millis()).max(0) as u64;
                        tokio::time::sleep(Duration::from_millis(wait)).await;
                        let _ = tx.send(Event::TimerFired { timer });
                    });
                    self.timers.insert(timer, (fire_at, handle.abort_handle()));
                }
                Command::CancelTimer { timer } => {
                    if let Some((_, handle)) = self.timers.remove(&timer) {
                        handle.abort();
                    }
                }
                Command::CancelTask { task } => {
                    if let Some(handle) = self.tasks.remove(&task) {
                        handle.abort();
                    }
                }
            }
        }
    }
}

/// The task token of a task: unique across the store.
pub(crate) fn token(execution_arn: &str, task: TaskId) -> String {
    format!("{execution_arn}/task/{task}")
}

/// The commit of one applied event: the event itself, the history it caused, the timers and
/// tasks its commands add or drop, and the end of the execution if it ended.
/// `(next_event_id, next_seq)` is the execution as stored before it.
pub(crate) fn commit(
    execution: &Execution,
    node: &str,
    (next_event_id, next_seq): (u64, u64),
    event: &Event,
    now: i64,
    step: &Step,
) -> Commit {
    let arn = &execution.info().execution_arn;
    let mut commit = Commit {
        execution_arn: arn.clone(),
        node: Some(node.to_string()),
        expected_next_event_id: next_event_id,
        fed: vec![FedEvent { execution_arn: arn.clone(), seq: next_seq, now, event_json: encode_event(event) }],
        history: step.history.iter().map(|e| history_record(arn, e)).collect(),
        status: status_change(execution.status(), now),
        ..Commit::default()
    };
    match event {
        Event::TimerFired { timer } => commit.timers_removed.push(*timer),
        Event::TaskSucceeded { task, .. } | Event::TaskFailed { task, .. } => commit.tasks_finished.push(*task),
        _ => {}
    }
    for command in &step.commands {
        match command {
            Command::RunTask { task, state, resource, input, timeout_seconds, heartbeat_seconds } => {
                commit.tasks.push(TaskRecord {
                    execution_arn: arn.clone(),
                    task_id: *task,
                    token: token(arn, *task),
                    state_name: state.clone(),
                    resource: resource.clone(),
                    input: expr::json::to_string(input),
                    timeout_at: timeout_seconds.map(|s| now + s as i64 * 1000),
                    heartbeat_at: heartbeat_seconds.map(|s| now + s as i64 * 1000),
                    state: TaskState::Scheduled,
                    worker: None,
                })
            }
            Command::StartTimer { timer, fire_at } => {
                commit.timers_added.push(Timer { execution_arn: arn.clone(), timer_id: *timer, fire_at: *fire_at })
            }
            Command::CancelTimer { timer } => commit.timers_removed.push(*timer),
            Command::CancelTask { task } => commit.tasks_finished.push(*task),
        }
    }
    commit
}

fn status_change(status: &Status, now: i64) -> Option<StatusChange> {
    let (status, output, error, cause) = match status {
        Status::Running => return None,
        Status::Succeeded { output } => (ExecutionStatus::Succeeded, Some(expr::json::to_string(output)), None, None),
        Status::Failed { error, cause } => (ExecutionStatus::Failed, None, error.clone(), cause.clone()),
        Status::TimedOut { error, cause } => (ExecutionStatus::TimedOut, None, error.clone(), cause.clone()),
        Status::Aborted { error, cause } => (ExecutionStatus::Aborted, None, error.clone(), cause.clone()),
    };
    Some(StatusChange { status, output, error, cause, stopped: Some(now) })
}
