//! The conformance suite: the behaviour every [`Store`] backend must show, as async test
//! functions. A backend runs them all from its own tests with [`run_all`], giving a factory
//! of empty stores.
//!
//! These functions assert and panic: they are test code, shipped in the library so that
//! every backend runs the very same tests.

mod catalog;
mod commits;
mod executions;
mod leases;
mod redrive;
mod signals;
mod versions;

pub use catalog::*;
pub use commits::*;
pub use executions::*;
pub use leases::*;
pub use redrive::*;
pub use signals::*;
pub use versions::*;

use crate::{
    Commit, Execution, ExecutionStatus, FedEvent, HistoryEvent, Kind, Start, StateMachine, Store, TaskRecord, TaskState,
};
use std::future::Future;

/// Runs every conformance test, each on a fresh store from `factory`.
pub async fn run_all<S, F, Fut>(mut factory: F)
where
    S: Store,
    F: FnMut() -> Fut,
    Fut: Future<Output = S>,
{
    macro_rules! cases {
        ($($case:ident),* $(,)?) => {$(
            eprintln!("store conformance: {}", stringify!($case));
            $case(&factory().await).await;
        )*};
    }
    cases!(
        state_machine_create_is_idempotent,
        state_machines_list_in_pages,
        activities_are_idempotent_and_listed,
        start_is_idempotent,
        start_is_atomic,
        executions_list_newest_first_with_filters,
        parent_is_kept_from_the_start,
        commit_writes_everything,
        stale_commit_conflicts_and_writes_nothing,
        failed_commit_leaves_nothing,
        history_pages_both_ways,
        fed_events_replay_in_order,
        timers_fall_due,
        tasks_pending_by_token_and_activity,
        claim_takes_free_and_expired_leases,
        renew_and_release,
        start_with_a_lease,
        signals_are_consumed_exactly_once,
        signalled_lists_held_executions_with_signals,
        take_activity_task_queues_its_signal,
        update_replaces_the_machine,
        versions_number_and_publish_idempotently,
        aliases_route_to_versions,
        tags_are_set_on_machines_and_activities,
        redrive_reopens_a_closed_execution,
        redrive_is_refused_unless_closed_unsuccessfully,
        executions_list_by_redrive_filter,
    );
}

/// A STANDARD state machine named `name`.
pub fn machine(name: &str) -> StateMachine {
    StateMachine {
        arn: format!("arn:aws:states:us-east-1:123456789012:stateMachine:{name}"),
        name: name.to_string(),
        kind: Kind::Standard,
        definition: format!(r#"{{"StartAt":"{name}","States":{{"{name}":{{"Type":"Pass","End":true}}}}}}"#),
        role_arn: "arn:aws:iam::123456789012:role/r".to_string(),
        created: 1_700_000_000_000,
        revision_id: "r1".to_string(),
        description: String::new(),
        configuration: String::new(),
        tags: vec![("team".to_string(), "a".to_string())],
    }
}

/// The ARN of execution `name` of `machine`.
pub fn execution_arn(machine: &StateMachine, name: &str) -> String {
    format!("{}:{name}", machine.arn.replace(":stateMachine:", ":execution:"))
}

/// A RUNNING execution, not yet stored.
pub fn execution(machine: &StateMachine, name: &str, input: &str) -> Execution {
    Execution {
        arn: execution_arn(machine, name),
        state_machine_arn: machine.arn.clone(),
        started_through: None,
        parent_arn: None,
        name: name.to_string(),
        kind: Kind::Standard,
        status: ExecutionStatus::Running,
        input: input.to_string(),
        output: None,
        error: None,
        cause: None,
        started: 1_700_000_001_000,
        stopped: None,
        definition: machine.definition.clone(),
        role_arn: machine.role_arn.clone(),
        seed: u64::MAX - 7,
        task_secret: 0x5eed,
        next_event_id: 1,
        next_seq: 0,
        lease: None,
        redrive_count: 0,
        redrive_date: None,
    }
}

/// A history event of `arn`, whose details name its id (so reads can be checked).
pub fn event(arn: &str, id: u64, timestamp: i64) -> HistoryEvent {
    HistoryEvent {
        execution_arn: arn.to_string(),
        id,
        previous_event_id: id.saturating_sub(1),
        timestamp,
        event_type: if id == 1 { "ExecutionStarted" } else { "PassStateEntered" }.to_string(),
        details_json: format!(r#"{{"name":"s{id}"}}"#),
    }
}

/// The commit after `execution` (as stored): one fed event and `events` history events.
pub fn step(execution: &Execution, events: u64, now: i64) -> Commit {
    let arn = &execution.arn;
    let first = execution.next_event_id;
    Commit {
        execution_arn: arn.clone(),
        expected_next_event_id: first,
        fed: vec![FedEvent {
            execution_arn: arn.clone(),
            seq: execution.next_seq,
            now,
            event_json: format!(r#"{{"Fed":{}}}"#, execution.next_seq),
        }],
        history: (first..first + events).map(|id| event(arn, id, now)).collect(),
        ..Commit::default()
    }
}

/// `StartExecution` of `name` with `input`: `Started` fed and `ExecutionStarted` recorded.
pub fn start(machine: &StateMachine, name: &str, input: &str) -> Start {
    let execution = execution(machine, name, input);
    let commit = step(&execution, 1, execution.started);
    Start { execution, commit }
}

/// A SCHEDULED task of `arn`.
pub fn task(arn: &str, task_id: u64, resource: &str) -> TaskRecord {
    TaskRecord {
        execution_arn: arn.to_string(),
        task_id,
        token: format!("token:{task_id}:{arn}"),
        state_name: format!("Task{task_id}"),
        resource: resource.to_string(),
        input: format!(r#"{{"task":{task_id}}}"#),
        timeout_at: Some(1_700_000_100_000),
        heartbeat_at: None,
        state: TaskState::Scheduled,
        worker: None,
    }
}

/// Creates `machine` and starts executions `names` on it (inputs `{}`), in that order.
pub async fn started<S: Store>(store: &S, machine: &StateMachine, names: &[&str]) -> Vec<Execution> {
    store.create_state_machine(machine.clone()).await.expect("create the state machine");
    let mut executions = Vec::new();
    for name in names {
        let created = store.start_execution(start(machine, name, "{}")).await.expect("start an execution");
        executions.push(created.value);
    }
    executions
}

/// The stored execution.
pub async fn reload<S: Store>(store: &S, arn: &str) -> Execution {
    store.execution(arn).await.expect("read the execution").expect("the execution exists")
}
