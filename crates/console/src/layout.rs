//! The frame of every page: head, navigation, theme, and the page's own content.

use maud::{html, Markup, DOCTYPE};

/// The sections in the navigation bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Machines,
    Inbox,
    Activities,
}

/// A whole page titled `title`, with `section` marked in the navigation.
pub fn page(title: &str, section: Section, body: Markup) -> Markup {
    let nav = [
        (Section::Machines, "/", "State machines"),
        (Section::Inbox, "/inbox", "Task inbox"),
        (Section::Activities, "/activities", "Activities"),
    ];
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · Stepstone" }
                link rel="stylesheet" href="/console/assets/console.css";
                script src="/console/assets/console.js" defer {}
            }
            body {
                header.top {
                    a.brand href="/" { "Stepstone" }
                    nav {
                        @for (s, href, label) in nav {
                            a href=(href) aria-current=[(s == section).then_some("page")] { (label) }
                        }
                    }
                    button.theme type="button" data-action="theme" title="Light or dark theme" { "◐" }
                }
                main { (body) }
            }
        }
    }
}

/// A page that says what went wrong reading the store (HTTP 500).
pub fn error_page(message: &str) -> axum::response::Response {
    use axum::response::IntoResponse;
    let body = page("Error", Section::Machines, html! { h1 { "Something went wrong" } p.error { (message) } });
    (axum::http::StatusCode::INTERNAL_SERVER_ERROR, body).into_response()
}

/// An epoch-millisecond time as the console shows it (UTC, to the second).
pub fn date(millis: i64) -> String {
    chrono::DateTime::from_timestamp_millis(millis)
        .map(|t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string())
        .unwrap_or_default()
}
