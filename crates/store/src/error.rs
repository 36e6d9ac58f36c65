//! The errors of a store.

/// What went wrong in a store operation. Domain answers (not found, already exists) are
/// variants for the `api` crate to map onto AWS's error codes.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Error {
    /// The named record does not exist (a state machine, execution or activity).
    #[error("{kind} does not exist: '{key}'")]
    NotFound { kind: &'static str, key: String },
    /// An idempotent create met a different record under the same name
    /// (`StateMachineAlreadyExists`, `ExecutionAlreadyExists`).
    #[error("{kind} already exists: '{key}'")]
    AlreadyExists { kind: &'static str, key: String },
    /// Optimistic concurrency: the writer's view of the execution is stale
    /// (`expected_next_event_id` or the fed event sequence does not match), or it is closed.
    #[error("conflict on execution '{execution_arn}': {reason}")]
    Conflict { execution_arn: String, reason: String },
    /// The committing node no longer holds the execution's lease.
    #[error("node '{node}' does not hold the lease of execution '{execution_arn}'")]
    LeaseLost { execution_arn: String, node: String },
    /// The record is referenced and cannot be deleted: a version an alias routes to
    /// (`by`: the aliases' names).
    #[error("{key} is in use by {by:?}")]
    InUse { key: String, by: Vec<String> },
    /// A pagination cursor that this store did not hand out.
    #[error("invalid pagination cursor '{0}'")]
    InvalidCursor(String),
    /// A malformed request: a bug in the caller, not a user error.
    #[error("invalid store request: {0}")]
    Invalid(String),
    /// The backend failed (I/O, SQL, a stopped writer).
    #[error("storage backend failed: {0}")]
    Backend(String),
}

/// The result of a store operation.
pub type Result<T, E = Error> = std::result::Result<T, E>;
