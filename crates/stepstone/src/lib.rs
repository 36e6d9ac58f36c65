//! Stepstone's composition root, as a library so that tests and benchmarks reach it.

pub mod local;
pub mod invoke;
pub mod cli;
pub mod history_json;
