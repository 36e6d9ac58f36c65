//! The interpreter of the Amazon States Language: a deterministic state machine.
//!
//! [`Execution::apply`] takes one [`Event`] (start, task result, timer fired, stop) and
//! returns the [`HistoryEvent`]s it caused and the [`Command`]s for the runtime to carry out
//! (schedule a task, start a timer). Time, ids and the random seed arrive as inputs, so the
//! same events always give the same history.

mod history;
pub use history::{HistoryEvent, Details, StateType};
