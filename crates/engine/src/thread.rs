//! A thread of control: one path through a machine (the top level, a Parallel branch or a
//! Map iteration), its current state, and what it waits for.

use crate::variables::Frame;
use crate::{TaskId, TimerId};
use asl::{Machine, StateId};
use expr::Value;
use std::collections::VecDeque;
use std::sync::Arc;

pub(crate) type ThreadId = usize;

/// An ASL error as it travels through Retry, Catch and the parents of a thread. `Fail`
/// states may leave either part out.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Fault {
    pub error: Option<String>,
    pub cause: Option<String>,
}

impl From<expr::Failure> for Fault {
    fn from(f: expr::Failure) -> Self {
        Fault { error: Some(f.error), cause: Some(f.cause) }
    }
}

pub(crate) struct Thread {
    pub machine: Arc<Machine>,
    pub state: StateId,
    /// The raw input of the current state.
    pub input: Value,
    /// Set for branches and iterations.
    pub parent: Option<Child>,
    /// The id of the last history event of this thread (for `previousEventId`).
    pub last_event: u64,
    /// The id of the current state's `...StateEntered` event.
    pub entered_event: u64,
    /// The `previousEventId` of that event.
    pub entered_previous: u64,
    pub entered_time: i64,
    /// Attempts made per retrier of the current state.
    pub attempts: Vec<u32>,
    /// Retries of the current state so far (`$$.State.RetryCount`).
    pub retry_count: u32,
    pub wait: Wait,
    pub resume: Resume,
    /// A Parallel or Map state wrote its `...StateStarted` event in this attempt.
    pub started: bool,
    /// A Distributed Map iteration: its events belong to a child execution's history,
    /// not to this one.
    pub quiet: bool,
    /// The workflow variables this thread assigns in (and the outer ones it reads).
    pub vars: Arc<Frame>,
    /// A Parallel or Map that failed or was aborted while its children ran: their results
    /// so far and the children to run again on a redrive (`Join::parked`).
    pub redrive: Option<Box<Join>>,
}

/// Where a child thread reports to.
#[derive(Clone, Copy)]
pub(crate) struct Child {
    pub parent: ThreadId,
    pub index: usize,
}

/// What a blocked thread waits for.
pub(crate) enum Wait {
    None,
    Task(TaskWait),
    /// A Wait state's timer.
    Timer(TimerId),
    /// A retry's delay.
    Backoff(TimerId),
    /// The branches of a Parallel or the iterations of a Map.
    Join(Box<Join>),
    /// The thread failed or was aborted in its current state: it waits for a redrive.
    Parked,
}

/// Why a ready thread runs.
pub(crate) enum Resume {
    /// Nothing to do (a stale entry of the ready queue).
    Idle,
    /// Enter the current state.
    Enter,
    /// (Re)attempt the current state without entering it again: after a retry delay.
    Attempt,
    TaskDone(Result<Value, Fault>),
    /// The task ended in a fault whose event is already written: its `TimeoutSeconds` or
    /// `HeartbeatSeconds` ran out, or it could not be scheduled.
    TaskFaulted(Fault),
    TimerDone,
    JoinDone(Result<Vec<Value>, Fault>),
}

/// A running task and the timers that bound it.
pub(crate) struct TaskWait {
    pub task: TaskId,
    /// Fires when `TimeoutSeconds` runs out.
    pub timeout: Option<TimerId>,
    /// Fires when no heartbeat came for `HeartbeatSeconds`.
    pub heartbeat: Option<(TimerId, u64)>,
    /// The response of the request, once a callback or `.sync` task was submitted.
    pub submitted: Option<Value>,
}

/// The mark of an index whose child is not running (not started, or finished).
pub(crate) const NOT_RUNNING: ThreadId = usize::MAX;

/// The children of a Parallel or Map state.
pub(crate) struct Join {
    pub is_map: bool,
    /// Results by index.
    pub results: Vec<Value>,
    /// The running child of each index, or [`NOT_RUNNING`].
    pub children: Vec<ThreadId>,
    /// How many children run now.
    pub in_flight: usize,
    /// Children that have not finished (running or not started).
    pub remaining: usize,
    /// Map items not started yet, with their index.
    pub pending: VecDeque<(usize, Value)>,
    /// At most this many iterations at once; 0 means no limit.
    pub limit: usize,
    /// The Map state's effective input, for `ItemSelector`.
    pub selector_input: Value,
    /// Children that failed or were aborted (index, parked thread): a redrive reruns them.
    pub parked: Vec<(usize, ThreadId)>,
}
