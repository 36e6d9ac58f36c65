//! `RedriveExecution`: a FAILED, TIMED_OUT or ABORTED execution is rebuilt from its fed
//! events, `Event::Redriven` is applied (the engine reruns what did not finish), and one
//! commit reopens it with that event, its history, timers and tasks; then it is driven as
//! any other. A crash after that commit is recovered like any running execution: its fed
//! events, `Redriven` among them, are replayed.

use crate::driver::{self, Driver};
use crate::recover::replay;
use crate::slot;
use crate::{now_millis, Error, Runtime};
use engine::{Event, Status, Step};
use std::collections::HashMap;
use std::time::Duration;
use store::{ExecutionStatus, Kind, Lease, Redrive, Store};

/// AWS's redrivable period: 14 days after the execution closed.
const REDRIVABLE_MS: i64 = 14 * 24 * 3600 * 1000;
/// AWS's maximum open time of an execution: one year.
const MAX_OPEN_MS: i64 = 365 * 24 * 3600 * 1000;
/// A redrive needs room for `ExecutionRedriven` and one more event: fewer than this many.
const MAX_HISTORY_EVENTS: u64 = 24_999;
/// How long a client token answers again with the same redrive (AWS: 15 minutes).
const TOKEN_MS: i64 = 15 * 60 * 1000;
/// How many client tokens are remembered per execution (AWS: the last 10).
const TOKENS_KEPT: usize = 10;
/// How long a redrive waits for the driver of the run that closed to leave.
const SLOT_WAIT: Duration = Duration::from_secs(1);

/// Why the execution cannot be redriven now, in AWS's words (`redriveStatusReason`, and the
/// message of `ExecutionNotRedrivable`); `None` when it can. `machine_exists`: whether its
/// state machine is still there (a deleted one is AWS's `DELETING`).
pub fn not_redrivable(execution: &store::Execution, machine_exists: bool, now: i64) -> Option<String> {
    match execution.status {
        ExecutionStatus::Running | ExecutionStatus::Succeeded => {
            return Some(format!("Execution is {} and cannot be redriven", execution.status.name()))
        }
        ExecutionStatus::Failed | ExecutionStatus::TimedOut | ExecutionStatus::Aborted => {}
    }
    if execution.kind != Kind::Standard {
        return Some("Execution of an EXPRESS state machine cannot be redriven".to_string());
    }
    if !machine_exists {
        return Some("State machine is in DELETING status".to_string());
    }
    if execution.next_event_id.saturating_sub(1) >= MAX_HISTORY_EVENTS {
        return Some("Execution history event limit exceeded".to_string());
    }
    if now - execution.started > MAX_OPEN_MS {
        return Some("Execution has exceeded the max execution time".to_string());
    }
    if execution.stopped.is_some_and(|stopped| now - stopped > REDRIVABLE_MS) {
        return Some("Execution redrivable period exceeded".to_string());
    }
    None
}

/// The client tokens of successful redrives, per execution: `(token, first used, redrive date)`.
#[derive(Default)]
pub(crate) struct Tokens(HashMap<String, Vec<(String, i64, i64)>>);

impl Tokens {
    fn get(&mut self, execution_arn: &str, token: &str, now: i64) -> Option<i64> {
        let kept = self.0.get_mut(execution_arn)?;
        kept.retain(|(_, used, _)| now - used < TOKEN_MS);
        kept.iter().find(|(t, _, _)| t == token).map(|(_, _, date)| *date)
    }

    fn put(&mut self, execution_arn: &str, token: String, now: i64) {
        let kept = self.0.entry(execution_arn.to_string()).or_default();
        kept.push((token, now, now));
        if kept.len() > TOKENS_KEPT {
            kept.remove(0);
        }
    }
}

impl<S: Store> Runtime<S> {
    /// `RedriveExecution`: reopens a closed execution and drives it; returns the redrive date.
    /// [`Error::NotRedrivable`] with AWS's reason when it cannot be. A `client_token` used by
    /// a successful redrive of the same execution in the last 15 minutes (one of its last 10)
    /// returns that redrive's date again.
    pub async fn redrive(&self, execution_arn: &str, client_token: Option<&str>) -> Result<i64, Error> {
        let shared = &self.shared;
        let store = &shared.store;
        let now = now_millis();
        if let Some(token) = client_token {
            if let Some(date) =
                shared.redrive_tokens.lock().unwrap_or_else(|e| e.into_inner()).get(execution_arn, token, now)
            {
                return Ok(date);
            }
        }
        let record = store.execution(execution_arn).await?;
        let record = record.ok_or_else(|| Error::NoExecution(execution_arn.to_string()))?;
        let machine_exists = store.state_machine(&record.state_machine_arn).await?.is_some();
        if let Some(reason) = not_redrivable(&record, machine_exists, now) {
            return Err(Error::NotRedrivable(reason));
        }
        // Taken before the reopening commit, so that the lease loop, which sees the execution
        // held by this node as soon as it is reopened, leaves it to this redrive. The driver
        // of the run that closed may still be leaving; if it does not in time, the lease loop
        // adopts the execution at a later round.
        let slot = slot::reserve_within(shared, execution_arn, SLOT_WAIT).await;
        let fed = store.fed_events(execution_arn).await?;
        let (mut execution, _) = replay(&record, &fed)?;
        // Time given to the engine never goes back.
        let now = now_millis();
        let now = fed.last().map_or(now, |e| e.now.max(now));
        let mut step = Step::default();
        execution.apply(Event::Redriven, now, &mut step);
        if step.history.is_empty() {
            // Nothing was parked to run again.
            let reason = format!("Execution is {} and cannot be redriven", record.status.name());
            return Err(Error::NotRedrivable(reason));
        }
        let node = &shared.options.node;
        let mut commit =
            driver::commit(&execution, node, (record.next_event_id, record.next_seq), &Event::Redriven, now, &step);
        let lease = Lease { node: node.clone(), until: now + shared.options.lease_ms };
        commit.redrive = Some(Redrive { date: now, lease: Some(lease) });
        let next_event_id = commit.next_event_id();
        match store.commit(commit).await {
            Ok(()) => {}
            Err(store::Error::Conflict { .. }) => {
                // Another redrive (or a change) came first: say why this one cannot apply.
                let record = store.execution(execution_arn).await?;
                let record = record.ok_or_else(|| Error::NoExecution(execution_arn.to_string()))?;
                let reason = not_redrivable(&record, machine_exists, now_millis())
                    .unwrap_or_else(|| "Execution is RUNNING and cannot be redriven".to_string());
                return Err(Error::NotRedrivable(reason));
            }
            Err(e) => return Err(e.into()),
        }
        if let Some(token) = client_token {
            shared.redrive_tokens.lock().unwrap_or_else(|e| e.into_inner()).put(execution_arn, token.to_string(), now);
        }
        if let Some(slot) = slot.filter(|_| *execution.status() == Status::Running) {
            let driver = Driver::new(&slot, execution, next_event_id, record.next_seq + 1, now);
            driver::spawn(slot, driver, step.commands, true);
        }
        Ok(now)
    }
}
