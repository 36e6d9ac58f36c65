//! The picture of a state machine: its states and transitions laid out (layered, top to bottom,
//! `layered.rs`) and drawn as SVG, with each state coloured by its status in an execution. Pure: a
//! definition and an overlay in, an SVG document out; it never fails, and draws what it can of a
//! definition that is not valid (transitions to no state are dropped).
//!
//! Markup contract, for the console's scripts and styles: each state is
//! `<g class="state state-<status> type-<type>" data-state="NAME">` (a Parallel or Map state's
//! group holds its branches, each a `<g class="branch-box">` with its own states), each edge
//! `<g class="edge edge-<kind>" data-from="A" data-to="B">` with kind `start`, `next`, `choice`,
//! `default`, `catch` or `end` (a marker's end is empty), and the document is `<svg class="graph">`
//! with an embedded `<style>` holding the status colours (a page may set the `--graph-<status>`
//! and `--graph-<status>-border` CSS variables, `--graph-edge`, `--graph-catch`, `--graph-branch`).
//! The shapes that take a status colour carry `class="box"`, a direct child of their state's group.

mod draw;
mod labels;
mod layered;
mod model;
mod place;

use serde_json::Value;
use std::collections::BTreeMap;

pub use model::EdgeKind;
pub use place::{layout, Cluster, EdgePath, Layout, Rect, StateBox};

/// How far an execution got with a state, for its colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    NotStarted,
    InProgress,
    Succeeded,
    Failed,
    CaughtError,
    Aborted,
}

impl Status {
    /// The CSS class a state drawn with this status carries (`state-<class>`).
    pub fn class(self) -> &'static str {
        match self {
            Status::NotStarted => "not-started",
            Status::InProgress => "in-progress",
            Status::Succeeded => "succeeded",
            Status::Failed => "failed",
            Status::CaughtError => "caught-error",
            Status::Aborted => "aborted",
        }
    }
}

/// The status of each state, by state name (names are unique within a definition). States
/// missing from it are drawn as `NotStarted`.
pub type Overlay = BTreeMap<String, Status>;

/// The SVG drawing of `definition` (a parsed ASL document) with `overlay`'s statuses.
pub fn svg(definition: &Value, overlay: &Overlay) -> String {
    draw::document(&layout(definition), overlay)
}

/// A small SVG legend of the six statuses, in the drawings' colours.
pub fn legend() -> String {
    draw::legend()
}
