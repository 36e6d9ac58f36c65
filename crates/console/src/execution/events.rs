//! The event history table of the execution page: a page of events (id, type, time, elapsed),
//! filtered by a type text, each with its details JSON in a `<details>`.

use super::{pretty, View};
use crate::layout::date;
use maud::{html, Markup};
use store::HistoryEvent;

/// Events per page.
pub const PAGE: usize = 50;

/// The table for `view`'s page and filter; `started` is the execution's start, for elapsed times.
pub fn table(events: &[HistoryEvent], started: i64, view: &View) -> Markup {
    let filter = view.filter.as_deref().unwrap_or("").trim().to_ascii_lowercase();
    let shown: Vec<&HistoryEvent> =
        events.iter().filter(|e| filter.is_empty() || e.event_type.to_ascii_lowercase().contains(&filter)).collect();
    let pages = shown.len().div_ceil(PAGE).max(1);
    let page = view.page.unwrap_or(1).clamp(1, pages);
    let rows = shown.iter().skip((page - 1) * PAGE).take(PAGE);
    html! {
        h2 { "Event history" }
        form.history-filter method="get" {
            label { "Filter by type " input type="search" name="filter" value=(view.filter.as_deref().unwrap_or(""))
                placeholder="e.g. Task, Failed"; }
            @if let Some(sel) = &view.sel { input type="hidden" name="sel" value=(sel); }
            button type="submit" { "Filter" }
            span.count { (shown.len()) " of " (events.len()) " events" }
        }
        table.list.events {
            thead { tr { th { "ID" } th { "Type" } th { "Time" } th { "Elapsed" } th { "Details" } } }
            tbody {
                @for e in rows {
                    tr data-event=(e.id) class=(row_class(&e.event_type)) {
                        td { (e.id) }
                        td {
                            @if let Some(state) = state_name(e) {
                                a href="#" data-select-state=(state) title=(format!("Show the state {state}")) { (e.event_type) }
                            } @else {
                                (e.event_type)
                            }
                        }
                        td { (date(e.timestamp)) }
                        td { (super::duration(e.timestamp - started)) }
                        td {
                            @if !e.details_json.is_empty() {
                                details {
                                    summary { "details" }
                                    pre.json { (pretty(&e.details_json)) }
                                }
                            }
                        }
                    }
                }
            }
        }
        @if pages > 1 {
            nav.pages aria-label="Event pages" {
                @if page > 1 { a href=(link(view, page - 1)) data-page=(page - 1) { "← Previous" } }
                span { "Page " (page) " of " (pages) }
                @if page < pages { a href=(link(view, page + 1)) data-page=(page + 1) { "Next →" } }
            }
        }
    }
}

/// The state a `...StateEntered`/`...StateExited` event names.
fn state_name(event: &HistoryEvent) -> Option<String> {
    if !(event.event_type.ends_with("StateEntered") || event.event_type.ends_with("StateExited")) {
        return None;
    }
    let details: serde_json::Value = serde_json::from_str(&event.details_json).ok()?;
    details.get("name")?.as_str().map(str::to_string)
}

fn row_class(event_type: &str) -> &'static str {
    if event_type.ends_with("Failed") || event_type.ends_with("TimedOut") {
        "event-failed"
    } else if event_type.ends_with("Succeeded") {
        "event-succeeded"
    } else {
        ""
    }
}

/// The page's link to another page of events, keeping the filter and the chosen iterations.
fn link(view: &View, page: usize) -> String {
    let mut query = format!("?page={page}");
    if let Some(filter) = view.filter.as_deref().filter(|f| !f.is_empty()) {
        query.push_str("&filter=");
        query.push_str(&super::encode(filter));
    }
    if let Some(sel) = view.sel.as_deref().filter(|s| !s.is_empty()) {
        query.push_str("&sel=");
        query.push_str(&super::encode(sel));
    }
    format!("{query}#history")
}
