//! The JSON value that state data is made of: [`Value`], with shared strings ([`Str`]) and
//! objects that keep their key order ([`Map`]).
//!
//! Why not `serde_json::Value`: with key order kept, its objects are `IndexMap`s hashed by
//! SipHash, and every key and string is its own allocation. State data is many small
//! objects built, copied and dropped at every transition; here a string or key copy is a
//! reference count, and a small object is one vector scanned in order. `stepstone bench`
//! (W2 chain100) measured the difference; see BENCHMARKS.md. Parsing and printing go through
//! serde with serde_json's number type, so the JSON text is the same as serde_json's.

mod map;
mod serde;
mod str;
mod value;

pub use map::Map;
pub use str::Str;
pub use value::{Summary, Value};

/// A JSON number, exactly as serde_json keeps and prints it.
pub type Number = serde_json::Number;

/// Parses JSON text (into a [`Value`], or anything else serde reads).
pub fn from_str<T: ::serde::de::DeserializeOwned>(text: &str) -> Result<T, serde_json::Error> {
    serde_json::from_str(text)
}

/// Compact JSON text, as serde_json prints it.
pub fn to_string(value: &Value) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

/// Indented JSON text, as serde_json prints it.
pub fn to_string_pretty(value: &Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default()
}

#[doc(hidden)]
pub use serde_json as __serde_json;

/// Builds a [`Value`] from JSON-like syntax, as `serde_json::json!` does.
#[macro_export]
macro_rules! json {
    ($($body:tt)+) => {
        $crate::Value::from($crate::json::__serde_json::json!($($body)+))
    };
}
