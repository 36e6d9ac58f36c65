//! The console's static files, compiled into the binary: `GET /console/assets/{file}`.

use axum::extract::Path;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

/// Each file: its name, content type and bytes.
const FILES: &[(&str, &str, &[u8])] = &[
    ("console.css", "text/css; charset=utf-8", include_bytes!("../assets/console.css")),
    ("console.js", "text/javascript; charset=utf-8", include_bytes!("../assets/console.js")),
    ("machines.js", "text/javascript; charset=utf-8", include_bytes!("../assets/machines.js")),
    ("codemirror.js", "text/javascript; charset=utf-8", include_bytes!("../assets/vendor/codemirror/codemirror.js")),
    ("codemirror.css", "text/css; charset=utf-8", include_bytes!("../assets/vendor/codemirror/codemirror.css")),
    ("cm-javascript.js", "text/javascript; charset=utf-8", include_bytes!("../assets/vendor/codemirror/javascript.js")),
    (
        "cm-matchbrackets.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/vendor/codemirror/matchbrackets.js"),
    ),
    (
        "cm-closebrackets.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/vendor/codemirror/closebrackets.js"),
    ),
    ("cm-lint.js", "text/javascript; charset=utf-8", include_bytes!("../assets/vendor/codemirror/lint.js")),
    ("cm-lint.css", "text/css; charset=utf-8", include_bytes!("../assets/vendor/codemirror/lint.css")),
    ("execution.js", "text/javascript; charset=utf-8", include_bytes!("../assets/execution.js")),
];

pub async fn serve(Path(file): Path<String>) -> Response {
    match FILES.iter().find(|(name, _, _)| *name == file) {
        Some((_, kind, bytes)) => {
            ([(header::CONTENT_TYPE, *kind), (header::CACHE_CONTROL, "max-age=300")], *bytes).into_response()
        }
        None => (StatusCode::NOT_FOUND, "no such file").into_response(),
    }
}
