//! What an expression can read: the state's input (`$`), the context object (`$$`), the
//! workflow variables (`$name`), randomness.

use crate::Rng;
use crate::Value;

/// Workflow variables by name, as expressions read them.
pub trait Variables {
    fn get(&self, name: &str) -> Option<&Value>;
}

/// No workflow variables at all.
pub struct NoVariables;

impl Variables for NoVariables {
    fn get(&self, _name: &str) -> Option<&Value> {
        None
    }
}

/// The roots an expression is evaluated against.
///
/// The context object is built on demand (`context()`), because most states never read it and
/// building it costs an allocation of the execution input.
pub struct Scope<'a> {
    /// `$`: the effective input of the state (or the result, for `ResultSelector`).
    pub input: &'a Value,
    /// `$$`: builds the context object. Called only when an expression reads `$$`.
    pub context: &'a dyn Fn() -> Value,
    /// Randomness for `States.UUID` and `States.MathRandom` without a seed.
    pub rng: &'a Rng,
    /// `$name`: the workflow variables visible to the state.
    pub variables: &'a dyn Variables,
}
