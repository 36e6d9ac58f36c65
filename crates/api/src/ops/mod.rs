//! The operations: each reads its request object and answers AWS's response shape.

mod activities;
mod aliases;
mod executions;
mod machines;
mod map_runs;
mod tags;
mod versions;

pub use activities::*;
pub use aliases::*;
pub use executions::*;
pub use machines::*;
pub use map_runs::*;
pub use tags::*;
pub use versions::*;
