//! The state machine page (`GET /machines/{name}`): graph, definition, versions, aliases, tags, executions, Start.

use crate::layout::{self, page_with, Section};
use crate::machines::matches;
use crate::Shared;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use maud::{html, Markup, PreEscaped};
use serde::Deserialize;
use serde_json::Value;
use store::{Alias, Execution, ExecutionQuery, ExecutionStatus, PageRequest, StateMachine, Store, Version};

/// The executions table's query: `?status=RUNNING` (AWS's names), `?q=` (a part of the
/// execution's name), `?page=`; `?start=1` opens the Start dialog.
#[derive(Debug, Default, Deserialize)]
pub struct DetailQuery {
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    q: Option<String>,
    #[serde(default)]
    page: Option<String>,
    #[serde(default)]
    start: Option<String>,
}

/// What the page shows besides the machine itself.
struct Related {
    versions: Vec<Version>,
    aliases: Vec<Alias>,
    /// The executions that pass the filter, newest first.
    executions: Vec<Execution>,
    /// Whether older executions were left unread ([`SCANNED`]).
    capped: bool,
}

/// At most this many executions of a machine are read for its page (newest first), so that a
/// machine with a long past still opens quickly.
const SCANNED: usize = 10_000;

async fn related<S: Store>(store: &S, arn: &str, status: Option<ExecutionStatus>, q: &str) -> store::Result<Related> {
    let versions = crate::every(|request| store.list_versions(arn, request)).await?;
    let aliases = crate::every(|request| store.list_aliases(arn, request)).await?;
    let mut executions = Vec::new();
    let mut scanned = 0;
    let mut capped = false;
    let mut query = ExecutionQuery {
        state_machine_arn: Some(arn.to_string()),
        status,
        redriven: None,
        page: PageRequest::first(1000),
    };
    loop {
        let page = store.list_executions(query.clone()).await?;
        scanned += page.items.len();
        executions.extend(page.items.into_iter().filter(|e| matches(&e.name, q)));
        match page.next {
            Some(_) if scanned >= SCANNED => {
                capped = true;
                break;
            }
            Some(cursor) => query.page.cursor = Some(cursor),
            None => break,
        }
    }
    Ok(Related { versions, aliases, executions, capped })
}

