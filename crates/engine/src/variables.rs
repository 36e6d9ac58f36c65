//! Workflow variables: the scope each thread assigns in, the outer scopes it reads, and the
//! limits AWS sets on what is stored.
//!
//! A Parallel branch or Map iteration starts a scope of its own whose parent is the scope of
//! the thread that runs the Parallel or Map state. That thread waits while its children run,
//! so sharing its scope (an `Arc`) is a faithful snapshot; it is copied only if it assigns
//! while a child still holds it.

use expr::{Failure, Map, Value, Variables};
use std::sync::Arc;

/// The most one variable may hold: 256 KiB.
pub(crate) const MAX_VARIABLE_BYTES: usize = 262_144;
/// The most all the variables of an execution may hold together: 10 MiB.
pub(crate) const MAX_TOTAL_BYTES: usize = 10 * 1024 * 1024;

#[derive(Debug, Default, Clone)]
pub(crate) struct Frame {
    own: Map,
    parent: Option<Arc<Frame>>,
}

impl Frame {
    /// A new scope inside `parent` (a branch or an iteration).
    pub fn child(parent: &Arc<Frame>) -> Arc<Frame> {
        Arc::new(Frame { own: Map::new(), parent: Some(parent.clone()) })
    }

    /// Sets `values` in this scope, after checking the size limits.
    pub fn assign(frame: &mut Arc<Frame>, values: &Map) -> Result<(), Failure> {
        for (name, value) in values.iter() {
            if value.summary().encoded_len > MAX_VARIABLE_BYTES {
                return Err(Failure::runtime(format!(
                    "The value assigned to the variable '{name}' is larger than the 256 KiB limit for one variable."
                )));
            }
        }
        let own = &mut Arc::make_mut(frame).own;
        for (name, value) in values.iter() {
            own.insert(name.clone(), value.clone());
        }
        if frame.total_size() > MAX_TOTAL_BYTES {
            return Err(Failure::runtime(
                "The workflow variables of the execution are larger than the 10 MiB limit.".to_string(),
            ));
        }
        Ok(())
    }

    /// The size of every variable visible from this scope.
    fn total_size(&self) -> usize {
        let own = self.own.summary().encoded_len;
        own + self.parent.as_ref().map_or(0, |p| p.total_size())
    }
}

impl Variables for Frame {
    fn get(&self, name: &str) -> Option<&Value> {
        match self.own.get(name) {
            Some(value) => Some(value),
            None => self.parent.as_deref()?.get(name),
        }
    }
}
