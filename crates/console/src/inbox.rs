//! The task inbox (`GET /inbox`): every task of a running execution that waits for someone to
//! answer it — a `.waitForTaskToken` callback or an activity task — with its input, and Approve
//! and Reject forms that send SendTaskSuccess or SendTaskFailure through the API
//! (`assets/execution.js`).

use crate::execution::{self, pretty, trace::Trace};
use crate::layout::{date, page, Section};
use crate::Shared;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use maud::{html, Markup};
use store::{ExecutionQuery, ExecutionStatus, HistoryQuery, Store, TaskRecord, TaskState};

/// Whether a task waits for an answer from outside: a callback, or an activity's worker.
pub fn answerable(task: &TaskRecord) -> bool {
    task.state != TaskState::Finished
        && (task.resource.ends_with(".waitForTaskToken") || task.resource.contains(":activity:"))
}

/// One waiting task and where it is.
pub struct Pending {
    pub task: TaskRecord,
    pub machine: String,
    pub execution: String,
    /// When the task was scheduled (from the history), if found.
    pub since: Option<i64>,
}

/// Every answerable task of every running execution, oldest execution first.
pub async fn pending<S: Store>(store: &S) -> Result<Vec<Pending>, store::Error> {
    let mut running = crate::every(|page| {
        store.list_executions(ExecutionQuery {
            state_machine_arn: None,
            status: Some(ExecutionStatus::Running),
            redriven: None,
            page,
        })
    })
    .await?;
    running.reverse();
    let mut out = Vec::new();
    for e in running {
        let mut tasks: Vec<TaskRecord> = store.pending_tasks(&e.arn).await?.into_iter().filter(answerable).collect();
        if tasks.is_empty() {
            continue;
        }
        tasks.sort_by_key(|t| t.task_id);
        let events =
            crate::every(|page| store.history(HistoryQuery { execution_arn: e.arn.clone(), reverse: false, page }))
                .await?;
        let trace = Trace::new(&events, e.status);
        let machine = e.state_machine_arn.rsplit(':').next().unwrap_or_default().to_string();
        for task in tasks {
            let since = scheduled(&trace, &task);
            out.push(Pending { task, machine: machine.clone(), execution: e.name.clone(), since });
        }
    }
    Ok(out)
}

/// When `task` was scheduled: the open attempt of its state whose request is the task's input.
fn scheduled(trace: &Trace, task: &TaskRecord) -> Option<i64> {
    let runs = trace.states.get(&task.state_name)?;
    let input: Option<serde_json::Value> = serde_json::from_str(&task.input).ok();
    let attempts = runs.iter().filter(|r| r.exited.is_none()).flat_map(|r| r.attempts.last());
    let mut fallback = None;
    for attempt in attempts {
        fallback = Some(attempt.scheduled);
        let request: Option<serde_json::Value> =
            attempt.parameters.as_deref().and_then(|p| serde_json::from_str(p).ok());
        if request.is_some() && request == input {
            return Some(attempt.scheduled);
        }
    }
    fallback
}

/// `GET /inbox`.
pub async fn show<S: Store>(State(console): State<Shared<S>>) -> Response {
    let pending = match pending(console.store()).await {
        Ok(p) => p,
        Err(e) => return crate::layout::error_page(&e.to_string()),
    };
    let body = html! {
        div #inbox.ex-page {
            h1 { "Task inbox" }
            p.hint { "Tasks waiting for an answer: " code { ".waitForTaskToken" } " callbacks and activity tasks of running executions. "
                "Approve sends SendTaskSuccess with the output below; Reject sends SendTaskFailure." }
            p #message role="status" aria-live="polite" {}
            p.empty #inbox-empty hidden[!pending.is_empty()] { "No task is waiting." }
            (list(&pending))
        }
        script src="/console/assets/execution.js" defer {}
    };
    page("Task inbox", Section::Inbox, body).into_response()
}

/// The list of waiting tasks, each with its Approve and Reject forms.
fn list(pending: &[Pending]) -> Markup {
    html! {
        ul.inbox {
            @for p in pending {
                @let href = format!("/executions/{}/{}", execution::encode(&p.machine), execution::encode(&p.execution));
                @let activity = p.task.resource.contains(":activity:");
                li.task data-token=(p.task.token) {
                    div.task-head {
                        a href=(href) { (p.machine) " / " (p.execution) }
                        " · state " strong.state-name { (p.task.state_name) }
                        @if activity { span.tag { "activity" } } @else { span.tag { "callback" } }
                        @if p.task.state == TaskState::Started {
                            span.tag { "taken by " (p.task.worker.as_deref().unwrap_or("a worker")) }
                        }
                    }
                    p.meta {
                        code { (p.task.resource) }
                        @if let Some(since) = p.since { " · waiting since " (date(since)) }
                    }
                    details open {
                        summary { "Input" }
                        pre.json { (pretty(&p.task.input)) }
                    }
                    div.answers {
                        form.approve {
                            label { "Output (JSON)" textarea name="output" rows="3" spellcheck="false" { "{\"approved\": true}" } }
                            button type="submit" { "Approve" }
                        }
                        form.reject {
                            label { "Error" input name="error" value="Rejected"; }
                            label { "Cause" input name="cause" placeholder="Why it is rejected"; }
                            button type="submit" { "Reject" }
                        }
                    }
                }
            }
        }
    }
}

/// `GET /console/inbox`: the list alone, which the inbox page polls for tasks come and gone.
pub async fn fragment<S: Store>(State(console): State<Shared<S>>) -> Response {
    match pending(console.store()).await {
        Ok(p) => list(&p).into_response(),
        Err(e) => (axum::http::StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}
