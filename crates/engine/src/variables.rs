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

    /// The variables assigned in this scope (not the outer ones).
    pub fn own(&self) -> &Map {
        &self.own
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

#[cfg(test)]
mod tests {
    use super::*;

    fn values(name: &str, value: Value) -> Map {
        let mut map = Map::new();
        map.insert(name, value);
        map
    }

    #[test]
    fn scopes_read_outward_and_assign_in_their_own() {
        let mut outer = Arc::new(Frame::default());
        Frame::assign(&mut outer, &values("x", Value::from(1))).unwrap();
        let mut inner = Frame::child(&outer);
        assert_eq!(inner.get("x"), Some(&Value::from(1)));
        Frame::assign(&mut inner, &values("x", Value::from(2))).unwrap();
        assert_eq!(inner.get("x"), Some(&Value::from(2)));
        assert_eq!(outer.get("x"), Some(&Value::from(1)), "an inner scope never writes the outer one");
        assert_eq!(inner.get("nope"), None);
    }

    #[test]
    fn one_variable_over_256_kib_is_refused_and_nothing_is_assigned() {
        let mut frame = Arc::new(Frame::default());
        let mut both = values("small", Value::from(1));
        both.insert("big", Value::from("a".repeat(MAX_VARIABLE_BYTES)));
        let failure = Frame::assign(&mut frame, &both).unwrap_err();
        assert_eq!(failure.error, "States.Runtime");
        assert!(failure.cause.contains("'big'"), "{}", failure.cause);
        assert_eq!(frame.get("small"), None);
    }

    #[test]
    fn all_variables_over_10_mib_are_refused() {
        let mut frame = Arc::new(Frame::default());
        let chunk = Value::from("a".repeat(MAX_VARIABLE_BYTES - 100));
        let mut result = Ok(());
        for i in 0..(MAX_TOTAL_BYTES / MAX_VARIABLE_BYTES + 2) {
            result = Frame::assign(&mut frame, &values(&format!("v{i}"), chunk.clone()));
            if result.is_err() {
                break;
            }
        }
        assert!(result.is_err(), "the 10 MiB limit was never reached");
    }
}
