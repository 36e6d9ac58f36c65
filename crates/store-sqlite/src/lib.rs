//! The SQLite backend of the store: one file in WAL mode, migrated on open, written by one
//! thread that batches the writes of many callers into one transaction (group commit), and
//! read through separate connections.

mod read;
mod redrive;
mod schema;
mod signals;
#[cfg(test)]
mod tests;
mod versions;
mod write;
mod writer;

pub use schema::VERSION as SCHEMA_VERSION;

use rusqlite::{Connection, OpenFlags};
use std::path::{Path, PathBuf};
use std::sync::mpsc::Sender;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use store::{
    Activity, Alias, Commit, Created, Execution, ExecutionQuery, FedEvent, HistoryEvent, HistoryQuery, Page,
    PageRequest, Signal, Start, StateMachine, Store, Tag, TaskRecord, Timer, TimerQuery, Version,
};

/// What can go wrong opening a database.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("SQLite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("the database has schema version {found}, newer than this build's {known}")]
    TooNew { found: usize, known: usize },
    #[error("cannot start the writer thread: {0}")]
    Thread(#[from] std::io::Error),
}

/// How durable a commit is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    /// fsync at every commit: a commit survives power loss (`synchronous = FULL`).
    Full,
    /// fsync at checkpoints only: a commit survives a killed process, not power loss
    /// (`synchronous = NORMAL`).
    Normal,
}

/// How to open the store.
#[derive(Debug, Clone)]
pub struct Options {
    pub durability: Durability,
    /// At most this many writes in one transaction.
    pub max_batch: usize,
    /// Reader connections kept open between reads.
    pub readers: usize,
}

impl Default for Options {
    fn default() -> Options {
        Options { durability: Durability::Full, max_batch: 512, readers: 4 }
    }
}

/// How many write transactions the writer ran, and how many writes they held.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stats {
    pub batches: u64,
    pub writes: u64,
}

/// The SQLite [`Store`]. Cheap to clone; the writer thread stops when the last clone drops.
/// Reads and writes need a tokio runtime (reads run on its blocking pool).
#[derive(Clone)]
pub struct SqliteStore {
    shared: Arc<Shared>,
}

struct Shared {
    path: PathBuf,
    jobs: Option<Mutex<Sender<writer::Job>>>,
    readers: Mutex<Vec<Connection>>,
    keep_readers: usize,
    writer: Option<JoinHandle<()>>,
    counters: Arc<writer::Counters>,
}

impl Drop for Shared {
    fn drop(&mut self) {
        // Closing the channel ends the writer's loop once it has answered every job.
        self.jobs.take();
        if let Some(writer) = self.writer.take() {
            let _ = writer.join();
        }
    }
}

fn writer_stopped() -> store::Error {
    store::Error::Backend("the SQLite writer has stopped".into())
}

fn reader(path: &Path) -> rusqlite::Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI;
    let conn = Connection::open_with_flags(path, flags)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    Ok(conn)
}

impl SqliteStore {
    /// Opens (creating if needed) the database file at `path` and migrates it.
    pub fn open(path: impl AsRef<Path>, options: Options) -> Result<SqliteStore, Error> {
        let path = path.as_ref().to_path_buf();
        let mut conn = Connection::open(&path)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        let sync = match options.durability {
            Durability::Full => "FULL",
            Durability::Normal => "NORMAL",
        };
        conn.pragma_update(None, "synchronous", sync)?;
        schema::migrate(&mut conn)?;
        conn.set_prepared_statement_cache_capacity(64);
        let (tx, rx) = std::sync::mpsc::channel();
        let max_batch = options.max_batch.max(1);
        let counters = Arc::new(writer::Counters::default());
        let writer_counters = Arc::clone(&counters);
        let writer = std::thread::Builder::new()
            .name("store-sqlite-writer".into())
            .spawn(move || writer::run(conn, rx, max_batch, writer_counters))?;
        let readers = Mutex::new(vec![reader(&path)?]);
        let shared = Shared {
            path,
            jobs: Some(Mutex::new(tx)),
            readers,
            keep_readers: options.readers.max(1),
            writer: Some(writer),
            counters,
        };
        Ok(SqliteStore { shared: Arc::new(shared) })
    }

    /// The writer's counts so far.
    pub fn stats(&self) -> Stats {
        let counters = &self.shared.counters;
        Stats {
            batches: counters.batches.load(std::sync::atomic::Ordering::Relaxed),
            writes: counters.writes.load(std::sync::atomic::Ordering::Relaxed),
        }
    }

