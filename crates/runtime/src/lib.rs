//! Drives executions durably from a [`Store`]: each event is applied to the engine, and the
//! fed event, the history it caused and the timers and tasks it scheduled are written in one
//! [`store::Commit`] before any of those commands is carried out.
//!
//! A node holds a lease on each execution it drives and renews it; executions whose lease
//! ran out (their node died) are claimed and rebuilt by replaying their fed events, which
//! the engine turns into the same state again (it is deterministic). Their stored timers are
//! re-armed and their unfinished tasks run again.

mod codec;
mod driver;
mod express;
pub mod history;
mod nested;
mod recover;
mod redrive;
mod signals;
mod slot;

pub use codec::{decode_event, encode_event, history_record, history_records};
pub use express::{ExpressRequest, ExpressStart, SyncResult};
pub use recover::replay;
pub use redrive::not_redrivable;
pub use signals::ActivityTask;

use driver::Driver;
use engine::{Event, ExecutionInfo, Step, TaskId};
use expr::Value;
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use store::{ExecutionStatus, Lease, Start, Store};
use tokio::sync::Notify;
use tokio::task::JoinHandle;

/// A boxed future, so that [`Invoker`] can be used as a trait object.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A task's result: its output, or an ASL error `(error, cause)`.
pub type TaskResult = Result<Value, (String, String)>;

/// One Task state's work, as the runtime hands it to an [`Invoker`].
#[derive(Debug, Clone)]
pub struct TaskCall {
    pub execution_arn: String,
    pub task: TaskId,
    /// The task token (`$$.Task.Token`).
    pub token: String,
    /// The Task state's name.
    pub state: String,
    pub resource: String,
    pub input: Value,
}

/// Carries out Task states. A call may run again after a crash (its result was not
/// recorded), so the work should be idempotent.
pub trait Invoker: Send + Sync + 'static {
    fn invoke(&self, call: TaskCall) -> BoxFuture<'_, TaskResult>;
}

/// What can go wrong starting or recovering an execution.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Store(#[from] store::Error),
    #[error("state machine does not exist: '{0}'")]
    NoStateMachine(String),
    #[error("invalid execution input: {0}")]
    Input(String),
    /// A stored definition no longer parses: a bug or a changed parser.
    #[error("the definition of '{0}' does not parse")]
    Definition(String),
    /// Replaying the fed events did not give the stored history: a determinism bug.
    #[error("execution '{execution_arn}' cannot be replayed: {reason}")]
    Replay { execution_arn: String, reason: String },
    #[error("execution does not exist: '{0}'")]
    NoExecution(String),
    #[error("activity does not exist: '{0}'")]
    NoActivity(String),
    /// Not a task token this service hands out.
    #[error("invalid task token")]
    InvalidToken,
    /// A well-formed token that names no task.
    #[error("task does not exist")]
    NoTask,
    /// The task of the token has finished (done, timed out or cancelled).
    #[error("task timed out or is closed")]
    TaskClosed,
    /// `SendTaskSuccess` output that is not JSON.
    #[error("invalid task output: {0}")]
    Output(String),
    /// `RedriveExecution` refused, with AWS's reason.
    #[error("{0}")]
    NotRedrivable(String),
    /// The system's random source failed.
    #[error("no randomness: {0}")]
    Random(String),
}

/// How a runtime runs.
#[derive(Debug, Clone)]
pub struct Options {
    /// This node's name in leases.
    pub node: String,
    /// How long a lease lasts; it is renewed every third of it.
    pub lease_ms: i64,
    /// At most this many executions claimed per round.
    pub claim_limit: usize,
    /// How often the store is asked for signals (and activity tasks) that other nodes
    /// accepted for this node's executions; this node's own are noticed at once.
    pub poll_ms: u64,
}

impl Default for Options {
    fn default() -> Options {
        Options { node: "node-1".into(), lease_ms: 30_000, claim_limit: 100, poll_ms: 500 }
    }
}

/// `StartExecution`'s arguments.
#[derive(Debug, Clone)]
pub struct StartRequest {
    pub state_machine_arn: String,
    pub name: String,
    /// JSON text.
    pub input: String,
}

/// What a start through a version or an alias runs instead of the machine's current
/// definition: that version's (see [`Runtime::start_through`]).
#[derive(Debug, Clone)]
pub struct Through {
    pub definition: String,
    pub role_arn: String,
    /// Recorded as [`store::Execution::started_through`].
    pub started_through: String,
}

