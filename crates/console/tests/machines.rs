//! The console's state machine pages and editor endpoints over real HTTP, on a `MemoryStore` and a real `Runtime`:
//! the validator's positions, the graph endpoint, the list's search and pages, the machine page's filters.

use runtime::{BoxFuture, Invoker, Options, Runtime, StartRequest, TaskCall, TaskResult};
use serde_json::Value;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use store::{Kind, MemoryStore, StateMachine, Store};

const ARN: &str = "arn:aws:states:us-east-1:123456789012:stateMachine:";

/// Fails every task: these tests run none.
struct NoInvoker;

impl Invoker for NoInvoker {
    fn invoke(&self, _call: TaskCall) -> BoxFuture<'_, TaskResult> {
        Box::pin(async { Err(("States.TaskFailed".into(), "no tasks here".into())) })
    }
}

struct Served {
    addr: SocketAddr,
    runtime: Arc<Runtime<MemoryStore>>,
}

async fn serve() -> Served {
    let store = Arc::new(MemoryStore::default());
    let options = Options { node: "test".into(), ..Options::default() };
    let runtime = Arc::new(Runtime::new(store, Arc::new(NoInvoker), options));
    let config = console::Config { region: "us-east-1".into(), account: "123456789012".into() };
    let router = console::router(Arc::clone(&runtime), config);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    Served { addr, runtime }
}

/// One request: status, content type and body.
async fn request(addr: SocketAddr, method: &str, path: &str, body: &str) -> (u16, String, String) {
    let (method, path, body) = (method.to_string(), path.to_string(), body.to_string());
    tokio::task::spawn_blocking(move || {
        let mut stream = TcpStream::connect(addr).unwrap();
        write!(
            stream,
            "{method} {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\
             Connection: close\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        let mut response = Vec::new();
        stream.read_to_end(&mut response).unwrap();
        let response = String::from_utf8(response).unwrap();
        let (head, body) = response.split_once("\r\n\r\n").unwrap();
        let status = head.split(' ').nth(1).unwrap().parse().unwrap();
        let kind = head
            .lines()
            .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-type: ").map(str::to_string))
            .unwrap_or_default();
        let body =
            if head.to_ascii_lowercase().contains("transfer-encoding: chunked") { unchunk(body) } else { body.into() };
        (status, kind, body)
    })
    .await
    .unwrap()
}

fn unchunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let size = usize::from_str_radix(size.trim(), 16).unwrap();
        if size == 0 {
            break;
        }
        out.push_str(&rest[..size]);
        body = &rest[size + 2..];
    }
    out
}

async fn validate(addr: SocketAddr, text: &str) -> Value {
    let (status, kind, body) = request(addr, "POST", "/console/validate", text).await;
    assert_eq!(status, 200, "{body}");
    assert!(kind.starts_with("application/json"), "{kind}");
    serde_json::from_str(&body).unwrap()
}

fn position(value: &Value) -> (u64, u64) {
    (value["line"].as_u64().unwrap(), value["ch"].as_u64().unwrap())
}

