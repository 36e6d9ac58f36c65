//! The loop that drives one execution: apply an event, commit what it caused, and only then
//! carry out the commands (arm timers, run tasks).

use crate::codec::{decode_event, encode_event, history_record};
use crate::slot::Slot;
use crate::{now_millis, Shared, TaskCall};
use engine::{Command, Event, Execution, Status, Step, TaskId, TimerId};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;
use store::{Commit, ExecutionStatus, FedEvent, Signal, StatusChange, Store, TaskRecord, TaskState, Timer};
use tokio::sync::{mpsc, Notify};
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
    /// Activity tasks waiting for a worker or held by one: their results come as signals.
    activities: HashSet<TaskId>,
    /// Callback tasks (`.waitForTaskToken`) not finished: their results come as signals
    /// only; the invoker's success only submits them (`TaskSubmitted`).
    callbacks: HashSet<TaskId>,
    /// Notified when signals for this execution wait in the store (its slot's).
    wake: Arc<Notify>,
    /// The id of its slot in `Shared::drivers`.
    slot: u64,
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

/// Spawns the driver in its slot, carrying out `commands` (already committed) first; `false`,
/// dropping it, when the slot was lost (the runtime was dropped meanwhile). With
/// `read_signals`, it first consumes the signals already waiting in the store.
pub(crate) fn spawn<S: Store>(
    slot: Slot<S>,
    mut driver: Driver<S>,
    commands: Vec<Command>,
    read_signals: bool,
) -> bool {
    debug_assert_eq!(slot.id, driver.slot, "a driver runs in the slot it was built for");
    let shared = Arc::clone(&slot.shared);
    let mut drivers = shared.drivers.lock().unwrap_or_else(|e| e.into_inner());
    let Some(holder) = drivers.get_mut(&slot.arn).filter(|holder| holder.id == slot.id) else { return false };
    driver.carry_out(commands);
    if read_signals {
        driver.wake.notify_one();
    }
    holder.abort = Some(tokio::spawn(driver.run()).abort_handle());
    true
}

/// What a driver does with one signal.
enum Use {
    /// Feed its event to the interpreter.
    Feed(Event),
    /// Its task is no longer waited for (or it does not decode): only remove it.
    Drop,
}

impl<S: Store> Driver<S> {
    /// A driver for the execution of `slot`, to be spawned in it.
    pub(crate) fn new(
        slot: &Slot<S>,
        execution: Execution,
        next_event_id: u64,
        next_seq: u64,
        last_now: i64,
    ) -> Driver<S> {
        let (tx, rx) = mpsc::unbounded_channel();
        Driver {
            shared: Arc::clone(&slot.shared),
            execution,
            next_event_id,
            next_seq,
            last_now,
            tx,
            rx,
            timers: HashMap::new(),
            tasks: HashMap::new(),
            activities: HashSet::new(),
            callbacks: HashSet::new(),
            wake: Arc::clone(&slot.wake),
            slot: slot.id,
        }
    }