    /// Runs `op` on the writer thread, in the next batch.
    async fn write<T: Send + 'static>(
        &self,
        op: impl FnOnce(&Connection) -> store::Result<T> + Send + 'static,
    ) -> store::Result<T> {
        let (job, answer) = writer::job(op);
        self.send(job)?;
        answer.await.map_err(|_| writer_stopped())?
    }

    /// Queues a job for the writer.
    fn send(&self, job: writer::Job) -> store::Result<()> {
        let jobs = self.shared.jobs.as_ref().ok_or_else(writer_stopped)?;
        let jobs = jobs.lock().map_err(|_| writer_stopped())?;
        jobs.send(job).map_err(|_| writer_stopped())
    }

    /// Runs `op` on a reader connection, on tokio's blocking pool.
    async fn read<T: Send + 'static>(
        &self,
        op: impl FnOnce(&Connection) -> store::Result<T> + Send + 'static,
    ) -> store::Result<T> {
        let shared = Arc::clone(&self.shared);
        let task = tokio::task::spawn_blocking(move || {
            let pooled = shared.readers.lock().ok().and_then(|mut pool| pool.pop());
            let conn = match pooled {
                Some(conn) => conn,
                None => reader(&shared.path).map_err(read::backend)?,
            };
            let result = op(&conn);
            if let Ok(mut pool) = shared.readers.lock() {
                if pool.len() < shared.keep_readers {
                    pool.push(conn);
                }
            }
            result
        });
        task.await.map_err(|err| store::Error::Backend(format!("a read failed: {err}")))?
    }
}

impl Store for SqliteStore {
    async fn create_state_machine(&self, machine: StateMachine) -> store::Result<Created<StateMachine>> {
        self.write(move |conn| write::create_machine(conn, machine)).await
    }

    async fn state_machine(&self, arn: &str) -> store::Result<Option<StateMachine>> {
        let arn = arn.to_string();
        self.read(move |conn| read::machine_by_arn(conn, &arn)).await
    }

    async fn list_state_machines(&self, page: PageRequest) -> store::Result<Page<StateMachine>> {
        self.read(move |conn| read::machines(conn, &page)).await
    }

    async fn delete_state_machine(&self, arn: &str) -> store::Result<bool> {
        let arn = arn.to_string();
        self.write(move |conn| versions::delete_machine(conn, &arn)).await
    }

    async fn update_state_machine(&self, machine: StateMachine) -> store::Result<bool> {
        self.write(move |conn| versions::update_machine(conn, machine)).await
    }

    async fn publish_version(&self, version: Version) -> store::Result<Created<Version>> {
        self.write(move |conn| versions::publish(conn, version)).await
    }

    async fn version(&self, arn: &str) -> store::Result<Option<Version>> {
        let arn = arn.to_string();
        self.read(move |conn| versions::version_by_arn(conn, &arn)).await
    }

    async fn list_versions(&self, state_machine_arn: &str, page: PageRequest) -> store::Result<Page<Version>> {
        let arn = state_machine_arn.to_string();
        self.read(move |conn| versions::versions(conn, &arn, &page)).await
    }

    async fn delete_version(&self, arn: &str) -> store::Result<bool> {
        let arn = arn.to_string();
        self.write(move |conn| versions::delete_version(conn, &arn)).await
    }

    async fn create_alias(&self, alias: Alias) -> store::Result<Created<Alias>> {
        self.write(move |conn| versions::create_alias(conn, alias)).await
    }

    async fn alias(&self, arn: &str) -> store::Result<Option<Alias>> {
        let arn = arn.to_string();
        self.read(move |conn| versions::alias_by_arn(conn, &arn)).await
    }

    async fn update_alias(&self, alias: Alias) -> store::Result<bool> {
        self.write(move |conn| versions::update_alias(conn, alias)).await
    }

    async fn delete_alias(&self, arn: &str) -> store::Result<bool> {
        let arn = arn.to_string();
        self.write(move |conn| write::delete(conn, "aliases", &arn)).await
    }

    async fn list_aliases(&self, state_machine_arn: &str, page: PageRequest) -> store::Result<Page<Alias>> {
        let arn = state_machine_arn.to_string();
        self.read(move |conn| versions::aliases(conn, &arn, &page)).await
    }

    async fn set_tags(&self, arn: &str, tags: Vec<Tag>) -> store::Result<bool> {
        let arn = arn.to_string();
        self.write(move |conn| versions::set_tags(conn, &arn, &tags)).await
    }

    async fn create_activity(&self, activity: Activity) -> store::Result<Created<Activity>> {
        self.write(move |conn| write::create_activity(conn, activity)).await
    }

