//! The state machines page (`GET /`): search, pages, latest execution status, create, import and delete.

use crate::layout::{self, page, Section};
use crate::templates::TEMPLATES;
use crate::{Console, Shared};
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use maud::html;
use serde::Deserialize;
use std::collections::HashMap;
use store::{ExecutionQuery, PageRequest, StateMachine, Store};

/// The list's query: `?q=` (a part of the name, any case) and `?page=` (1-based).
#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    q: Option<String>,
    #[serde(default)]
    page: Option<String>,
}

impl<S: Store> Console<S> {
    /// The ARN of the state machine called `name` on this server.
    pub(crate) fn machine_arn(&self, name: &str) -> String {
        format!("arn:aws:states:{}:{}:stateMachine:{name}", self.config.region, self.config.account)
    }

    /// Every state machine, in creation order.
    pub(crate) async fn all_machines(&self) -> store::Result<Vec<StateMachine>> {
        crate::every(|request| self.store().list_state_machines(request)).await
    }
}

/// Whether `name` matches the search `q` (a part of it, in any case; an empty search matches all).
pub(crate) fn matches(name: &str, q: &str) -> bool {
    q.is_empty() || name.to_lowercase().contains(&q.to_lowercase())
}

/// `GET /`: the state machines, newest first, 25 a page.
pub async fn list<S: Store>(State(console): State<Shared<S>>, Query(query): Query<ListQuery>) -> Response {
    let q = query.q.as_deref().unwrap_or("").trim().to_string();
    let number = layout::page_number(query.page.as_deref());
    let mut machines = match console.all_machines().await {
        Ok(machines) => machines,
        Err(e) => return layout::error_page(&e.to_string()),
    };
    machines.reverse();
    machines.retain(|m| matches(&m.name, &q));
    let shown = layout::slice(&machines, number);
    let mut latest = HashMap::new();
    for machine in shown {
        let query = ExecutionQuery {
            state_machine_arn: Some(machine.arn.clone()),
            status: None,
            redriven: None,
            page: PageRequest::first(1),
        };
        match console.store().list_executions(query).await {
            Ok(page) => {
                if let Some(execution) = page.items.into_iter().next() {
                    latest.insert(machine.arn.clone(), execution);
                }
            }
            Err(e) => return layout::error_page(&e.to_string()),
        }
    }
    page(
        "State machines",
        Section::Machines,
        html! {
            div.page-head {
                h1 { "State machines" }
                div.actions {
                    button.button type="button" data-action="import" title="Open a definition from a JSON file in the editor" { "Import" }
                    input #import-file type="file" accept=".json,.asl,application/json" hidden;
                    button.button.primary type="button" data-action="create" aria-keyshortcuts="n" { "Create state machine" }
                }
            }
            form.search role="search" method="get" action="/" {
                input type="search" name="q" value=(q) placeholder="Search by name" aria-label="Search state machines by name" data-search aria-keyshortcuts="/";
                button.button type="submit" { "Search" }
                @if !q.is_empty() { a href="/" { "Clear" } }
            }
            @if machines.is_empty() {
                div.empty {
                    @if q.is_empty() {
                        p { "No state machines yet." }
                        p { button.button.primary type="button" data-action="create" { "Create your first state machine" } }
                    } @else {
                        p { "No state machine's name contains “" (q) "”." }
                    }
                }
            } @else {
                div.table-wrap {
                    table.list #machines {
                        thead { tr { th { "Name" } th { "Type" } th.hide-phone { "Created" } th { "Latest execution" } th { span.sr { "Actions" } } } }
                        tbody {
                            @for m in shown {
                                tr data-machine=(m.name) {
                                    td { a href={ "/machines/" (layout::encode(&m.name)) } { (m.name) } }
                                    td { (m.kind.name()) }
                                    td.hide-phone { time { (layout::date(m.created)) } }
                                    td {
                                        @match latest.get(&m.arn) {
                                            Some(e) => a href={ "/executions/" (layout::encode(&m.name)) "/" (layout::encode(&e.name)) } { (layout::status(e.status.name())) },
                                            None => span.muted { "None yet" },
                                        }
                                    }
                                    td.row-actions {
                                        button.button.small.danger type="button" data-action="delete-machine" data-arn=(m.arn) data-name=(m.name) { "Delete" }
                                    }
                                }
                            }
                        }
                    }
                }
                (layout::pager("/", &[("q", &q)], number, machines.len()))
            }
            dialog #create-dialog aria-labelledby="create-title" {
                form method="dialog" {
                    h2 #create-title { "Create a state machine" }
                    p.muted { "Start from a blank definition or from an example." }
                    ul.templates {
                        li { a.template href="/create" { strong { "Blank" } span { "One Pass state to start from." } } }
                        @for t in TEMPLATES {
                            li { a.template href={ "/create?template=" (t.name) } data-template=(t.name) { strong { (t.title) } span { (t.summary) } } }
                        }
                    }
                    div.dialog-actions { button.button type="submit" value="cancel" { "Cancel" } }
                }
            }
        },
    )
    .into_response()
}
