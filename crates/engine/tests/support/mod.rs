//! Shared test support: the scripted driver and history as JSON.

pub mod driver;
pub mod history;