pub(crate) struct Shared<S> {
    pub(crate) store: Arc<S>,
    pub(crate) invoker: Arc<dyn Invoker>,
    pub(crate) options: Options,
    /// The slot of each execution this node drives or is about to (`slot`), by ARN.
    pub(crate) drivers: Mutex<HashMap<String, slot::DriverHandle>>,
    /// Woken when a task of the activity (by ARN) is scheduled here.
    pub(crate) activities: Mutex<HashMap<String, Arc<Notify>>>,
    /// Woken when the execution (by ARN) closes here: parents waiting for it (`nested`).
    pub(crate) closed: Mutex<HashMap<String, Arc<Notify>>>,
    /// Parsed definitions by type and text, so that a start does not parse again.
    machines: Mutex<HashMap<(store::Kind, String), Arc<asl::StateMachine>>>,
    /// The client tokens of recent redrives (`RedriveExecution`'s idempotency).
    redrive_tokens: Mutex<redrive::Tokens>,
}

/// How long [`Runtime::recover`] waits for an execution that is being taken over here.
const RECOVER_WAIT: Duration = Duration::from_secs(2);

/// At most this many parsed definitions are kept; past it the cache starts again.
const MAX_CACHED_MACHINES: usize = 1024;

impl<S> Shared<S> {
    /// The parsed definition of a stored state machine, parsed once per text.
    fn machine(&self, machine: &store::StateMachine) -> Result<Arc<asl::StateMachine>, Error> {
        let key = (machine.kind, machine.definition.clone());
        if let Some(parsed) = self.machines.lock().unwrap_or_else(|e| e.into_inner()).get(&key) {
            return Ok(Arc::clone(parsed));
        }
        let parsed = recover::parse(&machine.arn, &machine.definition, machine.kind)?;
        let mut machines = self.machines.lock().unwrap_or_else(|e| e.into_inner());
        if machines.len() >= MAX_CACHED_MACHINES {
            machines.clear();
        }
        machines.insert(key, Arc::clone(&parsed));
        Ok(parsed)
    }
}

/// Drives the executions of one node. Dropping it stops every driver, timer and task it
/// runs at once, as a crash would (what was committed stays; the rest is recovered).
pub struct Runtime<S: Store> {
    shared: Arc<Shared<S>>,
    lease_loop: JoinHandle<()>,
    signal_loop: JoinHandle<()>,
}

impl<S: Store> Runtime<S> {
    /// Starts the runtime on a tokio runtime: the lease loop renews this node's leases and
    /// claims (recovers) executions whose lease ran out, every third of `lease_ms`.
    pub fn new(store: Arc<S>, invoker: Arc<dyn Invoker>, options: Options) -> Runtime<S> {
        let shared = Arc::new(Shared {
            store,
            invoker,
            options,
            drivers: Mutex::default(),
            activities: Mutex::default(),
            closed: Mutex::default(),
            machines: Mutex::default(),
            redrive_tokens: Mutex::default(),
        });
        let lease_loop = tokio::spawn(lease_loop(Arc::clone(&shared)));
        let signal_loop = tokio::spawn(signals::poll_loop(Arc::clone(&shared)));
        Runtime { shared, lease_loop, signal_loop }
    }

    pub fn store(&self) -> &Arc<S> {
        &self.shared.store
    }

    /// Starts an execution of a stored state machine and drives it; returns its ARN. As
    /// AWS, the same name and input while it runs returns the running one.
    pub async fn start(&self, request: StartRequest) -> Result<String, Error> {
        self.start_through(request, None).await
    }

    /// [`Runtime::start`], running a version's definition and role when `through` is given.
    pub async fn start_through(&self, request: StartRequest, through: Option<Through>) -> Result<String, Error> {
        Self::start_with(&self.shared, request, through, None).await
    }

