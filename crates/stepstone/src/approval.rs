//! Approval links served by `stepstone serve`: `GET /approve?token=TOKEN` sends
//! SendTaskSuccess (`{"approved": true}`, plus `comment` if given) and `GET /reject?token=TOKEN`
//! sends SendTaskFailure (`Rejected`) for a task waiting with `.waitForTaskToken`, so that a
//! person can answer a manual-approval step from a browser. Answers are one line of plain text.

use axum::extract::{RawQuery, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use runtime::Runtime;
use std::sync::Arc;
use store_sqlite::SqliteStore;

type Shared = Arc<Runtime<SqliteStore>>;

/// The error a rejection sends (`SendTaskFailure`'s `error`), for a Catch to match.
pub const REJECTED: &str = "Rejected";

/// The `/approve` and `/reject` routes over `runtime`.
pub fn router(runtime: Shared) -> Router {
    Router::new().route("/approve", get(approve)).route("/reject", get(reject)).with_state(runtime)
}

async fn approve(State(runtime): State<Shared>, RawQuery(query): RawQuery) -> Response {
    let Some(token) = param(query.as_deref(), "token") else {
        return text(StatusCode::BAD_REQUEST, "Missing token: use /approve?token=TOKEN");
    };
    let mut output = serde_json::json!({"approved": true});
    if let Some(comment) = param(query.as_deref(), "comment") {
        output["comment"] = comment.into();
    }
    match runtime.send_task_success(&token, &output.to_string()).await {
        Ok(()) => text(StatusCode::OK, "Approved. The workflow goes on."),
        Err(e) => text(StatusCode::BAD_REQUEST, &format!("Not approved: {e}")),
    }
}

async fn reject(State(runtime): State<Shared>, RawQuery(query): RawQuery) -> Response {
    let Some(token) = param(query.as_deref(), "token") else {
        return text(StatusCode::BAD_REQUEST, "Missing token: use /reject?token=TOKEN");
    };
    let cause = param(query.as_deref(), "comment").unwrap_or_else(|| "Rejected from the approval link".into());
    match runtime.send_task_failure(&token, REJECTED, &cause).await {
        Ok(()) => text(StatusCode::OK, "Rejected. The workflow takes its rejection path."),
        Err(e) => text(StatusCode::BAD_REQUEST, &format!("Not rejected: {e}")),
    }
}

fn text(status: StatusCode, body: &str) -> Response {
    (status, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], format!("{body}\n")).into_response()
}

/// The percent-decoded value of `name` in a query string (`+` is a space).
fn param(query: Option<&str>, name: &str) -> Option<String> {
    query?.split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        (decode(key)? == name).then(|| decode(value)).flatten()
    })
}

fn decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_parameters_are_percent_decoded() {
        assert_eq!(param(Some("token=a%2Bb%3D&comment=looks+good"), "token").as_deref(), Some("a+b="));
        assert_eq!(param(Some("token=a%2Bb%3D&comment=looks+good"), "comment").as_deref(), Some("looks good"));
        assert_eq!(param(Some("other=1"), "token"), None);
        assert_eq!(param(Some("token=%zz"), "token"), None);
        assert_eq!(param(None, "token"), None);
    }
}
