//! Stepstone's composition root, as a library so that tests and benchmarks reach it.

pub mod approval;
pub mod cli;
pub mod config;
pub mod history_json;
pub mod invoke;
pub mod local;