    /// [`Runtime::start_through`] on the shared parts (nested executions start here too,
    /// with the parent their input names, kept as the stored `parent_arn`).
    pub(crate) async fn start_with(
        shared: &Arc<Shared<S>>,
        request: StartRequest,
        through: Option<Through>,
        parent_arn: Option<String>,
    ) -> Result<String, Error> {
        let arn = &request.state_machine_arn;
        let mut machine = shared.store.state_machine(arn).await?.ok_or_else(|| Error::NoStateMachine(arn.clone()))?;
        let started_through = through.map(|t| {
            machine.definition = t.definition;
            machine.role_arn = t.role_arn;
            t.started_through
        });
        let definition = shared.machine(&machine)?;
        let input: Value = expr::json::from_str(&request.input).map_err(|e| Error::Input(e.to_string()))?;
        let now = now_millis();
        let execution_arn = format!("{}:{}", machine.arn.replacen(":stateMachine:", ":execution:", 1), request.name);
        let seed = seed(&execution_arn, now);
        let task_secret = signals::task_secret()?;
        let info = ExecutionInfo {
            execution_arn: execution_arn.clone(),
            name: request.name.clone(),
            role_arn: machine.role_arn.clone(),
            state_machine_arn: machine.arn.clone(),
            state_machine_name: machine.name.clone(),
            start_time: now,
            seed,
            task_secret,
            record_history: true,
        };
        let mut execution = engine::Execution::new(definition, info);
        let event = Event::Started { input };
        let mut step = Step::default();
        execution.apply(event.clone(), now, &mut step);
        let node = &shared.options.node;
        let mut commit = driver::commit(&execution, node, (1, 0), &event, now, &step);
        if let (Some(through), Some(started)) = (&started_through, commit.history.first_mut()) {
            started.details_json = history::add_started_through(&started.details_json, through);
        }
        let next_event_id = commit.next_event_id();
        // Taken before the execution is stored, so that the lease loop, which sees it held
        // by this node as soon as it is, leaves it to this start. Only an execution driven
        // here already can have its slot taken; then it is not created anew.
        let slot = slot::reserve(shared, &execution_arn);
        let record = store::Execution {
            arn: execution_arn.clone(),
            state_machine_arn: machine.arn,
            started_through,
            parent_arn,
            name: request.name,
            kind: machine.kind,
            status: ExecutionStatus::Running,
            input: request.input,
            output: None,
            error: None,
            cause: None,
            started: now,
            stopped: None,
            definition: machine.definition,
            role_arn: machine.role_arn,
            seed,
            task_secret,
            next_event_id: 1,
            next_seq: 0,
            lease: Some(Lease { node: node.clone(), until: now + shared.options.lease_ms }),
            redrive_count: 0,
            redrive_date: None,
        };
        let created = shared.store.start_execution(Start { execution: record, commit }).await?;
        if let Some(slot) = slot.filter(|_| created.created && *execution.status() == engine::Status::Running) {
            let driver = Driver::new(&slot, execution, next_event_id, 1, now);
            // A fresh execution: no signal can have been stored before its first commit.
            driver::spawn(slot, driver, step.commands, false);
        }
        Ok(execution_arn)
    }

    /// One round of recovery: renews this node's leases and claims executions whose lease is
    /// free or ran out; rebuilds each held execution not driven here (claimed, or held under
    /// this node's name before a restart) from its fed events and drives it. Returns the ARNs
    /// taken over; every held execution is driven here when it returns (one that a start, a
    /// redrive or the lease loop is taking over meanwhile is waited for, a few seconds at
    /// most). The lease loop runs rounds too, waiting for none.
    pub async fn recover(&self) -> Result<Vec<String>, Error> {
        recover::claim_and_adopt(&self.shared, RECOVER_WAIT).await
    }

    /// Runs an EXPRESS execution of `machine` to its end in memory (`StartSyncExecution`):
    /// nothing is stored, and it is cut at `request.max_duration`.
    pub async fn start_sync(
        &self,
        machine: &store::StateMachine,
        request: ExpressRequest,
    ) -> Result<SyncResult, Error> {
        let prepared = express::prepare(&self.shared, machine, request)?;
        Ok(prepared.run(express::invoker(&self.shared), None).await)
    }

    /// Starts an EXPRESS execution of `machine` in memory and returns at once; it runs in the
    /// background to its end (at most `request.max_duration`, and no longer than this
    /// runtime), and nothing is stored.
    pub fn start_express(&self, machine: &store::StateMachine, request: ExpressRequest) -> Result<ExpressStart, Error> {
        let prepared = express::prepare(&self.shared, machine, request)?;
        let start = prepared.start();
        let alive = Arc::downgrade(&self.shared) as std::sync::Weak<dyn std::any::Any + Send + Sync>;
        tokio::spawn(prepared.run(express::invoker(&self.shared), Some(alive)));
        Ok(start)
    }

    /// The executions this node is driving now.
    pub fn driving(&self) -> Vec<String> {
        let drivers = self.shared.drivers.lock().unwrap_or_else(|e| e.into_inner());
        drivers.iter().filter(|(_, holder)| holder.abort.is_some()).map(|(arn, _)| arn.clone()).collect()
    }
}

impl<S: Store> Drop for Runtime<S> {
    fn drop(&mut self) {
        self.lease_loop.abort();
        self.signal_loop.abort();
        let drivers = std::mem::take(&mut *self.shared.drivers.lock().unwrap_or_else(|e| e.into_inner()));
        // Reserved slots go too: what holds one then spawns no driver.
        for abort in drivers.into_values().filter_map(|holder| holder.abort) {
            abort.abort();
        }
    }
}

async fn lease_loop<S: Store>(shared: Arc<Shared<S>>) {
    let every = Duration::from_millis((shared.options.lease_ms / 3).max(1) as u64);
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        // A failed round is retried at the next tick; an execution that cannot be adopted
        // is released and tried again at a later round.
        // It does not wait for slots others reserved: the renewals of the next round must
        // not be late.
        let _ = recover::claim_and_adopt(&shared, Duration::ZERO).await;
    }
}

/// The wall clock, in epoch milliseconds.
pub(crate) fn now_millis() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

/// A per-execution seed from its ARN and start time (FNV-1a).
fn seed(execution_arn: &str, now: i64) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in execution_arn.bytes().chain(now.to_le_bytes()) {
        hash = (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
    }
    hash
}