#[tokio::test]
async fn the_validator_places_each_diagnostic_on_its_text() {
    let served = serve().await;
    let valid = r#"{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}"#;
    let report = validate(served.addr, valid).await;
    assert_eq!(report["valid"], true, "{report}");
    assert_eq!(report["diagnostics"], Value::Array(vec![]));
    assert_eq!(report["message"], Value::Null);

    // A missing target: marked from the "Next" key to the end of its value, on line 4.
    let text =
        "{\n  \"StartAt\": \"A\",\n  \"States\": {\n    \"A\": {\"Type\": \"Pass\", \"Next\": \"Nowhere\"}\n  }\n}";
    let report = validate(served.addr, text).await;
    assert_eq!(report["valid"], false);
    let message = report["message"].as_str().unwrap();
    assert!(message.starts_with("Invalid State Machine Definition: 'MISSING_TRANSITION_TARGET"), "{message}");
    let d = &report["diagnostics"][0];
    assert_eq!(d["code"], "MISSING_TRANSITION_TARGET", "{report}");
    assert_eq!(d["location"], "/States/A/Next");
    let line = text.lines().nth(3).unwrap();
    let start = line.find("\"Next\"").unwrap() as u64;
    let end = (line.find("\"Nowhere\"").unwrap() + "\"Nowhere\"".len()) as u64;
    assert_eq!(position(&d["from"]), (3, start));
    assert_eq!(position(&d["to"]), (3, end));

    // A state object that lacks a field: marked by its key only. Text before it in another
    // script counts in UTF-16 units (the "é" and the "😀", two units).
    let text = "{\"Comment\": \"é😀\", \"StartAt\": \"Ok\", \"States\": {\"Ok\": {\"Type\": \"Pass\", \"End\": true}, \"B😀\": {\"Type\": \"Task\", \"End\": true}}}";
    let report = validate(served.addr, text).await;
    let d = report["diagnostics"].as_array().unwrap().iter().find(|d| d["location"] == "/States/B😀").unwrap();
    let byte = text.find("\"B😀\"").unwrap();
    let units = text[..byte].encode_utf16().count() as u64;
    assert_eq!(position(&d["from"]), (0, units), "{d}");
    assert_eq!(position(&d["to"]), (0, units + "\"B😀\"".encode_utf16().count() as u64), "{d}");

    // Array elements, in asl's `[i]` form, and a name with a slash (`~1` in the pointer).
    let text = r#"{"StartAt":"C/1","States":{"C/1":{"Type":"Choice","Choices":[{"Variable":"$.x","BooleanEquals":true,"Next":"Gone"}],"Default":"E"},"E":{"Type":"Succeed"}}}"#;
    let report = validate(served.addr, text).await;
    let d =
        report["diagnostics"].as_array().unwrap().iter().find(|d| d["code"] == "MISSING_TRANSITION_TARGET").unwrap();
    assert_eq!(d["location"], "/States/C~11/Choices[0]/Next", "{d}");
    let start = text.find("\"Next\":\"Gone\"").unwrap() as u64;
    assert_eq!(position(&d["from"]), (0, start));
    assert_eq!(position(&d["to"]), (0, start + "\"Next\":\"Gone\"".len() as u64));

    // Not JSON: one diagnostic at the syntax error's line and column.
    let text = "{\n  \"StartAt\": \"A\",\n  \"States\": {\n    \"A\": {\"Type\": \"Pass\" \"End\": true}\n  }\n}";
    let report = validate(served.addr, text).await;
    assert_eq!(report["valid"], false);
    let d = &report["diagnostics"][0];
    assert_eq!(d["code"], "INVALID_JSON_DESCRIPTION", "{report}");
    let (line, ch) = position(&d["from"]);
    assert_eq!(line, 3, "{d}");
    assert_eq!(ch as usize, text.lines().nth(3).unwrap().find("\"End\"").unwrap(), "{d}");

    // Nothing at all, and text that ends too soon: no panic, a place at the start or the end.
    let report = validate(served.addr, "").await;
    assert_eq!(position(&report["diagnostics"][0]["from"]), (0, 0));
    let report = validate(served.addr, "{\"StartAt\": \"A\",\n").await;
    assert_eq!(report["valid"], false);
    assert_eq!(report["diagnostics"][0]["from"]["line"], 1, "{report}");
    // EXPRESS rules apply with ?type=EXPRESS.
    let activity = r#"{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:us-east-1:123456789012:activity:a","End":true}}}"#;
    let (_, _, body) = request(served.addr, "POST", "/console/validate?type=EXPRESS", activity).await;
    let express: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(validate(served.addr, activity).await["valid"], true);
    assert_eq!(express["valid"], false, "{express}");
}

