//! External signals: `StopExecution`, `SendTaskSuccess` / `SendTaskFailure` /
//! `SendTaskHeartbeat` and activity workers (`GetActivityTask`).
//!
//! Each call writes its signal to the store's inbox and answers once it is stored; the
//! driver of the execution, on whichever node holds its lease, feeds it to the engine and
//! removes it in one commit. The driver on this node is woken at once; other nodes find
//! their signals by polling the store every `Options::poll_ms`.

use crate::codec::encode_event;
use crate::slot::wake;
use crate::{now_millis, Error, Runtime, Shared};
use engine::Event;
use expr::Value;
use std::sync::Arc;
use std::time::Duration;
use store::{ExecutionStatus, Store, TaskState};
use tokio::sync::Notify;

/// How long `stop` waits for the local driver to record the end of the execution.
const STOP_WAIT: Duration = Duration::from_secs(5);

/// A task handed to an activity worker.
#[derive(Debug, Clone, PartialEq)]
pub struct ActivityTask {
    pub token: String,
    /// JSON text.
    pub input: String,
}

/// A fresh random task-token secret (128 bits from the system's source).
pub(crate) fn task_secret() -> Result<u128, Error> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| Error::Random(e.to_string()))?;
    Ok(u128::from_be_bytes(bytes))
}

/// The notification that a task of `activity_arn` was scheduled on this node.
pub(crate) fn activity_notify<S>(shared: &Shared<S>, activity_arn: &str) -> Arc<Notify> {
    let mut activities = shared.activities.lock().unwrap_or_else(|e| e.into_inner());
    Arc::clone(activities.entry(activity_arn.to_string()).or_default())
}

/// Every `poll_ms`: wakes the drivers of this node's executions that have signals waiting
/// (accepted by other nodes), and the pollers of activities (tasks scheduled elsewhere).
pub(crate) async fn poll_loop<S: Store>(shared: Arc<Shared<S>>) {
    let mut tick = tokio::time::interval(Duration::from_millis(shared.options.poll_ms.max(1)));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        // A failed read is tried again at the next tick.
        if let Ok(arns) = shared.store.signalled(&shared.options.node).await {
            for arn in arns {
                wake(&shared, &arn);
            }
        }
    }
}

impl<S: Store> Runtime<S> {
    /// `StopExecution`: aborts a RUNNING execution with an optional error and cause; returns
    /// the stop date (epoch milliseconds). Once the stop is stored it waits (a few seconds
    /// at most) for the execution's driver to record the end. Stopping a closed execution
    /// changes nothing and returns its stop date.
    pub async fn stop(&self, execution_arn: &str, error: Option<String>, cause: Option<String>) -> Result<i64, Error> {
        let store = &self.shared.store;
        let closed = |e: &store::Execution| e.stopped.unwrap_or_else(now_millis);
        let execution = store.execution(execution_arn).await?;
        let execution = execution.ok_or_else(|| Error::NoExecution(execution_arn.to_string()))?;
        if execution.status != ExecutionStatus::Running {
            return Ok(closed(&execution));
        }
        let event = encode_event(&Event::Stopped { error, cause });
        match store.add_signal(execution_arn, event, now_millis()).await {
            Ok(_) => {}
            Err(store::Error::Conflict { .. }) => {} // it closed meanwhile
            Err(e) => return Err(e.into()),
        }
        wake(&self.shared, execution_arn);
        let deadline = tokio::time::Instant::now() + STOP_WAIT;
        loop {
            let execution = store.execution(execution_arn).await?;
            let execution = execution.ok_or_else(|| Error::NoExecution(execution_arn.to_string()))?;
            if execution.status != ExecutionStatus::Running {
                return Ok(closed(&execution));
            }
            if tokio::time::Instant::now() >= deadline {
                return Ok(now_millis());
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// `SendTaskSuccess`: the task of `token` succeeded with `output` (JSON text).
    pub async fn send_task_success(&self, token: &str, output: &str) -> Result<(), Error> {
        let task = self.open_task(token).await?;
        let output: Value = expr::json::from_str(output).map_err(|e| Error::Output(e.to_string()))?;
        self.signal_task(&task.execution_arn, Event::TaskSucceeded { task: task.task_id, output }).await
    }

    /// `SendTaskFailure`: the task of `token` failed with this error and cause.
    pub async fn send_task_failure(&self, token: &str, error: &str, cause: &str) -> Result<(), Error> {
        let task = self.open_task(token).await?;
        let event = Event::TaskFailed { task: task.task_id, error: error.to_string(), cause: cause.to_string() };
        self.signal_task(&task.execution_arn, event).await
    }

    /// `SendTaskHeartbeat`: the task of `token` is still working (its `HeartbeatSeconds`
    /// clock starts again).
    pub async fn send_task_heartbeat(&self, token: &str) -> Result<(), Error> {
        let task = self.open_task(token).await?;
        self.signal_task(&task.execution_arn, Event::TaskHeartbeat { task: task.task_id }).await
    }

    /// `GetActivityTask`: the oldest task scheduled for the activity, taken by `worker`, or
    /// `None` when none came within `max_wait`. A task scheduled while it waits is handed
    /// over at once (on this node; within `poll_ms` from another).
    pub async fn get_activity_task(
        &self,
        activity_arn: &str,
        worker: &str,
        max_wait: Duration,
    ) -> Result<Option<ActivityTask>, Error> {
        let shared = &self.shared;
        if shared.store.activity(activity_arn).await?.is_none() {
            return Err(Error::NoActivity(activity_arn.to_string()));
        }
        let notify = activity_notify(shared, activity_arn);
        let deadline = tokio::time::Instant::now() + max_wait;
        let poll = Duration::from_millis(shared.options.poll_ms.max(1));
        loop {
            // Registered before looking, so that a task scheduled meanwhile is not missed.
            let notified = notify.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let worker_name = worker.to_string();
            let started = Box::new(move |task: &store::TaskRecord| {
                encode_event(&Event::TaskStarted { task: task.task_id, worker: worker_name })
            });
            if let Some((task, _)) =
                shared.store.take_activity_task(activity_arn, worker, now_millis(), started).await?
            {
                wake(shared, &task.execution_arn);
                return Ok(Some(ActivityTask { token: task.token, input: task.input }));
            }
            let now = tokio::time::Instant::now();
            if now >= deadline {
                return Ok(None);
            }
            let _ = tokio::time::timeout((deadline - now).min(poll), notified).await;
        }
    }

    /// The task of a token, while it is waited for.
    async fn open_task(&self, token: &str) -> Result<store::TaskRecord, Error> {
        if !engine::is_task_token(token) {
            return Err(Error::InvalidToken);
        }
        let task = self.shared.store.task_by_token(token).await?.ok_or(Error::NoTask)?;
        if task.state == TaskState::Finished {
            return Err(Error::TaskClosed);
        }
        Ok(task)
    }

    /// Queues a task's signal and wakes its driver here.
    async fn signal_task(&self, execution_arn: &str, event: Event) -> Result<(), Error> {
        match self.shared.store.add_signal(execution_arn, encode_event(&event), now_millis()).await {
            Ok(_) => {}
            Err(store::Error::Conflict { .. }) => return Err(Error::TaskClosed),
            Err(e) => return Err(e.into()),
        }
        wake(&self.shared, execution_arn);
        Ok(())
    }
}
