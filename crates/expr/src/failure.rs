//! An ASL error raised while evaluating an expression: error name and cause, as data.

/// An ASL-level failure (`States.Runtime`, `States.IntrinsicFailure`, ...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub error: String,
    pub cause: String,
}

impl Failure {
    pub fn new(error: impl Into<String>, cause: impl Into<String>) -> Self {
        Failure { error: error.into(), cause: cause.into() }
    }

    /// `States.Runtime`: an unrecoverable error in the data (bad path and the like).
    pub fn runtime(cause: impl Into<String>) -> Self {
        Failure::new("States.Runtime", cause)
    }

    /// `States.IntrinsicFailure`: an intrinsic function call failed.
    pub fn intrinsic(cause: impl Into<String>) -> Self {
        Failure::new("States.IntrinsicFailure", cause)
    }
}
