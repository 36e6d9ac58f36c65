//! The operations: each reads its request object and answers AWS's response shape.

mod executions;
mod express;
mod machines;
mod test_state;
mod tasks;

pub use executions::*;
pub use express::*;
pub use machines::*;
pub use test_state::*;
pub use tasks::*;
