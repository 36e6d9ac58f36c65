//! The single writer thread: it takes write jobs from many callers, runs as many as are
//! waiting in one transaction (group commit), each inside its own savepoint, and answers each
//! caller once the transaction is durable.

use rusqlite::Connection;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, TryRecvError};
use std::sync::Arc;
use store::Error;

/// Counts of the writer's work, to see how well writes group.
#[derive(Debug, Default)]
pub struct Counters {
    pub batches: AtomicU64,
    pub writes: AtomicU64,
}

/// Answers a caller, given how the batch's transaction ended.
pub type Finish = Box<dyn FnOnce(Result<(), Error>) + Send>;
/// Runs one write on the writer's connection (`None`: the batch already failed, so do not
/// run): whether it succeeded, and how to answer.
pub type Job = Box<dyn FnOnce(Option<&Connection>) -> (bool, Finish) + Send>;

/// Makes a job of a write, answering through a oneshot channel.
pub fn job<T: Send + 'static>(
    op: impl FnOnce(&Connection) -> Result<T, Error> + Send + 'static,
) -> (Job, tokio::sync::oneshot::Receiver<Result<T, Error>>) {
    let (tx, rx) = tokio::sync::oneshot::channel();
    let job: Job = Box::new(move |conn: Option<&Connection>| {
        let result = match conn {
            Some(conn) => op(conn),
            None => Err(Error::Backend("not run: its write batch failed".into())),
        };
        let ok = result.is_ok();
        let finish: Finish = Box::new(move |batch: Result<(), Error>| {
            // The caller may have gone away; its answer is then not needed.
            let _ = tx.send(result.and_then(|value| batch.map(|()| value)));
        });
        (ok, finish)
    });
    (job, rx)
}

/// The writer thread's loop: until every sender is gone.
pub fn run(conn: Connection, jobs: Receiver<Job>, max_batch: usize, counters: Arc<Counters>) {
    let mut batch = Vec::with_capacity(max_batch);
    while let Ok(first) = jobs.recv() {
        batch.push(first);
        while batch.len() < max_batch {
            match jobs.try_recv() {
                Ok(job) => batch.push(job),
                Err(TryRecvError::Empty | TryRecvError::Disconnected) => break,
            }
        }
        counters.batches.fetch_add(1, Ordering::Relaxed);
        counters.writes.fetch_add(batch.len() as u64, Ordering::Relaxed);
        run_batch(&conn, batch.drain(..));
    }
}

fn backend(err: rusqlite::Error) -> Error {
    Error::Backend(err.to_string())
}

/// One transaction for the whole batch; a failed job rolls back to its savepoint and leaves
/// the others alone. If the transaction itself fails, every caller gets the error.
fn run_batch(conn: &Connection, batch: impl Iterator<Item = Job>) {
    let mut finishes = Vec::new();
    let mut broken: Option<Error> = conn.execute_batch("BEGIN IMMEDIATE").err().map(backend);
    for job in batch {
        if broken.is_none() {
            broken = conn.execute_batch("SAVEPOINT job").err().map(backend);
        }
        if broken.is_some() {
            // The transaction cannot commit: the job is not run, and hears the error.
            let (_, finish) = job(None);
            finishes.push(finish);
            continue;
        }
        let (ok, finish) = job(Some(conn));
        let end = if ok { "RELEASE job" } else { "ROLLBACK TO job; RELEASE job" };
        if let Err(err) = conn.execute_batch(end) {
            broken = Some(backend(err));
        }
        finishes.push(finish);
    }
    let outcome = match broken {
        Some(err) => Err(err),
        None => conn.execute_batch("COMMIT").map_err(backend),
    };
    if outcome.is_err() && !conn.is_autocommit() {
        // Nothing of the batch may stay; if even the rollback fails, the next BEGIN fails and
        // its callers hear about it.
        let _ = conn.execute_batch("ROLLBACK");
    }
    for finish in finishes {
        finish(outcome.clone());
    }
}
