//! The activities page (`GET /activities`): every activity, with create and delete.

use crate::layout::{self, page, Section};
use crate::Shared;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use maud::html;
use store::Store;

/// `GET /activities`: the activities, newest first.
pub async fn list<S: Store>(State(console): State<Shared<S>>) -> Response {
    let mut activities = match crate::every(|request| console.store().list_activities(request)).await {
        Ok(activities) => activities,
        Err(e) => return layout::error_page(&e.to_string()),
    };
    activities.reverse();
    page(
        "Activities",
        Section::Activities,
        html! {
            div.page-head { h1 { "Activities" } }
            p.muted {
                "An activity is a task that a worker of your own runs: it polls with GetActivityTask and answers with SendTaskSuccess or SendTaskFailure. "
                "A Task state uses it by its ARN as its Resource."
            }
            form.inline-form #activity-form {
                label {
                    span { "New activity name" }
                    input #activity-name name="name" required maxlength="80" placeholder="my-activity";
                }
                button.button.primary type="submit" { "Create activity" }
            }
            div #activity-error .alert role="alert" hidden {}
            @if activities.is_empty() {
                p.empty { "No activities yet." }
            } @else {
                div.table-wrap {
                    table.list #activities {
                        thead { tr { th { "Name" } th { "ARN" } th { "Created" } th { span.sr { "Actions" } } } }
                        tbody {
                            @for a in &activities {
                                tr data-activity=(a.name) {
                                    td { (a.name) }
                                    td { code.arn { (a.arn) } }
                                    td { (layout::date(a.created)) }
                                    td.row-actions {
                                        button.button.small.danger type="button" data-action="delete-activity" data-arn=(a.arn) data-name=(a.name) { "Delete" }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        },
    )
    .into_response()
}