    async fn activity(&self, arn: &str) -> store::Result<Option<Activity>> {
        let arn = arn.to_string();
        self.read(move |conn| read::activity_by_arn(conn, &arn)).await
    }

    async fn list_activities(&self, page: PageRequest) -> store::Result<Page<Activity>> {
        self.read(move |conn| read::activities(conn, &page)).await
    }

    async fn delete_activity(&self, arn: &str) -> store::Result<bool> {
        let arn = arn.to_string();
        self.write(move |conn| write::delete(conn, "activities", &arn)).await
    }

    async fn claim_activity_task(&self, activity_arn: &str, worker: &str) -> store::Result<Option<TaskRecord>> {
        let (activity_arn, worker) = (activity_arn.to_string(), worker.to_string());
        self.write(move |conn| write::claim_activity_task(conn, &activity_arn, &worker)).await
    }

    async fn start_execution(&self, start: Start) -> store::Result<Created<Execution>> {
        self.write(move |conn| write::start(conn, start)).await
    }

    async fn execution(&self, arn: &str) -> store::Result<Option<Execution>> {
        let arn = arn.to_string();
        self.read(move |conn| Ok(read::execution_by_arn(conn, &arn)?.map(|(_, e)| e))).await
    }

    async fn list_executions(&self, query: ExecutionQuery) -> store::Result<Page<Execution>> {
        self.read(move |conn| read::executions(conn, &query)).await
    }

    async fn commit(&self, commit: Commit) -> store::Result<()> {
        self.write(move |conn| write::commit(conn, &commit)).await
    }

    async fn history(&self, query: HistoryQuery) -> store::Result<Page<HistoryEvent>> {
        self.read(move |conn| read::history(conn, &query)).await
    }

    async fn fed_events(&self, execution_arn: &str) -> store::Result<Vec<FedEvent>> {
        let arn = execution_arn.to_string();
        self.read(move |conn| read::fed_events(conn, &arn)).await
    }

    async fn due_timers(&self, query: TimerQuery) -> store::Result<Vec<Timer>> {
        self.read(move |conn| read::due_timers(conn, &query)).await
    }

    async fn timers(&self, execution_arn: &str) -> store::Result<Vec<Timer>> {
        let arn = execution_arn.to_string();
        self.read(move |conn| read::timers(conn, &arn)).await
    }

    async fn pending_tasks(&self, execution_arn: &str) -> store::Result<Vec<TaskRecord>> {
        let arn = execution_arn.to_string();
        self.read(move |conn| read::pending_tasks(conn, &arn)).await
    }

    async fn task_by_token(&self, token: &str) -> store::Result<Option<TaskRecord>> {
        let token = token.to_string();
        self.read(move |conn| read::task_by_token(conn, &token)).await
    }

    async fn claim(&self, node: &str, now: i64, lease_ms: i64, limit: usize) -> store::Result<Vec<String>> {
        let node = node.to_string();
        self.write(move |conn| write::claim(conn, &node, now, lease_ms, limit)).await
    }

    async fn renew(&self, node: &str, now: i64, lease_ms: i64) -> store::Result<Vec<String>> {
        let node = node.to_string();
        self.write(move |conn| write::renew(conn, &node, now, lease_ms)).await
    }

    async fn release(&self, node: &str, execution_arns: &[String]) -> store::Result<()> {
        let (node, arns) = (node.to_string(), execution_arns.to_vec());
        self.write(move |conn| write::release(conn, &node, &arns)).await
    }

    // --- signals (inbox) ---

    async fn add_signal(&self, execution_arn: &str, event_json: String, now: i64) -> store::Result<Signal> {
        let arn = execution_arn.to_string();
        self.write(move |conn| signals::add(conn, &arn, event_json, now)).await
    }

    async fn signals(&self, execution_arn: &str) -> store::Result<Vec<Signal>> {
        let arn = execution_arn.to_string();
        self.read(move |conn| signals::of(conn, &arn)).await
    }

    async fn signalled(&self, node: &str) -> store::Result<Vec<String>> {
        let node = node.to_string();
        self.read(move |conn| signals::signalled(conn, &node)).await
    }

    async fn take_activity_task(
        &self,
        activity_arn: &str,
        worker: &str,
        now: i64,
        started: Box<dyn FnOnce(&TaskRecord) -> String + Send>,
    ) -> store::Result<Option<(TaskRecord, Signal)>> {
        let (activity_arn, worker) = (activity_arn.to_string(), worker.to_string());
        self.write(move |conn| signals::take_activity_task(conn, &activity_arn, &worker, now, started)).await
    }
}
