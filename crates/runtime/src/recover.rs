//! Recovery: claim executions whose lease ran out, rebuild each by replaying its fed events
//! ([`replay`]), re-arm its stored timers and run again the tasks whose result was not
//! recorded.

use crate::codec::decode_event;
use crate::driver::{self, Driver};
use crate::slot::{self, Slot};
use crate::{now_millis, Error, Shared};
use asl::{MachineType, StateMachine};
use engine::{Command, Execution, ExecutionInfo, HistoryEvent, Step};
use std::sync::Arc;
use std::time::Duration;
use store::{ExecutionStatus, FedEvent, Kind, Store};

/// Parses a stored definition.
pub(crate) fn parse(arn: &str, definition: &str, kind: Kind) -> Result<Arc<StateMachine>, Error> {
    let kind = match kind {
        Kind::Standard => MachineType::Standard,
        Kind::Express => MachineType::Express,
    };
    asl::parse_str(definition, kind).machine.map(Arc::new).ok_or_else(|| Error::Definition(arn.to_string()))
}

/// Renews this node's leases, claims what can be claimed, and adopts every execution it
/// holds that is not driven here: the claimed ones, and those it held before a restart under
/// the same node name. Returns the first error only when nothing could be adopted. An
/// execution whose slot another only reserved is waited for up to `wait`, then left to it.
pub(crate) async fn claim_and_adopt<S: Store>(shared: &Arc<Shared<S>>, wait: Duration) -> Result<Vec<String>, Error> {
    let options = &shared.options;
    let mut held = shared.store.renew(&options.node, now_millis(), options.lease_ms).await?;
    let claimed = shared.store.claim(&options.node, now_millis(), options.lease_ms, options.claim_limit).await?;
    held.extend(claimed);
    let mut adopted = Vec::new();
    let mut first_error = None;
    for arn in held {
        // Held from before the store is read until the driver runs: meanwhile no start,
        // redrive or driver here can commit and leave this read behind. A slot another only
        // reserved (a start, a redrive, a concurrent round) soon holds a driver or is free.
        let Some(slot) = slot::reserve_unless_driven(shared, &arn, wait).await else { continue };
        match rebuild(&slot, &arn).await {
            Ok(Some((driver, commands))) => {
                // Signals accepted before this node took the execution over are consumed at once.
                if driver::spawn(slot, driver, commands, true) {
                    adopted.push(arn);
                }
            }
            Ok(None) => {}
            Err(e) => {
                // Not driven here: let the lease go, so that any node (maybe this one, at
                // the next round) tries again rather than the lease being renewed forever.
                let _ = shared.store.release(&options.node, std::slice::from_ref(&arn)).await;
                first_error.get_or_insert(e);
            }
        }
    }
    match first_error {
        Some(e) if adopted.is_empty() => Err(e),
        _ => Ok(adopted),
    }
}

/// Rebuilds one held execution from the store, with the commands its driver carries out
/// first (its stored timers, its unrecorded tasks); `None` when it is no longer running.
async fn rebuild<S: Store>(slot: &Slot<S>, arn: &str) -> Result<Option<(Driver<S>, Vec<Command>)>, Error> {
    let store = &slot.shared.store;
    let Some(record) = store.execution(arn).await? else { return Ok(None) };
    if record.status != ExecutionStatus::Running {
        return Ok(None);
    }
    let replay_error = |reason: String| Error::Replay { execution_arn: arn.to_string(), reason };
    let fed = store.fed_events(arn).await?;
    let (execution, _) = replay(&record, &fed)?;
    let last_now = fed.last().map_or(record.started, |e| e.now);
    let mut commands: Vec<Command> = store
        .timers(arn)
        .await?
        .into_iter()
        .map(|t| Command::StartTimer { timer: t.timer_id, fire_at: t.fire_at })
        .collect();
    for task in store.pending_tasks(arn).await? {
        let input = expr::json::from_str(&task.input).map_err(|e| replay_error(format!("task input: {e}")))?;
        commands.push(Command::RunTask {
            task: task.task_id,
            state: task.state_name,
            resource: task.resource,
            input,
            timeout_seconds: None,
            heartbeat_seconds: None,
        });
    }
    let driver = Driver::new(slot, execution, record.next_event_id, record.next_seq, last_now);
    Ok(Some((driver, commands)))
}

/// Rebuilds an execution from its stored record and its fed events (in `seq` order), with the
/// history the replay gave. The engine is deterministic, so that history is the stored one;
/// a replay that does not end at the record's `next_event_id` and `next_seq` is an error.
pub fn replay(record: &store::Execution, fed: &[FedEvent]) -> Result<(Execution, Vec<HistoryEvent>), Error> {
    let arn = &record.arn;
    let replay_error = |reason: String| Error::Replay { execution_arn: arn.clone(), reason };
    let definition = parse(arn, &record.definition, record.kind)?;
    let info = ExecutionInfo {
        execution_arn: arn.clone(),
        name: record.name.clone(),
        role_arn: record.role_arn.clone(),
        state_machine_arn: record.state_machine_arn.clone(),
        state_machine_name: record.state_machine_arn.rsplit(':').next().unwrap_or_default().to_string(),
        start_time: record.started,
        seed: record.seed,
        task_secret: record.task_secret,
        record_history: true,
    };
    let mut execution = Execution::new(definition, info);
    let mut step = Step::default();
    for (seq, fed_event) in fed.iter().enumerate() {
        if fed_event.seq != seq as u64 {
            return Err(replay_error(format!("fed event {seq} has seq {}", fed_event.seq)));
        }
        let event = decode_event(&fed_event.event_json).map_err(|e| replay_error(e.to_string()))?;
        // The commands of the replay were carried out (or stored) when the events were fed.
        execution.apply(event, fed_event.now, &mut step);
        step.commands.clear();
    }
    let events = step.history.len() as u64;
    if events + 1 != record.next_event_id || fed.len() as u64 != record.next_seq {
        return Err(replay_error(format!(
            "replay gave {events} history events from {} fed events; stored next event id {}, next seq {}",
            fed.len(),
            record.next_event_id,
            record.next_seq
        )));
    }
    Ok((execution, step.history))
}