/// `GET /machines/{name}`.
pub async fn show<S: Store>(
    State(console): State<Shared<S>>,
    Path(name): Path<String>,
    Query(query): Query<DetailQuery>,
) -> Response {
    let machine = match console.store().state_machine(&console.machine_arn(&name)).await {
        Ok(Some(machine)) => machine,
        Ok(None) => return layout::not_found(Section::Machines, &format!("The state machine “{name}”")),
        Err(e) => return layout::error_page(&e.to_string()),
    };
    let status_text = query.status.as_deref().unwrap_or("").trim().to_ascii_uppercase();
    let status = ExecutionStatus::parse(&status_text);
    let status_text = status.map_or("", ExecutionStatus::name);
    let q = query.q.as_deref().unwrap_or("").trim().to_string();
    let number = layout::page_number(query.page.as_deref());
    let related = match related(console.store(), &machine.arn, status, &q).await {
        Ok(related) => related,
        Err(e) => return layout::error_page(&e.to_string()),
    };
    let open_start = query.start.as_deref() == Some("1");
    let path = format!("/machines/{}", layout::encode(&machine.name));
    page_with(
        &machine.name,
        Section::Machines,
        layout::CODE_EDITOR,
        html! {
            div #machine data-arn=(machine.arn) data-name=(machine.name) data-open-start=[open_start.then_some("1")] {
                nav.crumbs aria-label="Breadcrumb" { a href="/" { "State machines" } " / " span { (machine.name) } }
                div.page-head {
                    h1 { (machine.name) }
                    div.actions {
                        a.button href={ (path) "/edit" } { "Edit" }
                        button.button.danger type="button" data-action="delete-machine" data-arn=(machine.arn) data-name=(machine.name) data-then="/" { "Delete" }
                        button.button.primary type="button" data-action="start" { "Start execution" }
                    }
                }
                (summary(&machine))
                div.split {
                    section.pane.graph-pane aria-labelledby="graph-title" {
                        div.pane-head { h2 #graph-title { "Graph" } }
                        div.graph-box { (PreEscaped(graph_of(&machine.definition))) }
                    }
                    section.pane.editor-pane aria-labelledby="definition-title" {
                        div.pane-head { h2 #definition-title { "Definition" } }
                        textarea #definition-view readonly aria-label="Definition (read only)" { (machine.definition) }
                    }
                }
                (executions(&path, &related, status_text, &q, number))
                div.cards {
                    (versions(&related.versions))
                    (aliases(&related.aliases))
                    (tags(&machine))
                }
                (start_dialog(&machine))
            }
        },
    )
    .into_response()
}

fn graph_of(definition: &str) -> String {
    match serde_json::from_str::<Value>(definition) {
        Ok(definition) => graph::svg(&definition, &graph::Overlay::new()),
        Err(_) => String::new(),
    }
}

fn summary(machine: &StateMachine) -> Markup {
    let configuration: Value = serde_json::from_str(&machine.configuration).unwrap_or(Value::Null);
    let level = configuration["loggingConfiguration"]["level"].as_str().unwrap_or("OFF");
    html! {
        dl.summary {
            div { dt { "Type" } dd { (machine.kind.name()) } }
            div.wide { dt { "ARN" } dd { code.arn { (machine.arn) } } }
            div { dt { "Created" } dd { (layout::date(machine.created)) } }
            div { dt { "Role" } dd { code { (machine.role_arn) } } }
            div { dt { "Logging" } dd { (level) } }
            @if !machine.revision_id.is_empty() { div { dt { "Revision" } dd { code { (machine.revision_id) } } } }
            @if !machine.description.is_empty() { div.wide { dt { "Description" } dd { (machine.description) } } }
        }
    }
}

fn executions(path: &str, related: &Related, status: &str, q: &str, number: usize) -> Markup {
    let executions = &related.executions;
    let shown = layout::slice(executions, number);
    html! {
        section.card #executions aria-labelledby="executions-title" {
            div.pane-head { h2 #executions-title { "Executions" } }
            form.search role="search" method="get" action=(path) {
                input type="search" name="q" value=(q) placeholder="Search by name" aria-label="Search executions by name" data-search;
                select name="status" aria-label="Status" data-autosubmit {
                    option value="" selected[status.is_empty()] { "Any status" }
                    @for s in ExecutionStatus::ALL {
                        option value=(s.name()) selected[s.name() == status] { (s.name()) }
                    }
                }
                button.button type="submit" { "Filter" }
                @if !q.is_empty() || !status.is_empty() { a href=(path) { "Clear" } }
            }
            @if executions.is_empty() {
                p.empty { @if q.is_empty() && status.is_empty() { "No executions yet." } @else { "No execution matches." } }
            } @else {
                div.table-wrap {
                    table.list {
                        thead { tr { th { "Name" } th { "Status" } th { "Started" } th { "Stopped" } } }
                        tbody {
                            @for e in shown {
                                tr {
                                    td { a href={ "/executions/" (path.trim_start_matches("/machines/")) "/" (layout::encode(&e.name)) } { (e.name) } }
                                    td { (layout::status(e.status.name())) }
                                    td { (layout::date(e.started)) }
                                    td { @match e.stopped { Some(t) => (layout::date(t)), None => span.muted { "—" } } }
                                }
                            }
                        }
                    }
                }
                (layout::pager(path, &[("status", status), ("q", q)], number, executions.len()))
                @if related.capped { p.muted { "Only the newest " (SCANNED) " executions are listed and searched." } }
            }
        }
    }
}

fn versions(versions: &[Version]) -> Markup {
    html! {
        section.card aria-labelledby="versions-title" {
            h2 #versions-title { "Versions" }
            @if versions.is_empty() { p.muted { "No published versions." } } @else {
                table.list {
                    thead { tr { th { "Version" } th { "Description" } th { "Created" } } }
                    tbody {
                        @for v in versions {
                            tr title=(v.arn) { td { (v.number) } td { (v.description) } td { (layout::date(v.created)) } }
                        }
                    }
                }
            }
        }
    }
}

fn aliases(aliases: &[Alias]) -> Markup {
    html! {
        section.card aria-labelledby="aliases-title" {
            h2 #aliases-title { "Aliases" }
            @if aliases.is_empty() { p.muted { "No aliases." } } @else {
                table.list {
                    thead { tr { th { "Alias" } th { "Routes to" } th { "Updated" } } }
                    tbody {
                        @for a in aliases {
                            tr title=(a.arn) {
                                td { (a.name) }
                                td {
                                    @for (arn, weight) in &a.routing {
                                        div { "version " (arn.rsplit(':').next().unwrap_or(arn)) " · " (weight) "%" }
                                    }
                                }
                                td { (layout::date(a.updated)) }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn tags(machine: &StateMachine) -> Markup {
    html! {
        section.card aria-labelledby="tags-title" {
            h2 #tags-title { "Tags" }
            @if machine.tags.is_empty() { p.muted { "No tags." } } @else {
                table.list {
                    thead { tr { th { "Key" } th { "Value" } } }
                    tbody { @for (k, v) in &machine.tags { tr { td { (k) } td { (v) } } } }
                }
            }
        }
    }
}

fn start_dialog(machine: &StateMachine) -> Markup {
    html! {
        dialog #start-dialog .wide aria-labelledby="start-title" {
            form #start-form method="dialog" {
                h2 #start-title { "Start an execution of " (machine.name) }
                label {
                    span { "Name (optional)" }
                    input #execution-name name="name" maxlength="80" placeholder="A unique name is made up when empty";
                }
                label for="execution-input" { span { "Input (JSON)" } }
                textarea #execution-input name="input" spellcheck="false" { "{}" }
                div #start-error .alert role="alert" hidden {}
                div.dialog-actions {
                    button.button type="submit" value="cancel" formnovalidate { "Cancel" }
                    button.button.primary type="button" data-action="start-execution" { "Start" }
                }
            }
        }
    }
}
