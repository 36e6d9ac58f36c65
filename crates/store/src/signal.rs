//! An external signal waiting in an execution's inbox (see the signals section of
//! [`crate::Store`]).

/// A signal for an execution's driver: an event for the interpreter, as opaque JSON text.
#[derive(Debug, Clone, PartialEq)]
pub struct Signal {
    /// Given by the store, increasing across the store.
    pub id: u64,
    pub execution_arn: String,
    /// The event to feed, as the runtime encodes it.
    pub event_json: String,
    /// When it was accepted (epoch milliseconds).
    pub created: i64,
}