    async fn run(mut self) {
        let wake = Arc::clone(&self.wake);
        loop {
            let fed = tokio::select! {
                event = self.rx.recv() => match event {
                    Some(event) => self.feed(event, None).await,
                    None => break,
                },
                () = wake.notified() => self.consume_signals().await,
            };
            match fed {
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
        // Frees the slot (it is this driver's until it ends).
        let arn = &self.execution.info().execution_arn;
        let mut drivers = self.shared.drivers.lock().unwrap_or_else(|e| e.into_inner());
        if drivers.get(arn).is_some_and(|holder| holder.id == self.slot) {
            drivers.remove(arn);
        }
    }

    /// Feeds the signals waiting in the store, oldest first, each in the commit that
    /// removes it; `Ok(false)` once the execution has ended.
    async fn consume_signals(&mut self) -> store::Result<bool> {
        let arn = self.execution.info().execution_arn.clone();
        for signal in self.shared.store.signals(&arn).await? {
            let running = match self.use_of(&signal) {
                Use::Feed(event) => self.feed(event, Some(signal.id)).await?,
                Use::Drop => {
                    let commit = Commit {
                        execution_arn: arn.clone(),
                        node: Some(self.shared.options.node.clone()),
                        expected_next_event_id: self.next_event_id,
                        signals_consumed: vec![signal.id],
                        ..Commit::default()
                    };
                    self.shared.store.commit(commit).await?;
                    true
                }
            };
            if !running {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Whether a signal's event is still wanted: a task's only while the task is waited for.
    fn use_of(&mut self, signal: &Signal) -> Use {
        let Ok(event) = decode_event(&signal.event_json) else { return Use::Drop };
        let task = match &event {
            Event::TaskSucceeded { task, .. }
            | Event::TaskFailed { task, .. }
            | Event::TaskHeartbeat { task }
            | Event::TaskStarted { task, .. } => *task,
            Event::Stopped { .. } => return Use::Feed(event),
            // Only this node's own integrations submit tasks.
            Event::Started { .. }
            | Event::TaskScheduleFailed { .. }
            | Event::TimerFired { .. }
            | Event::TimersFired { .. }
            | Event::Redriven
            | Event::TaskSubmitted { .. } => return Use::Drop,
        };
        if !self.activities.contains(&task) && !self.tasks.contains_key(&task) && !self.callbacks.contains(&task) {
            return Use::Drop;
        }
        if matches!(event, Event::TaskSucceeded { .. } | Event::TaskFailed { .. }) {
            // The result came from outside: an invoker still running for it is not needed.
            self.activities.remove(&task);
            self.callbacks.remove(&task);
            if let Some(handle) = self.tasks.remove(&task) {
                handle.abort();
            }
        }
        Use::Feed(event)
    }

    /// Applies and commits one event (and removes the signal it came from, if any) in one
    /// commit; `Ok(false)` once the execution has ended.
    async fn feed(&mut self, mut event: Event, signal: Option<u64>) -> store::Result<bool> {
        let mut now = now_millis().max(self.last_now);
        match &event {
            Event::TimerFired { timer } => match self.timers.remove(timer) {
                Some((fire_at, _)) => {
                    now = now.max(fire_at);
                    // Timers due at the same instant fire together, in timer order.
                    let mut timers: Vec<TimerId> =
                        self.timers.iter().filter(|(_, (at, _))| *at == fire_at).map(|(t, _)| *t).collect();
                    if !timers.is_empty() {
                        for other in &timers {
                            if let Some((_, handle)) = self.timers.remove(other) {
                                handle.abort();
                            }
                        }
                        timers.push(*timer);
                        timers.sort_unstable();
                        event = Event::TimersFired { timers };
                    }
                }
                None => return Ok(true),
            },
            // A result from the invoker, unless it came as a signal (already checked).
            Event::TaskSucceeded { task, .. } | Event::TaskFailed { task, .. }
                if signal.is_none() && self.tasks.remove(task).is_none() =>
            {
                return Ok(true)
            }
            Event::TaskSubmitted { task, .. } if !self.tasks.contains_key(task) => return Ok(true),
            Event::TaskScheduleFailed { task, .. } if !self.activities.remove(task) => return Ok(true),
            _ => {}
        }
        let mut step = Step::default();
        self.execution.apply(event.clone(), now, &mut step);
        let node = &self.shared.options.node;
        let mut commit = commit(&self.execution, node, (self.next_event_id, self.next_seq), &event, now, &step);
        commit.signals_consumed.extend(signal);
        let next_event_id = commit.next_event_id();
        self.shared.store.commit(commit).await?;
        self.next_event_id = next_event_id;
        self.next_seq += 1;
        self.last_now = now;
        if *self.execution.status() != Status::Running {
            crate::nested::notify_closed(&self.shared, &self.execution.info().execution_arn);
            return Ok(false);
        }
        match &event {
            Event::TaskSubmitted { task, .. } if self.callbacks.contains(task) => {
                self.tasks.remove(task); // its request is done; a signal ends it
            }
            Event::TaskSucceeded { task, .. } | Event::TaskFailed { task, .. } => {
                self.callbacks.remove(task);
            }
            _ => {}
        }
        self.carry_out(step.commands);
        Ok(true)
    }

    /// Runs a task through the invoker; its success submits a callback task instead of
    /// ending it.
    fn invoke(&self, call: TaskCall, callback: bool) -> AbortHandle {
        let task = call.task;
        let invoker = Arc::clone(&self.shared.invoker);
        let tx = self.tx.clone();
        // The invoker runs in a task of its own, so that a panic in it fails the Task state
        // instead of leaving the execution waiting for ever.
        let run = tokio::spawn(async move { invoker.invoke(call).await });
        let abort = run.abort_handle();
        tokio::spawn(async move {
            let event = match run.await {
                Ok(Ok(output)) if callback => Event::TaskSubmitted { task, output },
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
        abort
    }

    /// Carries out committed commands: the one `match` over [`Command`].
    pub(crate) fn carry_out(&mut self, commands: Vec<Command>) {
        for command in commands {
            match command {
                Command::RunTask { task, resource, .. } if engine::is_activity(&resource) => {
                    // Left SCHEDULED in the store for a worker (`GetActivityTask`); pollers
                    // waiting here hear of it at once.
                    self.activities.insert(task);
                    crate::signals::activity_notify(&self.shared, &resource).notify_waiters();
                    // An activity that does not exist fails the task (`ActivityScheduleFailed`).
                    let (shared, tx) = (Arc::clone(&self.shared), self.tx.clone());
                    tokio::spawn(async move {
                        if let Ok(None) = shared.store.activity(&resource).await {
                            let error = "States.Runtime".to_string();
                            let cause = format!("Activity Does Not Exist: '{resource}'");
                            let _ = tx.send(Event::TaskScheduleFailed { task, error, cause });
                        }
                    });
                }
                Command::RunTask { task, state, resource, input, .. } => {
                    let info = self.execution.info();
                    let call = TaskCall {
                        execution_arn: info.execution_arn.clone(),
                        task,
                        token: engine::task_token(info.task_secret, task),
                        state,
                        resource,
                        input,
                    };
                    let callback = engine::is_callback(&call.resource);
                    if callback {
                        self.callbacks.insert(task);
                    }
                    // Recorded as submitted before a restart: its request is not sent again.
                    let submitted = self.execution.task_submission(task).cloned();
                    let abort = if crate::nested::is_nested(&call.resource) {
                        if submitted.is_some() && !crate::nested::waits_for_child(&call.resource) {
                            continue;
                        }
                        let name = engine::task_uuid(info.task_secret, task);
                        let run = crate::nested::run(Arc::clone(&self.shared), call, name, submitted, self.tx.clone());
                        tokio::spawn(run).abort_handle()
                    } else if submitted.is_some() {
                        continue;
                    } else {
                        self.invoke(call, callback)
                    };
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
                    self.activities.remove(&task);
                    self.callbacks.remove(&task);
                    if let Some(handle) = self.tasks.remove(&task) {
                        handle.abort();
                    }
                }
            }
        }
    }
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
        Event::TimersFired { timers } => commit.timers_removed.extend(timers),
        Event::TaskSucceeded { task, .. } | Event::TaskFailed { task, .. } | Event::TaskScheduleFailed { task, .. } => {
            commit.tasks_finished.push(*task)
        }
        _ => {}
    }
    for command in &step.commands {
        match command {
            Command::RunTask { task, state, resource, input, timeout_seconds, heartbeat_seconds } => {
                commit.tasks.push(TaskRecord {
                    execution_arn: arn.clone(),
                    task_id: *task,
                    token: engine::task_token(execution.info().task_secret, *task),
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
