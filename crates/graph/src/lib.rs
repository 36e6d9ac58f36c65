//! The picture of a state machine: its states and transitions laid out and drawn as SVG, with
//! each state coloured by its status in an execution. Pure: a definition and an overlay in, an
//! SVG document out; it never fails, and draws what it can of a definition that is not valid.

use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt::Write;

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
/// missing from it are drawn without a status.
pub type Overlay = BTreeMap<String, Status>;

const WIDTH: i64 = 200;
const HEIGHT: i64 = 40;
const GAP: i64 = 30;

/// The SVG drawing of `definition` (a parsed ASL document) with `overlay`'s statuses. Every state
/// is a `<g class="state ..." data-state="NAME">` so that a page can find and click it.
pub fn svg(definition: &Value, overlay: &Overlay) -> String {
    let names: Vec<&str> = definition
        .get("States")
        .and_then(Value::as_object)
        .map(|s| s.keys().map(String::as_str).collect())
        .unwrap_or_default();
    let height = names.len() as i64 * (HEIGHT + GAP) + GAP;
    let mut out = String::new();
    let _ = write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="graph" viewBox="0 0 {w} {height}" width="{w}" height="{height}">"#,
        w = WIDTH + 2 * GAP
    );
    for (i, name) in names.iter().enumerate() {
        let y = GAP + i as i64 * (HEIGHT + GAP);
        let class = overlay.get(*name).map(|s| format!(" state-{}", s.class())).unwrap_or_default();
        let _ = write!(
            out,
            r#"<g class="state{class}" data-state="{n}"><rect x="{GAP}" y="{y}" width="{WIDTH}" height="{HEIGHT}" rx="6"/><text x="{cx}" y="{ty}" text-anchor="middle">{n}</text></g>"#,
            n = escape(name),
            cx = GAP + WIDTH / 2,
            ty = y + HEIGHT / 2 + 5
        );
    }
    out.push_str("</svg>");
    out
}

/// Text made safe inside SVG text and attribute values.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}
