//! Queries and pages: what a list or read asks for, and what it gets back.

use crate::{Error, ExecutionStatus, Result};

/// One page of a list: the items and the cursor of the next page (`None` on the last).
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next: Option<String>,
}

/// Where a page starts and how long it may be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest {
    /// A cursor from a previous [`Page::next`]; `None` for the first page.
    pub cursor: Option<String>,
    /// At most this many items (at least 1 is returned when there are any).
    pub limit: usize,
}

impl PageRequest {
    pub fn first(limit: usize) -> PageRequest {
        PageRequest { cursor: None, limit }
    }

    /// The limit, at least 1.
    pub fn size(&self) -> usize {
        self.limit.max(1)
    }

    /// The cursor as the position it encodes (backends hand out decimal positions).
    pub fn position(&self) -> Result<Option<u64>> {
        match &self.cursor {
            None => Ok(None),
            Some(text) => text.parse().map(Some).map_err(|_| Error::InvalidCursor(text.clone())),
        }
    }
}

/// Which executions to list (`ListExecutions`): newest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecutionQuery {
    /// Only the executions of this state machine; `None` for all.
    pub state_machine_arn: Option<String>,
    /// Only those with this status (`statusFilter`).
    pub status: Option<ExecutionStatus>,
    /// Only those redriven at least once (`Some(true)`, AWS's `REDRIVEN`) or never
    /// (`Some(false)`, `NOT_REDRIVEN`): `redriveFilter`.
    pub redriven: Option<bool>,
    pub page: PageRequest,
}

/// Which history events to read (`GetExecutionHistory`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryQuery {
    pub execution_arn: String,
    /// Newest first (`reverseOrder`).
    pub reverse: bool,
    /// The cursor is the id of the last event of the previous page.
    pub page: PageRequest,
}

/// Which timers are due.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimerQuery {
    /// Timers with `fire_at <= now`.
    pub now: i64,
    /// Only timers of executions whose lease this node holds; `None` for all.
    pub node: Option<String>,
    pub limit: usize,
}
