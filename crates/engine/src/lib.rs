//! The interpreter of the Amazon States Language: a deterministic state machine.
//!
//! [`Execution::apply`] takes one [`Event`] (start, task result, timer fired, stop) and
//! returns, through a [`Step`], the [`HistoryEvent`]s it caused and the [`Command`]s for the
//! runtime to carry out (run a task, start a timer). Time, ids and the random seed arrive as
//! inputs, so the same events always give the same history.

mod context;
mod dataflow;
mod errors;
mod event;
mod execution;
mod history;
mod redrive;
mod retry;
mod states;
mod task_uuid;
pub mod test_state;
mod thread;
mod token;
mod variables;

pub use event::{Command, Event, Step, TaskId, TimerId};
pub use execution::{Execution, ExecutionInfo, Status, MAX_HISTORY_EVENTS};
pub use history::{Details, HistoryEvent, StateType};
pub use states::task::{is_activity, is_callback};
pub use task_uuid::task_uuid;
pub use token::{is_task_token, task_token, TASK_TOKEN_LEN};

/// The largest payload AWS accepts: 256 KiB of UTF-8.
pub const MAX_PAYLOAD_BYTES: usize = 262_144;
