//! The operations: each reads its request object and answers AWS's response shape.

mod activities;
mod aliases;
mod executions;
mod express;
mod machines;
mod test_state;
mod tasks;
mod map_runs;
mod redrive;
mod tags;
mod versions;

pub use activities::*;
pub use aliases::*;
pub use executions::*;
pub use express::*;
pub use machines::*;
pub use test_state::*;
pub use tasks::*;
pub use map_runs::*;
pub use redrive::*;
pub use tags::*;
pub use versions::*;
