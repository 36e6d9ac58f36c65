//! What an expression can read: the state's input (`$`), the context object (`$$`), randomness.

use crate::Rng;
use crate::Value;

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
}