#[tokio::test]
async fn the_graph_endpoint_draws_the_text_or_says_where_it_is_not_json() {
    let served = serve().await;
    let text =
        r#"{"StartAt":"First","States":{"First":{"Type":"Pass","Next":"Second <b>"},"Second <b>":{"Type":"Succeed"}}}"#;
    let (status, kind, body) = request(served.addr, "POST", "/console/graph", text).await;
    assert_eq!(status, 200);
    assert!(kind.starts_with("image/svg+xml"), "{kind}");
    assert!(body.starts_with("<svg"), "{body}");
    assert!(body.contains(r#"data-state="First""#), "{body}");
    assert!(body.contains("Second &lt;b&gt;") && !body.contains("<b>"), "escaped: {body}");

    let (status, kind, body) = request(served.addr, "POST", "/console/graph", "{\"StartAt\": \n  oops}").await;
    assert_eq!(status, 422);
    assert!(kind.starts_with("text/plain"), "{kind}");
    assert!(body.starts_with("line 2, column 3: "), "{body}");
}

async fn create(runtime: &Runtime<MemoryStore>, name: &str, created: i64) {
    let machine = StateMachine {
        arn: format!("{ARN}{name}"),
        name: name.into(),
        kind: if name.starts_with("express") { Kind::Express } else { Kind::Standard },
        definition: r#"{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}"#.into(),
        role_arn: "arn:aws:iam::123456789012:role/test".into(),
        created,
        revision_id: String::new(),
        description: String::new(),
        configuration: String::new(),
        tags: vec![("team".into(), "blue".into())],
    };
    runtime.store().create_state_machine(machine).await.unwrap();
}

/// The machine names a list page shows, in order.
fn names(page: &str) -> Vec<String> {
    page.split("data-machine=\"").skip(1).map(|rest| rest.split('"').next().unwrap().to_string()).collect()
}

#[tokio::test]
async fn the_list_searches_by_name_and_pages_by_25() {
    let served = serve().await;
    for i in 0..30 {
        create(&served.runtime, &format!("orders-{i:02}"), 1_700_000_000_000 + i).await;
    }
    for i in 0..3 {
        create(&served.runtime, &format!("express-Billing-{i}"), 1_700_000_100_000 + i).await;
    }
    let (status, kind, page) = request(served.addr, "GET", "/", "").await;
    assert_eq!(status, 200);
    assert!(kind.starts_with("text/html"), "{kind}");
    let first = names(&page);
    assert_eq!(first.len(), 25);
    assert_eq!(first[0], "express-Billing-2", "newest first");
    assert!(page.contains("Page 1 of 2 · 33 in all"), "{page}");
    assert!(page.contains(r#"href="/?page=2""#), "{page}");
    let (_, _, page) = request(served.addr, "GET", "/?page=2", "").await;
    let second = names(&page);
    assert_eq!(second.len(), 8);
    assert_eq!(second.last().unwrap(), "orders-00");
    assert!(first.iter().all(|n| !second.contains(n)));

    // Search: a part of the name, in any case, kept in the page links.
    let (_, _, page) = request(served.addr, "GET", "/?q=BILLING", "").await;
    assert_eq!(names(&page), ["express-Billing-2", "express-Billing-1", "express-Billing-0"]);
    assert!(page.contains("EXPRESS"));
    assert!(page.contains(r#"value="BILLING""#));
    let (_, _, page) = request(served.addr, "GET", "/?q=orders-2", "").await;
    assert_eq!(names(&page).len(), 10);
    let (_, _, page) = request(served.addr, "GET", "/?q=%3Cscript%3E", "").await;
    assert!(names(&page).is_empty());
    assert!(page.contains("&lt;script&gt;") && !page.contains("<script>alert"), "escaped");
    // Pages past the end and nonsense are no panic.
    for path in ["/?page=99", "/?page=abc", "/?page=0", "/?page=-1"] {
        let (status, _, _) = request(served.addr, "GET", path, "").await;
        assert_eq!(status, 200, "{path}");
    }
}

#[tokio::test]
async fn the_machine_page_shows_its_executions_filtered_and_its_latest_status_on_the_list() {
    let served = serve().await;
    create(&served.runtime, "flow", 1_700_000_000_000).await;
    for name in ["alpha-1", "alpha-2", "beta-1"] {
        let request = StartRequest { state_machine_arn: format!("{ARN}flow"), name: name.into(), input: "{}".into() };
        served.runtime.start(request).await.unwrap();
    }
    // The Pass machine succeeds at once; wait for the three.
    for _ in 0..100 {
        let query = store::ExecutionQuery {
            state_machine_arn: Some(format!("{ARN}flow")),
            status: Some(store::ExecutionStatus::Succeeded),
            redriven: None,
            page: store::PageRequest::first(10),
        };
        if served.runtime.store().list_executions(query).await.unwrap().items.len() == 3 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let (status, _, page) = request(served.addr, "GET", "/machines/flow", "").await;
    assert_eq!(status, 200);
    for name in ["alpha-1", "alpha-2", "beta-1"] {
        assert!(page.contains(&format!(r#"href="/executions/flow/{name}""#)), "{name}: {page}");
    }
    assert!(page.contains("status-succeeded"));
    assert!(page.contains(r#"data-state="P""#), "the graph");
    assert!(page.contains("team") && page.contains("blue"), "tags");
    let (_, _, page) = request(served.addr, "GET", "/machines/flow?q=ALPHA", "").await;
    assert!(page.contains("alpha-1") && page.contains("alpha-2") && !page.contains("beta-1"));
    let (_, _, page) = request(served.addr, "GET", "/machines/flow?status=RUNNING", "").await;
    assert!(page.contains("No execution matches.") && !page.contains("alpha-1"));
    let (_, _, page) = request(served.addr, "GET", "/machines/flow?status=SUCCEEDED&q=beta", "").await;
    assert!(page.contains("beta-1") && !page.contains("alpha-1"));
    let (_, _, list) = request(served.addr, "GET", "/", "").await;
    assert!(list.contains("status-succeeded"), "latest status on the list: {list}");

    // Versions and aliases.
    let store = served.runtime.store();
    let version = store::Version {
        arn: String::new(),
        state_machine_arn: format!("{ARN}flow"),
        number: 0,
        definition: r#"{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}"#.into(),
        role_arn: "arn:aws:iam::123456789012:role/test".into(),
        revision_id: String::new(),
        description: "first <cut>".into(),
        configuration: String::new(),
        created: 1_700_000_000_000,
    };
    let version = store.publish_version(version).await.unwrap().value;
    let alias = store::Alias {
        arn: format!("{ARN}flow:live"),
        state_machine_arn: format!("{ARN}flow"),
        name: "live".into(),
        description: String::new(),
        routing: vec![(version.arn.clone(), 100)],
        created: 1_700_000_000_000,
        updated: 1_700_000_000_000,
    };
    store.create_alias(alias).await.unwrap();
    let (_, _, page) = request(served.addr, "GET", "/machines/flow", "").await;
    assert!(page.contains("first &lt;cut&gt;"), "the version, escaped: {page}");
    assert!(page.contains("live") && page.contains("version 1 · 100%"), "the alias: {page}");

    // The editor starts from the stored machine; unknown machines are 404.
    let (status, _, page) = request(served.addr, "GET", "/machines/flow/edit", "").await;
    assert_eq!(status, 200);
    assert!(page.contains(r#"value="flow" readonly"#), "{page}");
    for path in ["/machines/nope", "/machines/nope/edit"] {
        let (status, _, _) = request(served.addr, "GET", path, "").await;
        assert_eq!(status, 404, "{path}");
    }
    // Names outside ASCII are linked percent-encoded and found again.
    create(&served.runtime, "café", 1_700_000_000_001).await;
    let (_, _, list) = request(served.addr, "GET", "/?q=caf", "").await;
    assert!(list.contains(r#"href="/machines/caf%C3%A9""#), "{list}");
    let (status, _, page) = request(served.addr, "GET", "/machines/caf%C3%A9", "").await;
    assert_eq!(status, 200);
    assert!(page.contains("stateMachine:café"));
    // Any valid name has its page, "new" too (the editor is at /create).
    create(&served.runtime, "new", 1_700_000_000_002).await;
    let (status, _, page) = request(served.addr, "GET", "/machines/new", "").await;
    assert_eq!(status, 200);
    assert!(page.contains("stateMachine:new"), "{page}");

    // Templates: each one opens the editor with its definition, which is valid.
    let (status, _, page) = request(served.addr, "GET", "/create?template=map", "").await;
    assert_eq!(status, 200);
    assert!(page.contains("Each item"), "{page}");
}
