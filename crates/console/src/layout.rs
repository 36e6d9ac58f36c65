//! The frame of every page: head, navigation, theme, and the pieces pages share (status badges, pagers, links).

use maud::{html, Markup, PreEscaped, DOCTYPE};

/// The sections in the navigation bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Machines,
    Inbox,
    Activities,
}

/// What a page loads besides the console's own files: the names of files under
/// `/console/assets/` (`.css` ones as stylesheets, the others as deferred scripts, in order).
pub const CODE_EDITOR: &[&str] = &[
    "codemirror.css",
    "cm-lint.css",
    "codemirror.js",
    "cm-javascript.js",
    "cm-matchbrackets.js",
    "cm-closebrackets.js",
    "cm-lint.js",
    "machines.js",
];

/// Sets the theme before the page is painted, so a dark page never flashes light.
const THEME: &str = concat!(
    r#"(function(){var s=localStorage.getItem("stepstone-theme");"#,
    r#"var d=s?s==="dark":matchMedia("(prefers-color-scheme: dark)").matches;"#,
    r#"document.documentElement.dataset.theme=d?"dark":"light";})();"#
);

/// A whole page titled `title`, with `section` marked in the navigation.
pub fn page(title: &str, section: Section, body: Markup) -> Markup {
    page_with(title, section, &[], body)
}

/// [`page`] loading the asset files `extra` too (see [`CODE_EDITOR`]).
pub fn page_with(title: &str, section: Section, extra: &[&str], body: Markup) -> Markup {
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
                script { (PreEscaped(THEME)) }
                @for file in extra.iter().filter(|f| f.ends_with(".css")) {
                    link rel="stylesheet" href={ "/console/assets/" (file) };
                }
                link rel="stylesheet" href="/console/assets/console.css";
                script src="/console/assets/console.js" defer {}
                @for file in extra.iter().filter(|f| !f.ends_with(".css")) {
                    script src={ "/console/assets/" (file) } defer {}
                }
            }
            body {
                a.skip href="#main" { "Skip to content" }
                header.top {
                    a.brand href="/" { span.logo aria-hidden="true" { "◆" } " Stepstone" }
                    nav aria-label="Sections" {
                        @for (s, href, label) in nav {
                            a href=(href) aria-current=[(s == section).then_some("page")] { (label) }
                        }
                    }
                    button.theme type="button" data-action="theme" title="Light or dark theme" aria-label="Light or dark theme" { "◐" }
                }
                main #main { (body) }
                div #toast role="status" aria-live="polite" {}
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

/// A page saying that `what` does not exist (HTTP 404).
pub fn not_found(section: Section, what: &str) -> axum::response::Response {
    use axum::response::IntoResponse;
    let body = page(
        "Not found",
        section,
        html! { h1 { "Not found" } p { (what) " does not exist." } p { a href="/" { "Back to the state machines" } } },
    );
    (axum::http::StatusCode::NOT_FOUND, body).into_response()
}

/// An epoch-millisecond time as the console shows it (UTC, to the second).
pub fn date(millis: i64) -> String {
    chrono::DateTime::from_timestamp_millis(millis)
        .map(|t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string())
        .unwrap_or_default()
}

/// An execution status (`RUNNING`, `SUCCEEDED`, ...) as a coloured badge.
pub fn status(name: &str) -> Markup {
    html! { span class={ "status status-" (name.to_ascii_lowercase().replace('_', "-")) } { (name) } }
}

/// `text` made safe as one URL path segment or query value (percent-encoded, spaces as `%20`).
pub fn encode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect::<String>().replace('+', "%20")
}

/// A query string (`?a=1&b=2`) of the pairs whose value is not empty.
pub fn query(pairs: &[(&str, &str)]) -> String {
    let parts: Vec<String> =
        pairs.iter().filter(|(_, v)| !v.is_empty()).map(|(k, v)| format!("{k}={}", encode(v))).collect();
    if parts.is_empty() {
        String::new()
    } else {
        format!("?{}", parts.join("&"))
    }
}

/// How many items a list page shows.
pub const PAGE_SIZE: usize = 25;

/// The 1-based page number of a `?page=` value (1 when absent or not a number).
pub fn page_number(text: Option<&str>) -> usize {
    text.and_then(|t| t.trim().parse::<usize>().ok()).filter(|&n| n >= 1).unwrap_or(1)
}

/// Previous and next links for page `page` of `total` items; `base` gives the other query
/// pairs the links keep.
pub fn pager(path: &str, base: &[(&str, &str)], page: usize, total: usize) -> Markup {
    let pages = total.div_ceil(PAGE_SIZE).max(1);
    let link = |n: usize| {
        let number = n.to_string();
        let mut pairs = base.to_vec();
        if n > 1 {
            pairs.push(("page", &number));
        }
        format!("{path}{}", query(&pairs))
    };
    html! {
        nav.pager aria-label="Pages" {
            @if page > 1 { a rel="prev" href=(link(page - 1)) { "‹ Previous" } } @else { span.disabled { "‹ Previous" } }
            span.where { "Page " (page.min(pages)) " of " (pages) " · " (total) " in all" }
            @if page < pages { a rel="next" href=(link(page + 1)) { "Next ›" } } @else { span.disabled { "Next ›" } }
        }
    }
}

/// The items of page `page` of `items`.
pub fn slice<T>(items: &[T], page: usize) -> &[T] {
    let start = page.saturating_sub(1).saturating_mul(PAGE_SIZE).min(items.len());
    &items[start..(start + PAGE_SIZE).min(items.len())]
}
