//! The operations: each reads its request object and answers AWS's response shape.

mod activities;
mod aliases;
mod executions;
mod express;
mod machines;
mod map_runs;
mod redrive;
mod tags;
mod tasks;
mod test_state;
mod versions;

pub use activities::*;
pub use aliases::*;
pub use executions::*;
pub use express::*;
pub use machines::*;
pub use map_runs::*;
pub use redrive::*;
pub use tags::*;
pub use tasks::*;
pub use test_state::*;
pub use versions::*;
