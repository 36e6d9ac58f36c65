//! The storage of Stepstone: the [`Store`] trait, the [`MemoryStore`], and the
//! [`conformance`] suite that every backend passes.
//!
//! A store keeps state machines, activities, executions and, per execution, its history, the
//! events fed to the interpreter (to replay it), its durable timers and its tasks. Every
//! change to an execution goes through one atomic [`Commit`], guarded by optimistic
//! concurrency (`next_event_id`) and, between several nodes, by leases.
//!
//! The store does not know the engine or the AWS wire format: payloads are opaque JSON texts.

mod commit;
pub mod conformance;
mod error;
mod memory;
mod query;
mod record;
mod signal;

pub use commit::{Commit, Guard, Redrive, Start, StatusChange};
pub use error::{Error, Result};
pub use memory::MemoryStore;
pub use query::{ExecutionQuery, HistoryQuery, Page, PageRequest, TimerQuery};
pub use record::{
    Activity, Alias, Created, Execution, ExecutionStatus, FedEvent, HistoryEvent, Kind, Lease, StateMachine, Tag,
    TaskRecord, TaskState, Timer, Version,
};
pub use signal::Signal;

use std::future::Future;

/// The storage of state machines, activities and durable executions.
///
/// Used generically (`S: Store`), so the methods are `async` with `Send` futures.
pub trait Store: Send + Sync + 'static {
    // --- state machines ---

    /// Creates a state machine, with AWS's idempotency: the same name with the same
    /// definition, type and configuration returns the stored one (`created: false`; role and
    /// tags are then ignored, as AWS does); any other difference is
    /// [`Error::AlreadyExists`].
    fn create_state_machine(&self, machine: StateMachine)
        -> impl Future<Output = Result<Created<StateMachine>>> + Send;
    fn state_machine(&self, arn: &str) -> impl Future<Output = Result<Option<StateMachine>>> + Send;
    /// In creation order.
    fn list_state_machines(&self, page: PageRequest) -> impl Future<Output = Result<Page<StateMachine>>> + Send;
    /// Whether it existed. Its versions and aliases go with it; its executions stay.
    fn delete_state_machine(&self, arn: &str) -> impl Future<Output = Result<bool>> + Send;

    // --- versions, aliases and tags ---

    /// Replaces the stored machine of the same ARN (`UpdateStateMachine`): definition, role,
    /// revision, description, configuration and tags. Whether it existed.
    fn update_state_machine(&self, machine: StateMachine) -> impl Future<Output = Result<bool>> + Send;
    /// Publishes a version of the machine `version.state_machine_arn`, which must exist
    /// ([`Error::NotFound`]). The store numbers it (one more than any version the machine
    /// ever had) and sets its `arn`. Idempotent as AWS: when the newest remaining version
    /// has the same `revision_id`, that one comes back (`created: false`).
    fn publish_version(&self, version: Version) -> impl Future<Output = Result<Created<Version>>> + Send;
    fn version(&self, arn: &str) -> impl Future<Output = Result<Option<Version>>> + Send;
    /// The versions of a machine, newest first.
    fn list_versions(
        &self,
        state_machine_arn: &str,
        page: PageRequest,
    ) -> impl Future<Output = Result<Page<Version>>> + Send;
    /// Whether it existed. A version an alias routes to is not deleted: [`Error::InUse`]
    /// names those aliases.
    fn delete_version(&self, arn: &str) -> impl Future<Output = Result<bool>> + Send;
    /// Creates an alias of an existing machine ([`Error::NotFound`] otherwise). Idempotent:
    /// the same name with the same description and routing returns the stored one; any other
    /// difference is [`Error::AlreadyExists`].
    fn create_alias(&self, alias: Alias) -> impl Future<Output = Result<Created<Alias>>> + Send;
    fn alias(&self, arn: &str) -> impl Future<Output = Result<Option<Alias>>> + Send;
    /// Replaces the description, routing and `updated` of the stored alias of the same ARN.
    /// Whether it existed.
    fn update_alias(&self, alias: Alias) -> impl Future<Output = Result<bool>> + Send;
    fn delete_alias(&self, arn: &str) -> impl Future<Output = Result<bool>> + Send;
    /// The aliases of a machine, in creation order.
    fn list_aliases(
        &self,
        state_machine_arn: &str,
        page: PageRequest,
    ) -> impl Future<Output = Result<Page<Alias>>> + Send;
    /// Replaces the tags of a state machine or an activity. Whether it exists.
    fn set_tags(&self, arn: &str, tags: Vec<Tag>) -> impl Future<Output = Result<bool>> + Send;

    // --- activities ---

    /// Idempotent on the name (AWS ignores differing tags): the stored one comes back.
    fn create_activity(&self, activity: Activity) -> impl Future<Output = Result<Created<Activity>>> + Send;
    fn activity(&self, arn: &str) -> impl Future<Output = Result<Option<Activity>>> + Send;
    /// In creation order.
    fn list_activities(&self, page: PageRequest) -> impl Future<Output = Result<Page<Activity>>> + Send;
    fn delete_activity(&self, arn: &str) -> impl Future<Output = Result<bool>> + Send;
    /// Hands the oldest SCHEDULED task of this activity (of a RUNNING execution) to `worker`
    /// and marks it STARTED; `None` when there is none.
    fn claim_activity_task(
        &self,
        activity_arn: &str,
        worker: &str,
    ) -> impl Future<Output = Result<Option<TaskRecord>>> + Send;

    // --- executions ---

    /// Inserts the execution and applies its first commit, atomically. The state machine
    /// must exist ([`Error::NotFound`]). Idempotent as AWS: the same ARN with the same input
    /// while RUNNING returns the stored one; otherwise [`Error::AlreadyExists`].
    fn start_execution(&self, start: Start) -> impl Future<Output = Result<Created<Execution>>> + Send;
    fn execution(&self, arn: &str) -> impl Future<Output = Result<Option<Execution>>> + Send;
    /// Newest first.
    fn list_executions(&self, query: ExecutionQuery) -> impl Future<Output = Result<Page<Execution>>> + Send;
    /// Applies one [`Commit`] atomically, after [`Commit::check`]. A terminal status change
    /// also releases the lease.
    fn commit(&self, commit: Commit) -> impl Future<Output = Result<()>> + Send;
    /// A page of history events; [`Error::NotFound`] for an unknown execution.
    fn history(&self, query: HistoryQuery) -> impl Future<Output = Result<Page<HistoryEvent>>> + Send;
    /// All fed events, in `seq` order, to replay the execution.
    fn fed_events(&self, execution_arn: &str) -> impl Future<Output = Result<Vec<FedEvent>>> + Send;

    // --- timers and tasks ---

    /// Timers with `fire_at <= now` of RUNNING executions, earliest first.
    fn due_timers(&self, query: TimerQuery) -> impl Future<Output = Result<Vec<Timer>>> + Send;
    /// All timers of an execution, by id.
    fn timers(&self, execution_arn: &str) -> impl Future<Output = Result<Vec<Timer>>> + Send;
    /// The SCHEDULED and STARTED tasks of an execution, by id.
    fn pending_tasks(&self, execution_arn: &str) -> impl Future<Output = Result<Vec<TaskRecord>>> + Send;
    /// A task by its token, whatever its state.
    fn task_by_token(&self, token: &str) -> impl Future<Output = Result<Option<TaskRecord>>> + Send;

    // --- leases ---

    /// Gives `node` the lease of up to `limit` RUNNING executions whose lease is free or
    /// expired (`until <= now`), oldest first, until `now + lease_ms`. Returns their ARNs.
    fn claim(
        &self,
        node: &str,
        now: i64,
        lease_ms: i64,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<String>>> + Send;
    /// Extends every lease `node` still holds to `now + lease_ms`; returns their ARNs.
    fn renew(&self, node: &str, now: i64, lease_ms: i64) -> impl Future<Output = Result<Vec<String>>> + Send;
    /// Gives up the leases `node` holds on these executions.
    fn release(&self, node: &str, execution_arns: &[String]) -> impl Future<Output = Result<()>> + Send;

    // --- signals (inbox) ---
    //
    // External signals (StopExecution, SendTaskSuccess/Failure/Heartbeat, a worker taking an
    // activity task) wait here, durably, for the driver of their execution, on whichever
    // node holds its lease. The driver feeds one to the interpreter and removes it in the
    // same [`Commit`] (`signals_consumed`), so a crash neither loses nor doubles it. A
    // terminal status change drops the execution's remaining signals.

    /// Queues a signal for a RUNNING execution and returns it (with its id) once durable.
    /// [`Error::NotFound`] for an unknown execution, [`Error::Conflict`] for a closed one.
    fn add_signal(
        &self,
        execution_arn: &str,
        event_json: String,
        now: i64,
    ) -> impl Future<Output = Result<Signal>> + Send;
    /// The signals waiting for an execution, oldest (lowest id) first.
    fn signals(&self, execution_arn: &str) -> impl Future<Output = Result<Vec<Signal>>> + Send;
    /// The RUNNING executions leased to `node` that have signals waiting, by ARN.
    fn signalled(&self, node: &str) -> impl Future<Output = Result<Vec<String>>> + Send;
    /// [`Store::claim_activity_task`] and, in the same atomic write, queues the signal
    /// `started(&task)` for the task's execution (the worker took it). `None` when no task
    /// is waiting.
    fn take_activity_task(
        &self,
        activity_arn: &str,
        worker: &str,
        now: i64,
        started: Box<dyn FnOnce(&TaskRecord) -> String + Send>,
    ) -> impl Future<Output = Result<Option<(TaskRecord, Signal)>>> + Send;
}
