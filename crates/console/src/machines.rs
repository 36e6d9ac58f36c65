//! The state machines page (`GET /`): every state machine with its type and creation date.

use crate::layout::{page, Section};
use crate::Shared;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use maud::html;
use store::{PageRequest, Store};

/// `GET /`: the list of state machines.
pub async fn list<S: Store>(State(console): State<Shared<S>>) -> Response {
    let mut machines = Vec::new();
    let mut request = PageRequest::first(1000);
    loop {
        match console.store().list_state_machines(request.clone()).await {
            Ok(page) => {
                machines.extend(page.items);
                match page.next {
                    Some(cursor) => request.cursor = Some(cursor),
                    None => break,
                }
            }
            Err(e) => return crate::layout::error_page(&e.to_string()),
        }
    }
    page(
        "State machines",
        Section::Machines,
        html! {
            h1 { "State machines" }
            table.list {
                thead { tr { th { "Name" } th { "Type" } th { "Created" } } }
                tbody {
                    @for m in &machines {
                        tr { td { (m.name) } td { (m.kind.name()) } td { (crate::layout::date(m.created)) } }
                    }
                }
            }
        },
    )
    .into_response()
}
