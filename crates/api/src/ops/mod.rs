//! The operations: each reads its request object and answers AWS's response shape.

mod executions;
mod machines;
mod tasks;

pub use executions::*;
pub use machines::*;
pub use tasks::*;
