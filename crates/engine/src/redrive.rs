//! Redrive (`RedriveExecution`): an execution that failed, timed out or was aborted goes on
//! from the states that did not finish, with the same input; what succeeded is not run again.
//!
//! A thread that fails or is aborted stays parked in its state (`Wait::Parked`), and a
//! Parallel or Map that fails keeps its join: the results of the children that succeeded
//! and the children that failed or were aborted (`Join::parked`). A redrive writes
//! `ExecutionRedriven` and runs the parked states again without entering them again: a
//! Task is scheduled anew, a Map starts its unfinished iterations again (each with a new
//! `MapIterationStarted`) and items it had not started, a Parallel reruns its unfinished
//! branches. Retry counts start again; the execution's `TimeoutSeconds` starts again.

use crate::event::{Command, Step};
use crate::execution::{Execution, Status};
use crate::history::Details;
use crate::thread::{Resume, ThreadId, Wait};
use asl::{Kind, ProcessorMode};

impl Execution {
    /// Applies `Event::Redriven`: nothing unless the execution ended unsuccessfully.
    pub(crate) fn redrive(&mut self, step: &mut Step) {
        if matches!(self.status, Status::Running | Status::Succeeded { .. }) {
            return;
        }
        let root = (0..self.threads.len()).find(|&tid| {
            self.threads[tid].as_ref().is_some_and(|t| t.parent.is_none() && matches!(t.wait, Wait::Parked))
        });
        let Some(root) = root else { return };
        let count = self.redrive_count.unwrap_or(0) + 1;
        self.redrive_count = Some(count);
        self.redrive_time = Some(self.now);
        self.status = Status::Running;
        self.quiet = false;
        let mut last = self.next_event_id - 1;
        self.emit(step, &mut last, Details::ExecutionRedriven { redrive_count: count });
        if let Some(seconds) = self.def.timeout_seconds {
            let timer = self.handle();
            self.execution_timer = Some(timer);
            step.commands.push(Command::StartTimer { timer, fire_at: self.now + seconds as i64 * 1000 });
        }
        self.reopen(root, last, step);
    }

    /// Makes a parked thread run again after event `last`, and under it its parked children.
    fn reopen(&mut self, tid: ThreadId, last: u64, step: &mut Step) {
        let Some(mut t) = self.take_thread(tid) else { return };
        t.last_event = last;
        t.attempts.clear();
        t.retry_count = 0;
        t.wait = Wait::None;
        let join = t.redrive.take().filter(|j| !j.parked.is_empty() || !j.pending.is_empty());
        let Some(mut join) = join else {
            // A state with no children to go on with runs again whole.
            if !matches!(t.resume, Resume::Enter) {
                t.resume = Resume::Attempt;
            }
            self.put_back(tid, t);
            self.ready.push_back(tid);
            return;
        };
        let machine = t.machine.clone();
        let state = &machine.states[t.state];
        let distributed = matches!(&state.kind, Kind::Map(m) if m.mode == ProcessorMode::Distributed);
        let name = if self.info.record_history { state.name.clone() } else { String::new() };
        for (index, child) in std::mem::take(&mut join.parked) {
            if join.is_map {
                self.quiet = t.quiet || distributed;
                self.emit(step, &mut t.last_event, Details::MapIterationStarted { name: name.clone(), index });
                self.quiet = false;
            }
            self.reopen(child, t.last_event, step);
            join.children[index] = child;
            join.in_flight += 1;
        }
        let is_map = join.is_map;
        t.wait = Wait::Join(join);
        t.resume = Resume::Idle;
        if is_map {
            // Items the Map had not started yet start as its concurrency allows.
            if let Err(fault) = self.start_iterations(&mut t, tid, step) {
                t.resume = Resume::JoinDone(Err(fault));
                self.ready.push_back(tid);
            }
        }
        self.put_back(tid, t);
    }
}
