//! The inbox of external signals of the [`super::MemoryStore`].

use super::Inner;
use crate::{Commit, Error, ExecutionStatus, Result, Signal};
use std::collections::BTreeMap;

/// Waiting signals by id (ids grow, so the map is in arrival order).
#[derive(Default)]
pub(super) struct Inbox {
    last_id: u64,
    waiting: BTreeMap<u64, Signal>,
}

impl Inbox {
    pub(super) fn add(&mut self, execution_arn: &str, event_json: String, now: i64) -> Signal {
        self.last_id += 1;
        let signal = Signal { id: self.last_id, execution_arn: execution_arn.to_string(), event_json, created: now };
        self.waiting.insert(signal.id, signal.clone());
        signal
    }

    pub(super) fn of(&self, execution_arn: &str) -> Vec<Signal> {
        self.waiting.values().filter(|s| s.execution_arn == execution_arn).cloned().collect()
    }

    /// The executions with signals waiting, each once, in order of their oldest signal.
    pub(super) fn executions(&self) -> Vec<String> {
        let mut arns: Vec<String> = Vec::new();
        for signal in self.waiting.values() {
            if !arns.contains(&signal.execution_arn) {
                arns.push(signal.execution_arn.clone());
            }
        }
        arns
    }

    /// Every consumed signal must be waiting for the commit's execution.
    pub(super) fn check_consumed(&self, commit: &Commit) -> Result<()> {
        for id in &commit.signals_consumed {
            if self.waiting.get(id).is_none_or(|s| s.execution_arn != commit.execution_arn) {
                return Err(Error::Conflict {
                    execution_arn: commit.execution_arn.clone(),
                    reason: format!("signal {id} is not waiting for this execution"),
                });
            }
        }
        Ok(())
    }

    /// Removes the consumed signals, and every signal of the execution when it closed.
    pub(super) fn consume(&mut self, execution_arn: &str, ids: &[u64], closed: bool) {
        for id in ids {
            self.waiting.remove(id);
        }
        if closed {
            self.waiting.retain(|_, s| s.execution_arn != execution_arn);
        }
    }
}

impl Inner {
    /// `NotFound` for an unknown execution, `Conflict` for a closed one.
    pub(super) fn check_running(&self, arn: &str) -> Result<()> {
        match self.executions.get(arn) {
            None => Err(Error::NotFound { kind: "Execution", key: arn.to_string() }),
            Some(e) if e.status != ExecutionStatus::Running => Err(Error::Conflict {
                execution_arn: arn.to_string(),
                reason: format!("the execution is {}", e.status.name()),
            }),
            Some(_) => Ok(()),
        }
    }
}
