//! The editor (`/create`, `/machines/{name}/edit`): CodeMirror beside the live graph, and the settings.

use crate::layout::{self, page_with, Section};
use crate::templates::{self, BLANK};
use crate::Shared;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use maud::{html, Markup};
use serde::Deserialize;
use serde_json::Value;
use store::{Kind, Store, Tag};

/// The new machine's query: `?template=NAME` (an example to start from) and `?import=1` (the
/// definition waits in the browser's sessionStorage, put there by the list's Import).
#[derive(Debug, Default, Deserialize)]
pub struct NewQuery {
    #[serde(default)]
    template: Option<String>,
    #[serde(default)]
    import: Option<String>,
}

/// What the editor starts with.
struct Form<'a> {
    /// `None` for a new machine.
    name: Option<&'a str>,
    arn: String,
    kind: Kind,
    definition: &'a str,
    /// `loggingConfiguration.level`.
    level: String,
    /// The stored `loggingConfiguration.destinations` (JSON), kept when the level changes.
    destinations: String,
    tags: &'a [Tag],
    import: bool,
}

/// `GET /create`: a new machine, blank or from an example.
pub async fn new<S: Store>(State(console): State<Shared<S>>, Query(query): Query<NewQuery>) -> Response {
    let template = query.template.as_deref().and_then(templates::find);
    let definition = template.map_or(BLANK, |t| t.definition);
    let form = Form {
        name: None,
        arn: String::new(),
        kind: Kind::Standard,
        definition,
        level: "OFF".into(),
        destinations: String::new(),
        tags: &[],
        import: query.import.is_some(),
    };
    let title = match template {
        Some(t) => format!("Create state machine: {}", t.title),
        None => "Create state machine".to_string(),
    };
    editor(&console.config, &title, &form).into_response()
}

/// `GET /machines/{name}/edit`: an existing machine.
pub async fn edit<S: Store>(State(console): State<Shared<S>>, Path(name): Path<String>) -> Response {
    let machine = match console.store().state_machine(&console.machine_arn(&name)).await {
        Ok(Some(machine)) => machine,
        Ok(None) => return layout::not_found(Section::Machines, &format!("The state machine “{name}”")),
        Err(e) => return layout::error_page(&e.to_string()),
    };
    let configuration: Value = serde_json::from_str(&machine.configuration).unwrap_or(Value::Null);
    let logging = &configuration["loggingConfiguration"];
    let form = Form {
        name: Some(&machine.name),
        arn: machine.arn.clone(),
        kind: machine.kind,
        definition: &machine.definition,
        level: logging["level"].as_str().unwrap_or("OFF").to_string(),
        destinations: logging.get("destinations").map(Value::to_string).unwrap_or_default(),
        tags: &machine.tags,
        import: false,
    };
    editor(&console.config, &format!("Edit {}", machine.name), &form).into_response()
}

fn editor(config: &crate::Config, title: &str, form: &Form) -> Markup {
    let cancel = match form.name {
        Some(name) => format!("/machines/{}", layout::encode(name)),
        None => "/".to_string(),
    };
    let graph = match serde_json::from_str::<Value>(form.definition) {
        Ok(definition) => graph::svg(&definition, &graph::Overlay::new()),
        Err(_) => String::new(),
    };
    page_with(
        title,
        Section::Machines,
        layout::CODE_EDITOR,
        html! {
            div #editor data-mode=(if form.name.is_some() { "edit" } else { "create" }) data-arn=(form.arn)
                data-region=(config.region) data-account=(config.account) data-destinations=(form.destinations)
                data-original-tags=(tags_json(form.tags)) data-import=[form.import.then_some("1")] {
                div.page-head {
                    h1 { (title) }
                    div.actions {
                        a.button href=(cancel) { "Cancel" }
                        button.button.primary type="button" data-action="save" aria-keyshortcuts="Control+S Meta+S" title="Save (Ctrl+S)" { "Save" }
                    }
                }
                div #save-error .alert role="alert" hidden {}
                form #settings .settings autocomplete="off" {
                    label {
                        span { "Name" }
                        @match form.name {
                            Some(name) => { input #machine-name name="name" value=(name) readonly aria-readonly="true"; }
                            None => { input #machine-name name="name" required maxlength="80" placeholder="MyStateMachine"; }
                        }
                    }
                    label {
                        span { "Type" }
                        select #machine-type name="type" disabled[form.name.is_some()] {
                            @for kind in [Kind::Standard, Kind::Express] {
                                option value=(kind.name()) selected[kind == form.kind] { (kind.name()) }
                            }
                        }
                    }
                    label {
                        span { "Logging level" }
                        select #logging-level name="level" {
                            @for level in ["OFF", "ALL", "ERROR", "FATAL"] {
                                option value=(level) selected[level == form.level] { (level) }
                            }
                        }
                    }
                    fieldset.tags {
                        legend { "Tags" }
                        div #tags {
                            @for (key, value) in form.tags { (tag_row(key, value)) }
                        }
                        button.button.small type="button" data-action="add-tag" { "Add tag" }
                        template #tag-row { (tag_row("", "")) }
                    }
                }
                div.split {
                    section.pane.editor-pane aria-labelledby="definition-title" {
                        div.pane-head { h2 #definition-title { "Definition" } span #parse-state .muted role="status" {} }
                        textarea #definition name="definition" spellcheck="false" aria-label="Definition (JSON)" { (form.definition) }
                        ul #diagnostics .diagnostics aria-label="Problems" {}
                    }
                    section.pane.graph-pane aria-labelledby="graph-title" {
                        div.pane-head { h2 #graph-title { "Graph" } span #graph-state .muted role="status" {} }
                        div #graph .graph-box { (maud::PreEscaped(graph)) }
                    }
                }
            }
        },
    )
}

/// One key/value row of the tags form.
fn tag_row(key: &str, value: &str) -> Markup {
    html! {
        div.tag-row {
            input.tag-key aria-label="Tag key" placeholder="Key" maxlength="128" value=(key);
            input.tag-value aria-label="Tag value" placeholder="Value" maxlength="256" value=(value);
            button.button.small type="button" data-action="remove-tag" aria-label="Remove this tag" { "Remove" }
        }
    }
}

/// Tags as a JSON object text, for the page's script.
fn tags_json(tags: &[Tag]) -> String {
    let map: serde_json::Map<String, Value> = tags.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect();
    Value::Object(map).to_string()
}
