//! One atomic write for one execution, and the checks every backend makes before applying it.

use crate::{Error, Execution, ExecutionStatus, FedEvent, HistoryEvent, Result, TaskRecord, Timer};

/// Everything one step of an execution writes, applied all together or not at all.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Commit {
    pub execution_arn: String,
    /// The node writing. When set, it must hold the execution's lease, else
    /// [`Error::LeaseLost`]. `None` skips the check (a single-node runtime).
    pub node: Option<String>,
    /// The execution's `next_event_id` as the writer last saw it; a mismatch is
    /// [`Error::Conflict`].
    pub expected_next_event_id: u64,
    /// Events fed to the interpreter, with `seq` continuing the execution's `next_seq`.
    pub fed: Vec<FedEvent>,
    /// History events, with ids continuing from `expected_next_event_id`.
    pub history: Vec<HistoryEvent>,
    /// The execution closes (or its record changes) with this commit.
    pub status: Option<StatusChange>,
    pub timers_added: Vec<Timer>,
    /// Ids of timers no longer needed (fired or cancelled). Unknown ids are ignored.
    pub timers_removed: Vec<u64>,
    /// Tasks scheduled, or updated (heartbeat deadline, state): keyed by task id.
    pub tasks: Vec<TaskRecord>,
    /// Ids of tasks whose result is recorded or that were cancelled. Unknown ids are ignored.
    pub tasks_finished: Vec<u64>,
    /// Ids of this execution's [`crate::Signal`]s consumed by this commit (removed from the
    /// inbox with it). A signal that is not waiting for this execution is [`Error::Conflict`].
    pub signals_consumed: Vec<u64>,
    /// The commit reopens a closed execution (`RedriveExecution`): see [`Redrive`].
    pub redrive: Option<Redrive>,
}

/// A redrive: the execution, FAILED, TIMED_OUT or ABORTED as stored (else
/// [`Error::Conflict`]), is RUNNING again, its stop date, output, error and cause are
/// cleared, its `redrive_count` grows by one and `redrive_date` is set, and `lease` (usually
/// the writing node's) is taken, all with the rest of the commit (the fed `Redriven` event,
/// its history, timers and tasks). The lease check is skipped: a closed execution has none.
/// The concurrency guard still applies, so of two redrives from the same state one wins.
#[derive(Debug, Clone, PartialEq)]
pub struct Redrive {
    pub date: i64,
    pub lease: Option<crate::Lease>,
}

/// A new status and what comes with it.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusChange {
    pub status: ExecutionStatus,
    pub output: Option<String>,
    pub error: Option<String>,
    pub cause: Option<String>,
    pub stopped: Option<i64>,
}

/// `StartExecution`: the execution record and its first commit, written together.
#[derive(Debug, Clone, PartialEq)]
pub struct Start {
    /// With `status` RUNNING, `next_event_id` 1 and `next_seq` 0. Its `lease`, if any, lets
    /// the starting node drive it at once.
    pub execution: Execution,
    /// Usually `Started` fed and `ExecutionStarted` recorded. Its `expected_next_event_id`
    /// is 1.
    pub commit: Commit,
}

/// What a store knows of an execution when it checks a commit.
#[derive(Debug, Clone, Copy)]
pub struct Guard<'a> {
    pub status: ExecutionStatus,
    pub next_event_id: u64,
    pub next_seq: u64,
    pub lease_node: Option<&'a str>,
}

impl<'a> From<&'a Execution> for Guard<'a> {
    fn from(execution: &'a Execution) -> Guard<'a> {
        Guard {
            status: execution.status,
            next_event_id: execution.next_event_id,
            next_seq: execution.next_seq,
            lease_node: execution.lease.as_ref().map(|l| l.node.as_str()),
        }
    }
}

impl Commit {
    /// Checks the commit against the execution as stored. Order: the lease, then the
    /// concurrency guard, then the shape of the commit. On `Ok` the backend may write.
    ///
    /// The lease is checked by identity, not by time: a claim by another node is what takes
    /// a lease away, and claims and commits are serialized by the store, so a holder whose
    /// lease merely ran out can still commit until someone else claims the execution.
    pub fn check(&self, guard: Guard<'_>) -> Result<()> {
        let arn = &self.execution_arn;
        let conflict = |reason: String| Error::Conflict { execution_arn: arn.clone(), reason };
        if let (Some(node), None) = (&self.node, &self.redrive) {
            if guard.lease_node != Some(node.as_str()) {
                return Err(Error::LeaseLost { execution_arn: arn.clone(), node: node.clone() });
            }
        }
        let open = match self.redrive {
            None => guard.status == ExecutionStatus::Running,
            Some(_) => {
                matches!(guard.status, ExecutionStatus::Failed | ExecutionStatus::TimedOut | ExecutionStatus::Aborted)
            }
        };
        if !open {
            return Err(conflict(format!("the execution is {}", guard.status.name())));
        }
        if self.expected_next_event_id != guard.next_event_id {
            return Err(conflict(format!(
                "expected next event id {}, stored {}",
                self.expected_next_event_id, guard.next_event_id
            )));
        }
        if let Some(first) = self.fed.first() {
            if first.seq != guard.next_seq {
                return Err(conflict(format!("fed event seq {}, stored next seq {}", first.seq, guard.next_seq)));
            }
        }
        self.check_shape()
    }

    /// The checks that need no stored state: one execution, gapless ids and seqs.
    fn check_shape(&self) -> Result<()> {
        let arn = &self.execution_arn;
        let invalid = |what: &str| Err(Error::Invalid(format!("commit for '{arn}': {what}")));
        if self.fed.iter().zip(self.fed.iter().skip(1)).any(|(a, b)| b.seq != a.seq + 1) {
            return invalid("fed event seqs are not consecutive");
        }
        let expected_ids = self.expected_next_event_id..;
        if self.history.iter().zip(expected_ids).any(|(event, id)| event.id != id) {
            return invalid("history event ids do not continue from expected_next_event_id");
        }
        let foreign = self.fed.iter().map(|e| &e.execution_arn).chain(self.history.iter().map(|e| &e.execution_arn));
        let foreign = foreign
            .chain(self.timers_added.iter().map(|t| &t.execution_arn))
            .chain(self.tasks.iter().map(|t| &t.execution_arn));
        if foreign.into_iter().any(|a| a != arn) {
            return invalid("a record names another execution");
        }
        if self.status.as_ref().is_some_and(|s| s.status == ExecutionStatus::Running) {
            return invalid("a status change to RUNNING");
        }
        Ok(())
    }

    /// The execution's `next_event_id` after this commit.
    pub fn next_event_id(&self) -> u64 {
        self.expected_next_event_id + self.history.len() as u64
    }

    /// The execution's `next_seq` after this commit, from the one before it.
    pub fn next_seq(&self, before: u64) -> u64 {
        self.fed.last().map_or(before, |e| e.seq + 1)
    }
}
