//! The execution trace over real histories (executions run by `runtime::Runtime` on a
//! `MemoryStore`: success, a caught error, a retry, a Map, a Parallel, a failure), and the
//! execution page, its live and export endpoints and the task inbox over real HTTP.

use console::execution::trace::Trace;
use graph::Status;
use runtime::{BoxFuture, Invoker, Options, Runtime, StartRequest, TaskCall, TaskResult};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use store::{ExecutionStatus, HistoryEvent, HistoryQuery, Kind, MemoryStore, PageRequest, StateMachine, Store};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const PREFIX: &str = "arn:aws:states:us-east-1:123456789012:stateMachine:";

/// Answers tasks by the function name in the resource: `ok` returns its input, `fail` fails with `Boom`, `flaky` fails
/// with `Flaky` twice then returns its input; `.waitForTaskToken` resources are submitted.
#[derive(Default)]
struct Tasks {
    flaky: AtomicUsize,
}

impl Invoker for Tasks {
    fn invoke(&self, call: TaskCall) -> BoxFuture<'_, TaskResult> {
        Box::pin(async move {
            match call.resource.rsplit(':').next().unwrap_or_default() {
                "fail" => Err(("Boom".into(), "it broke".into())),
                "flaky" if self.flaky.fetch_add(1, Ordering::SeqCst) < 2 => Err(("Flaky".into(), "try again".into())),
                _ => Ok(call.input),
            }
        })
    }
}

fn runtime() -> Arc<Runtime<MemoryStore>> {
    let options = Options { node: "test".into(), ..Options::default() };
    Arc::new(Runtime::new(Arc::new(MemoryStore::default()), Arc::new(Tasks::default()), options))
}

async fn machine(runtime: &Runtime<MemoryStore>, name: &str, definition: Value) -> String {
    let machine = StateMachine {
        arn: format!("{PREFIX}{name}"),
        name: name.into(),
        kind: Kind::Standard,
        definition: definition.to_string(),
        role_arn: "arn:aws:iam::123456789012:role/test".into(),
        created: 0,
        revision_id: String::new(),
        description: String::new(),
        configuration: String::new(),
        tags: Vec::new(),
    };
    runtime.store().create_state_machine(machine).await.unwrap();
    format!("{PREFIX}{name}")
}

async fn start(runtime: &Runtime<MemoryStore>, machine: &str, name: &str, input: Value) -> String {
    let request = StartRequest { state_machine_arn: machine.into(), name: name.into(), input: input.to_string() };
    runtime.start(request).await.unwrap()
}

/// Waits (up to 10 s) until the execution is no longer RUNNING; its status and history.
async fn finished(runtime: &Runtime<MemoryStore>, arn: &str) -> (ExecutionStatus, Vec<HistoryEvent>) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let execution = runtime.store().execution(arn).await.unwrap().unwrap();
        if execution.status != ExecutionStatus::Running || Instant::now() > deadline {
            let query = HistoryQuery { execution_arn: arn.into(), reverse: false, page: PageRequest::first(100_000) };
            return (execution.status, runtime.store().history(query).await.unwrap().items);
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Runs `definition` to its end and traces it.
async fn traced(definition: Value, input: Value) -> (ExecutionStatus, Trace) {
    let runtime = runtime();
    let arn = machine(&runtime, "m", definition).await;
    let execution = start(&runtime, &arn, "e", input).await;
    let (status, events) = finished(&runtime, &execution).await;
    if std::env::var("DUMP").is_ok() {
        for e in &events {
            eprintln!("{} {} {} {}", e.id, e.previous_event_id, e.event_type, e.details_json);
        }
    }
    (status, Trace::new(&events, status))
}

fn all() -> BTreeMap<String, usize> {
    BTreeMap::new()
}

#[tokio::test]
async fn a_successful_execution_has_every_state_succeeded_with_its_input_and_output() {
    let (status, trace) = traced(
        json!({"StartAt": "A", "States": {
            "A": {"Type": "Pass", "Result": {"x": 1}, "Next": "Pick"},
            "Pick": {"Type": "Choice", "Choices": [{"Variable": "$.x", "NumericEquals": 2, "Next": "Never"}],
                     "Default": "B"},
            "B": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:ok", "Next": "C"},
            "C": {"Type": "Succeed"},
            "Never": {"Type": "Pass", "End": true}}}),
        json!({"in": true}),
    )
    .await;
    assert_eq!(status, ExecutionStatus::Succeeded);
    let overlay = trace.overlay(&all());
    assert_eq!(overlay.get("A"), Some(&Status::Succeeded));
    assert_eq!(overlay.get("B"), Some(&Status::Succeeded));
    assert_eq!(overlay.get("C"), Some(&Status::Succeeded));
    assert_eq!(overlay.get("Never"), None, "a state never entered has no run");
    let a = &trace.states["A"][0];
    assert_eq!(a.input.as_deref(), Some(r#"{"in":true}"#));
    assert_eq!(a.output.as_deref(), Some(r#"{"x":1}"#));
    let b = &trace.states["B"][0];
    assert_eq!(b.attempts.len(), 1);
    assert_eq!(b.attempts[0].parameters.as_deref(), Some(r#"{"x":1}"#));
    assert_eq!(b.attempts[0].output.as_deref(), Some(r#"{"x":1}"#));
    assert!(b.exited.is_some());
    assert_eq!(trace.transitions, 4);
    assert_eq!(trace.error, None);
}

#[tokio::test]
async fn a_caught_error_is_marked_and_keeps_its_error_and_cause() {
    let (status, trace) = traced(
        json!({"StartAt": "T", "States": {
            "T": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:fail", "Next": "Done",
                  "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Handler", "ResultPath": "$.error"}]},
            "Handler": {"Type": "Pass", "End": true},
            "Done": {"Type": "Pass", "End": true}}}),
        json!({}),
    )
    .await;
    assert_eq!(status, ExecutionStatus::Succeeded);
    let overlay = trace.overlay(&all());
    assert_eq!(overlay.get("T"), Some(&Status::CaughtError));
    assert_eq!(overlay.get("Handler"), Some(&Status::Succeeded));
    assert_eq!(overlay.get("Done"), None);
    let t = &trace.states["T"][0];
    assert_eq!(t.error.as_deref(), Some("Boom"));
    assert_eq!(t.cause.as_deref(), Some("it broke"));
    assert!(t.output.as_deref().unwrap().contains("Boom"), "the caught output carries the error: {:?}", t.output);
}

#[tokio::test]
async fn retries_are_listed_with_their_reasons() {
    let (status, trace) = traced(
        json!({"StartAt": "T", "States": {
            "T": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:flaky", "End": true,
                  "Retry": [{"ErrorEquals": ["Flaky"], "IntervalSeconds": 1, "MaxAttempts": 3, "BackoffRate": 1.0}]}}}),
        json!({"n": 1}),
    )
    .await;
    assert_eq!(status, ExecutionStatus::Succeeded);
    let t = &trace.states["T"][0];
    assert_eq!(t.status, Status::Succeeded);
    assert_eq!(t.attempts.len(), 3);
    assert_eq!(t.retries.len(), 2);
    for retry in &t.retries {
        assert_eq!(retry.error.as_deref(), Some("Flaky"));
        assert_eq!(retry.cause.as_deref(), Some("try again"));
        assert!(retry.retried - retry.failed >= 900, "the retry waited its interval: {retry:?}");
        assert!(!retry.redriven);
    }
    assert_eq!(t.attempts[2].output.as_deref(), Some(r#"{"n":1}"#));
    assert_eq!(t.error.as_deref(), Some("Flaky"), "the last failure is kept");
}

#[tokio::test]
async fn a_failure_marks_the_failing_state_and_names_it_for_the_banner() {
    let (status, trace) = traced(
        json!({"StartAt": "A", "States": {
            "A": {"Type": "Pass", "Next": "T"},
            "T": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:fail", "Next": "After"},
            "After": {"Type": "Pass", "End": true}}}),
        json!({}),
    )
    .await;
    assert_eq!(status, ExecutionStatus::Failed);
    let overlay = trace.overlay(&all());
    assert_eq!(overlay.get("A"), Some(&Status::Succeeded));
    assert_eq!(overlay.get("T"), Some(&Status::Failed));
    assert_eq!(overlay.get("After"), None);
    assert_eq!(trace.error.as_deref(), Some("Boom"));
    assert_eq!(trace.failed_state.as_deref(), Some("T"));
    assert_eq!(trace.states["T"][0].cause.as_deref(), Some("it broke"));
}

#[tokio::test]
async fn a_fail_state_gets_the_executions_error() {
    let (status, trace) = traced(
        json!({"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "Nope", "Cause": "said no"}}}),
        json!({}),
    )
    .await;
    assert_eq!(status, ExecutionStatus::Failed);
    let f = &trace.states["F"][0];
    assert_eq!(f.status, Status::Failed);
    assert_eq!(f.error.as_deref(), Some("Nope"));
    assert_eq!(f.cause.as_deref(), Some("said no"));
    assert_eq!(trace.failed_state.as_deref(), Some("F"));
}

#[tokio::test]
async fn map_iterations_each_have_their_own_runs_and_the_overlay_follows_the_chosen_one() {
    let (status, trace) = traced(
        json!({"StartAt": "M", "States": {
            "M": {"Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 1, "End": true,
                  "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Caught"}],
                  "ItemProcessor": {"StartAt": "Pick", "States": {
                      "Pick": {"Type": "Choice", "Choices": [
                          {"Variable": "$.bad", "BooleanEquals": true, "Next": "Bad"}], "Default": "Good"},
                      "Good": {"Type": "Pass", "End": true},
                      "Bad": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:fail", "End": true}}}},
            "Caught": {"Type": "Pass", "End": true}}}),
        json!({"items": [{"bad": false}, {"bad": false}, {"bad": true}]}),
    )
    .await;
    assert_eq!(status, ExecutionStatus::Succeeded);
    assert_eq!(trace.maps.get("M"), Some(&3));
    let m = &trace.states["M"][0];
    assert_eq!(m.status, Status::CaughtError);
    assert_eq!(m.length, Some(3));
    assert_eq!(m.iteration_status.get(&0), Some(&Status::Succeeded));
    assert_eq!(m.iteration_status.get(&2), Some(&Status::Failed));
    assert_eq!(trace.states["Pick"].len(), 3);
    let iteration = |i: usize| BTreeMap::from([("M".to_string(), i)]);
    let first = trace.overlay(&iteration(0));
    assert_eq!(first.get("Good"), Some(&Status::Succeeded));
    assert_eq!(first.get("Bad"), None, "iteration 0 never entered Bad");
    let third = trace.overlay(&iteration(2));
    assert_eq!(third.get("Bad"), Some(&Status::Failed));
    assert_eq!(third.get("Good"), None);
    assert_eq!(third.get("Pick"), Some(&Status::Succeeded));
    let runs = trace.runs("Pick", &iteration(1));
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].iterations, vec![("M".to_string(), 1)]);
    assert_eq!(runs[0].input.as_deref(), Some(r#"{"bad":false}"#));
    let together = trace.overlay(&all());
    assert_eq!(together.get("Bad"), Some(&Status::Failed));
    assert_eq!(together.get("Good"), Some(&Status::Succeeded));
    assert_eq!(together.get("Caught"), Some(&Status::Succeeded));
}

#[tokio::test]
async fn parallel_branches_are_traced_and_a_failed_branch_aborts_its_sibling() {
    let (status, trace) = traced(
        json!({"StartAt": "P", "States": {
            "P": {"Type": "Parallel", "End": true, "Branches": [
                {"StartAt": "Left", "States": {"Left": {"Type": "Pass", "Next": "Left2"},
                                               "Left2": {"Type": "Pass", "End": true}}},
                {"StartAt": "Slow", "States": {"Slow": {"Type": "Wait", "Seconds": 5, "End": true}}},
                {"StartAt": "Right", "States": {"Right": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:fail", "End": true}}}]}}}),
        json!({}),
    )
    .await;
    assert_eq!(status, ExecutionStatus::Failed);
    let overlay = trace.overlay(&all());
    assert_eq!(overlay.get("Left"), Some(&Status::Succeeded));
    assert_eq!(overlay.get("Left2"), Some(&Status::Succeeded));
    assert_eq!(overlay.get("Right"), Some(&Status::Failed));
    assert_eq!(overlay.get("Slow"), Some(&Status::Aborted));
    assert_eq!(overlay.get("P"), Some(&Status::Failed));
    assert_eq!(trace.failed_state.as_deref(), Some("Right"));
    assert_eq!(trace.states["Right"][0].error.as_deref(), Some("Boom"));
}

#[tokio::test]
async fn a_running_execution_shows_its_current_state_in_progress() {
    let runtime = runtime();
    let arn = machine(
        &runtime,
        "w",
        json!({"StartAt": "A", "States": {
            "A": {"Type": "Pass", "Next": "Wait"},
            "Wait": {"Type": "Wait", "Seconds": 30, "Next": "B"},
            "B": {"Type": "Pass", "End": true}}}),
    )
    .await;
    let execution = start(&runtime, &arn, "e", json!({})).await;
    let deadline = Instant::now() + Duration::from_secs(5);
    let trace = loop {
        let query = HistoryQuery { execution_arn: execution.clone(), reverse: false, page: PageRequest::first(100) };
        let events = runtime.store().history(query).await.unwrap().items;
        let trace = Trace::new(&events, ExecutionStatus::Running);
        if trace.states.contains_key("Wait") || Instant::now() > deadline {
            break trace;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let overlay = trace.overlay(&all());
    assert_eq!(overlay.get("A"), Some(&Status::Succeeded));
    assert_eq!(overlay.get("Wait"), Some(&Status::InProgress));
    assert_eq!(overlay.get("B"), None);
}

/// The console on an ephemeral port over `runtime`.
async fn serve(runtime: Arc<Runtime<MemoryStore>>) -> String {
    let config = console::Config { region: "us-east-1".into(), account: "123456789012".into() };
    let router = console::router(runtime, config);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    addr.to_string()
}

/// `GET path`: the status code, the head and the body.
async fn get(addr: &str, path: &str) -> (u16, String, String) {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.unwrap();
    let response = String::from_utf8_lossy(&response).to_string();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    (status, head.to_string(), body.to_string())
}

#[tokio::test]
async fn the_execution_page_live_and_export_endpoints_show_a_failed_execution() {
    let runtime = runtime();
    let arn = machine(
        &runtime,
        "shop",
        json!({"StartAt": "Charge", "States": {"Charge": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:fail", "End": true}}}),
    )
    .await;
    let execution = start(&runtime, &arn, "order<1>", json!({"item": "<b>book</b>"})).await;
    finished(&runtime, &execution).await;
    let addr = serve(Arc::clone(&runtime)).await;

    let (status, _, page) = get(&addr, "/executions/shop/order%3C1%3E").await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("FAILED"));
    assert!(page.contains("data-select-state=\"Charge\""), "the banner links the failing step");
    assert!(page.contains("it broke"), "the cause is shown");
    assert!(page.contains(r#"class="state state-failed type-task" data-state="Charge""#), "{page}");
    assert!(page.contains("&lt;b&gt;book&lt;/b&gt;"), "the input is escaped");
    assert!(!page.contains("<b>book</b>"));
    assert!(page.contains("ExecutionFailed"), "the event table lists the events");
    assert!(
        page.contains(r##"<a href="#" data-select-state="Charge" title="Show the state Charge">TaskStateEntered</a>"##)
    );
    assert!(page.contains(r#"data-action="redrive">"#), "a failed execution can be redriven");
    assert!(page.contains(r#"data-action="stop" hidden"#), "a failed execution cannot be stopped");

    let (status, _, live) = get(&addr, "/console/executions/shop/order%3C1%3E/live").await;
    assert_eq!(status, 200);
    let live: Value = serde_json::from_str(&live).unwrap();
    assert_eq!(live["status"], "FAILED");
    assert_eq!(live["running"], false);
    assert_eq!(live["trace"]["states"]["Charge"][0]["status"], "failed");
    assert_eq!(live["trace"]["states"]["Charge"][0]["error"], "Boom");
    assert!(live["svg"].as_str().unwrap().contains("state-failed"));
    assert_eq!(live["events"], 6);
    let (_, _, again) = get(&addr, "/console/executions/shop/order%3C1%3E/live?known=6").await;
    let again: Value = serde_json::from_str(&again).unwrap();
    assert_eq!(again["unchanged"], true, "nothing new: only the summary again");
    assert_eq!(again["status"], "FAILED");
    assert!(again["summary"].as_str().unwrap().contains("FAILED"));
    assert!(again.get("trace").is_none() && again.get("svg").is_none());
    let (_, _, stale) = get(&addr, "/console/executions/shop/order%3C1%3E/live?known=2").await;
    let stale: Value = serde_json::from_str(&stale).unwrap();
    assert!(stale["svg"].is_string(), "behind: everything again");

    let (status, head, export) = get(&addr, "/console/executions/shop/order%3C1%3E/export").await;
    assert_eq!(status, 200);
    assert!(head.to_ascii_lowercase().contains("content-disposition: attachment"), "{head}");
    let export: Value = serde_json::from_str(&export).unwrap();
    assert_eq!(export["execution"]["status"], "FAILED");
    assert_eq!(export["execution"]["error"], "Boom");
    let events = export["events"].as_array().unwrap();
    assert_eq!(events[0]["type"], "ExecutionStarted");
    assert_eq!(events[0]["executionStartedEventDetails"]["input"], r#"{"item":"<b>book</b>"}"#);
    assert_eq!(events.last().unwrap()["type"], "ExecutionFailed");

    let (status, _, _) = get(&addr, "/executions/shop/nothing").await;
    assert_eq!(status, 404);
    let (status, _, _) = get(&addr, "/console/executions/shop/nothing/live").await;
    assert_eq!(status, 404);
    // Odd queries are no panic.
    let (status, _, _) =
        get(&addr, "/executions/shop/order%3C1%3E?page=999999&sel=M:x,:3,Charge:99999999999999999999&filter=%00").await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn the_event_table_pages_and_filters() {
    let runtime = runtime();
    let states: serde_json::Map<String, Value> = (0..40)
        .map(|i| {
            let next = if i == 39 {
                json!({"Type": "Pass", "End": true})
            } else {
                json!({"Type": "Pass", "Next": format!("S{}", i + 1)})
            };
            (format!("S{i}"), next)
        })
        .collect();
    let arn = machine(&runtime, "long", json!({"StartAt": "S0", "States": states})).await;
    let execution = start(&runtime, &arn, "e", json!({})).await;
    let (_, events) = finished(&runtime, &execution).await;
    assert_eq!(events.len(), 82);
    let addr = serve(runtime).await;
    let (_, _, first) = get(&addr, "/executions/long/e").await;
    assert!(first.contains("Page 1 of 2"));
    assert!(first.contains("82 of 82 events"));
    let (_, _, second) = get(&addr, "/executions/long/e?page=2").await;
    assert!(second.contains("Page 2 of 2"));
    assert!(second.contains("ExecutionSucceeded"));
    let (_, _, filtered) = get(&addr, "/executions/long/e?filter=execution").await;
    assert!(filtered.contains("2 of 82 events"), "ExecutionStarted and ExecutionSucceeded");
    assert!(!filtered.contains("Page 1 of"));
}

#[tokio::test]
async fn the_inbox_lists_waiting_callbacks_and_not_ordinary_tasks() {
    let runtime = runtime();
    let arn = machine(
        &runtime,
        "approval",
        json!({"StartAt": "Ask", "States": {
            "Ask": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
                    "Parameters": {"token.$": "$$.Task.Token", "order.$": "$.order"}, "End": true}}}),
    )
    .await;
    let execution = start(&runtime, &arn, "wants-approval", json!({"order": "<script>x</script>"})).await;
    let addr = serve(Arc::clone(&runtime)).await;
    let deadline = Instant::now() + Duration::from_secs(5);
    let page = loop {
        let (status, _, page) = get(&addr, "/inbox").await;
        assert_eq!(status, 200);
        if page.contains("data-token") || Instant::now() > deadline {
            break page;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(page.contains("/executions/approval/wants-approval"), "{page}");
    assert!(page.contains("Ask"));
    assert!(page.contains("&lt;script&gt;x&lt;/script&gt;"), "the input is escaped");
    assert!(page.contains("waiting since"), "{page}");
    let tasks = runtime.store().pending_tasks(&execution).await.unwrap();
    assert!(page.contains(&tasks[0].token));
    assert!(page.contains(r#"id="inbox-empty" hidden"#), "{page}");
    let (_, _, fragment) = get(&addr, "/console/inbox").await;
    assert!(fragment.contains(&tasks[0].token), "the fragment the page polls: {fragment}");

    runtime.send_task_success(&tasks[0].token, r#"{"approved":true}"#).await.unwrap();
    let (status, _) = finished(&runtime, &execution).await;
    assert_eq!(status, ExecutionStatus::Succeeded);
    let (_, _, page) = get(&addr, "/inbox").await;
    assert!(page.contains(r#"id="inbox-empty">No task is waiting."#), "{page}");
    assert!(!page.contains("data-token"));
    let (status, _, fragment) = get(&addr, "/console/inbox").await;
    assert_eq!(status, 200);
    assert!(fragment.starts_with(r#"<ul class="inbox">"#), "{fragment}");
}

#[tokio::test]
async fn a_tasks_data_flow_stages_are_recomputed_with_its_recorded_result() {
    let runtime = runtime();
    let arn = machine(
        &runtime,
        "flow",
        json!({"StartAt": "Call", "States": {
            "Call": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:ok",
                     "InputPath": "$.order", "Parameters": {"id.$": "$.id", "twice.$": "States.Array($.id, $.id)"},
                     "ResultSelector": {"first.$": "$.twice[0]"}, "ResultPath": "$.result", "OutputPath": "$.result",
                     "Next": "Map"},
            "Map": {"Type": "Map", "ItemsPath": "$.missing", "End": true,
                    "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Caught"}],
                    "ItemProcessor": {"StartAt": "In", "States": {"In": {"Type": "Pass", "End": true}}}},
            "Caught": {"Type": "Pass", "End": true}}}),
    )
    .await;
    let execution = start(&runtime, &arn, "e", json!({"order": {"id": 5}})).await;
    finished(&runtime, &execution).await;
    let addr = serve(runtime).await;
    let (status, _, body) = get(&addr, "/console/executions/flow/e/stages?state=Call&run=0").await;
    assert_eq!(status, 200, "{body}");
    let answer: Value = serde_json::from_str(&body).unwrap();
    let stages: BTreeMap<String, Value> = answer["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|pair| (pair[0].as_str().unwrap().to_string(), serde_json::from_str(pair[1].as_str().unwrap()).unwrap()))
        .collect();
    assert_eq!(stages["input"], json!({"order": {"id": 5}}));
    assert_eq!(stages["afterInputPath"], json!({"id": 5}));
    assert_eq!(stages["afterParameters"], json!({"id": 5, "twice": [5, 5]}));
    assert_eq!(stages["result"], json!({"id": 5, "twice": [5, 5]}), "the recorded task result is the mock");
    assert_eq!(stages["afterResultSelector"], json!({"first": 5}));
    assert_eq!(stages["afterResultPath"], json!({"order": {"id": 5}, "result": {"first": 5}}), "on the state input");
    assert_eq!(answer["output"], r#"{"first":5}"#);
    assert_eq!(answer["matches"], true, "the recomputed output is the recorded one: {answer}");

    let (status, _, body) = get(&addr, "/console/executions/flow/e/stages?state=Map&run=0").await;
    assert_eq!(status, 422, "a Map is not recomputed: {body}");
    let (status, _, _) = get(&addr, "/console/executions/flow/e/stages?state=Call&run=7").await;
    assert_eq!(status, 404);
    let (status, _, _) = get(&addr, "/console/executions/flow/e/stages?state=Nope&run=0").await;
    assert_eq!(status, 404);
    let (status, _, _) = get(&addr, "/console/executions/flow/e/stages?state=Call").await;
    assert_eq!(status, 400, "a missing run is refused, not a panic");
}

#[tokio::test]
async fn a_parallel_inside_a_map_and_a_map_inside_a_map_are_traced_per_iteration() {
    let (status, trace) = traced(
        json!({"StartAt": "Outer", "States": {
            "Outer": {"Type": "Map", "ItemsPath": "$.rows", "MaxConcurrency": 2, "Next": "After",
                "ItemProcessor": {"StartAt": "Fork", "States": {
                    "Fork": {"Type": "Parallel", "Next": "Inner", "ResultPath": null, "Branches": [
                        {"StartAt": "L", "States": {"L": {"Type": "Pass", "End": true}}},
                        {"StartAt": "R", "States": {"R": {"Type": "Task",
                            "Resource": "arn:aws:lambda:us-east-1:123456789012:function:ok", "End": true}}}]},
                    "Inner": {"Type": "Map", "ItemsPath": "$.cells", "End": true,
                        "ItemProcessor": {"StartAt": "Cell", "States": {
                            "Cell": {"Type": "Choice", "Choices": [
                                {"Variable": "$", "NumericEquals": 0, "Next": "Zero"}], "Default": "Other"},
                            "Zero": {"Type": "Pass", "End": true},
                            "Other": {"Type": "Pass", "End": true}}}}}}},
            "After": {"Type": "Pass", "End": true}}}),
        json!({"rows": [{"cells": [0, 1]}, {"cells": [2]}, {"cells": [0]}]}),
    )
    .await;
    assert_eq!(status, ExecutionStatus::Succeeded);
    assert_eq!(trace.maps.get("Outer"), Some(&3));
    assert_eq!(trace.maps.get("Inner"), Some(&2));
    assert_eq!(trace.states["Fork"].len(), 3);
    assert_eq!(trace.states["R"].len(), 3);
    assert_eq!(trace.states["Cell"].len(), 4);
    for runs in trace.states.values() {
        for run in runs {
            assert_eq!(run.status, Status::Succeeded, "{run:?}");
        }
    }
    assert_eq!(trace.states["After"][0].status, Status::Succeeded);
    let pick = |outer: usize, inner: Option<usize>| {
        let mut selection = BTreeMap::from([("Outer".to_string(), outer)]);
        if let Some(inner) = inner {
            selection.insert("Inner".to_string(), inner);
        }
        selection
    };
    // Row 1 has the cell 2 only: Other, never Zero.
    let row1 = trace.overlay(&pick(1, None));
    assert_eq!(row1.get("Other"), Some(&Status::Succeeded));
    assert_eq!(row1.get("Zero"), None);
    assert_eq!(row1.get("L"), Some(&Status::Succeeded));
    // Row 0, cell 0: Zero; row 0, cell 1: Other.
    assert_eq!(trace.overlay(&pick(0, Some(0))).get("Zero"), Some(&Status::Succeeded));
    assert_eq!(trace.overlay(&pick(0, Some(0))).get("Other"), None);
    assert_eq!(trace.overlay(&pick(0, Some(1))).get("Other"), Some(&Status::Succeeded));
    let cell = trace.runs("Cell", &pick(0, Some(1)));
    assert_eq!(cell.len(), 1);
    assert_eq!(cell[0].iterations, vec![("Outer".to_string(), 0), ("Inner".to_string(), 1)]);
    assert_eq!(cell[0].input.as_deref(), Some("1"));
    let r = trace.runs("R", &pick(2, None));
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].input.as_deref(), Some(r#"{"cells":[0]}"#));
    assert_eq!(r[0].attempts.len(), 1);
}

#[tokio::test]
async fn a_stopped_execution_shows_its_running_states_aborted() {
    let runtime = runtime();
    let arn = machine(
        &runtime,
        "stopped",
        json!({"StartAt": "M", "States": {
            "M": {"Type": "Map", "ItemsPath": "$.items", "End": true,
                  "ItemProcessor": {"StartAt": "Sleep", "States": {"Sleep": {"Type": "Wait", "Seconds": 60, "End": true}}}}}}),
    )
    .await;
    let execution = start(&runtime, &arn, "e", json!({"items": [1, 2]})).await;
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let query = HistoryQuery { execution_arn: execution.clone(), reverse: false, page: PageRequest::first(100) };
        let events = runtime.store().history(query).await.unwrap().items;
        if events.iter().filter(|e| e.event_type == "WaitStateEntered").count() == 2 || Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    runtime.stop(&execution, Some("Enough".into()), Some("stopped by the test".into())).await.unwrap();
    let (status, events) = finished(&runtime, &execution).await;
    assert_eq!(status, ExecutionStatus::Aborted);
    let trace = Trace::new(&events, status);
    assert_eq!(trace.states["Sleep"].len(), 2);
    for run in &trace.states["Sleep"] {
        assert_eq!(run.status, Status::Aborted, "{run:?}");
    }
    assert_eq!(trace.states["M"][0].status, Status::Aborted);
    assert_eq!(trace.error.as_deref(), Some("Enough"));
    assert_eq!(trace.states["M"][0].iteration_status.get(&1), Some(&Status::Aborted));
}

#[tokio::test]
async fn a_child_executions_page_links_its_parent() {
    let runtime = runtime();
    let child =
        machine(&runtime, "child", json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}})).await;
    let parent = machine(
        &runtime,
        "parent",
        json!({"StartAt": "Run", "States": {"Run": {"Type": "Task",
            "Resource": "arn:aws:states:::states:startExecution.sync:2",
            "Parameters": {"StateMachineArn": child, "Name": "kid",
                "Input": {"AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$": "$$.Execution.Id"}},
            "End": true}}}),
    )
    .await;
    let execution = start(&runtime, &parent, "mum", json!({})).await;
    let (status, _) = finished(&runtime, &execution).await;
    assert_eq!(status, ExecutionStatus::Succeeded);
    let addr = serve(runtime).await;
    let (status, _, page) = get(&addr, "/executions/child/kid").await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Parent execution"), "{page}");
    assert!(page.contains(r#"href="/executions/parent/mum""#), "{page}");
}

#[tokio::test]
async fn a_redriven_task_keeps_one_run_with_every_attempt() {
    let runtime = runtime();
    let arn = machine(
        &runtime,
        "redriven",
        json!({"StartAt": "T", "States": {
            "T": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:flaky", "Next": "Done"},
            "Done": {"Type": "Pass", "End": true}}}),
    )
    .await;
    let execution = start(&runtime, &arn, "e", json!({"n": 1})).await;
    for _ in 0..2 {
        let (status, events) = finished(&runtime, &execution).await;
        assert_eq!(status, ExecutionStatus::Failed);
        let trace = Trace::new(&events, status);
        assert_eq!(trace.overlay(&all()).get("T"), Some(&Status::Failed));
        assert_eq!(trace.error.as_deref(), Some("Flaky"));
        runtime.redrive(&execution, None).await.unwrap();
    }
    let (status, events) = finished(&runtime, &execution).await;
    assert_eq!(status, ExecutionStatus::Succeeded);
    let trace = Trace::new(&events, status);
    assert_eq!(trace.states["T"].len(), 1, "a redrive reruns the state without entering it again");
    let t = &trace.states["T"][0];
    assert_eq!(t.status, Status::Succeeded);
    assert_eq!(t.attempts.len(), 3);
    assert_eq!(t.retries.len(), 2);
    assert!(t.retries.iter().all(|r| r.redriven), "both came from redrives: {:?}", t.retries);
    assert_eq!(trace.overlay(&all()).get("Done"), Some(&Status::Succeeded));
    assert_eq!(trace.error, None);
    assert_eq!(trace.failed_state, None);
}

#[test]
fn the_page_helpers_read_selections_arns_and_definitions() {
    use console::execution::{duration, encode, page_of, state_fields, View};
    let view = View {
        sel: Some("Outer:2,a:b:7,bad,:x,Big:99999999999999999999999".into()),
        page: None,
        filter: None,
        known: None,
    };
    let selection = view.selection();
    assert_eq!(selection.get("Outer"), Some(&2));
    assert_eq!(selection.get("a:b"), Some(&7), "a name may hold ':'");
    assert_eq!(selection.len(), 2, "{selection:?}");
    assert_eq!(
        page_of("arn:aws:states:us-east-1:123456789012:execution:my machine:run/1").as_deref(),
        Some("/executions/my%20machine/run%2F1")
    );
    assert_eq!(page_of("arn:aws:states:us-east-1:123456789012:stateMachine:m"), None);
    assert_eq!(encode("a-b_c.d~é"), "a-b_c.d~%C3%A9");
    assert_eq!(duration(999), "999 ms");
    assert_eq!(duration(1500), "1.500 s");
    assert_eq!(duration(125_000), "2 min 5 s");
    assert_eq!(duration(-5), "0 ms");
    let fields = state_fields(&json!({"QueryLanguage": "JSONata", "StartAt": "M", "States": {
        "M": {"Type": "Map", "End": true, "ItemProcessor": {"StartAt": "In", "States": {
            "In": {"Type": "Pass", "QueryLanguage": "JSONPath", "Parameters": {"a": 1}, "End": true}}}},
        "Odd": "not an object"}}));
    assert_eq!(fields["M"]["type"], "Map");
    assert_eq!(fields["M"]["jsonata"], true);
    assert_eq!(fields["In"]["jsonata"], false);
    assert_eq!(fields["In"]["fields"]["Parameters"], json!({"a": 1}));
    assert_eq!(fields["Odd"]["type"], Value::Null, "a state that is not an object is no panic");
    assert_eq!(state_fields(&json!("not a definition")), json!({}));
}

/// Histories no engine writes (events in any order, dangling previous ids, details that are not
/// JSON or lack their fields) are traced without a panic.
#[test]
fn odd_histories_are_no_panic() {
    let types = [
        "ExecutionStarted",
        "PassStateEntered",
        "PassStateExited",
        "TaskStateEntered",
        "TaskScheduled",
        "TaskFailed",
        "TaskStateAborted",
        "MapStateEntered",
        "MapStateStarted",
        "MapIterationStarted",
        "MapIterationSucceeded",
        "MapIterationFailed",
        "MapStateFailed",
        "MapStateSucceeded",
        "ParallelStateStarted",
        "ParallelStateFailed",
        "ParallelStateSucceeded",
        "ExecutionFailed",
        "ExecutionRedriven",
        "ExecutionSucceeded",
    ];
    let details = [
        "",
        "not json",
        "[]",
        r#"{"name": "A"}"#,
        r#"{"name": "M", "index": 3}"#,
        r#"{"name": 5, "index": -1}"#,
        r#"{"error": "E", "cause": "C"}"#,
        r#"{"length": 2}"#,
    ];
    let mut seed: u64 = 7;
    let mut next = |n: usize| {
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((seed >> 33) as usize) % n
    };
    for _ in 0..300 {
        let count = next(40);
        let events: Vec<HistoryEvent> = (0..count)
            .map(|i| HistoryEvent {
                execution_arn: "arn".into(),
                id: next(50) as u64 + (i as u64 % 3),
                previous_event_id: next(50) as u64,
                timestamp: next(10_000) as i64 - 100,
                event_type: types[next(types.len())].into(),
                details_json: details[next(details.len())].into(),
            })
            .collect();
        for status in ExecutionStatus::ALL {
            let trace = Trace::new(&events, status);
            let _ = trace.overlay(&BTreeMap::from([("M".to_string(), 3)]));
            let _ = serde_json::to_string(&trace).unwrap();
        }
    }
}

#[tokio::test]
async fn the_inbox_lists_activity_tasks_and_rejecting_one_fails_its_state() {
    let runtime = runtime();
    let activity = "arn:aws:states:us-east-1:123456789012:activity:review";
    let record = store::Activity { arn: activity.into(), name: "review".into(), created: 0, tags: Vec::new() };
    runtime.store().create_activity(record).await.unwrap();
    let arn = machine(
        &runtime,
        "reviewed",
        json!({"StartAt": "Review", "States": {"Review": {"Type": "Task", "Resource": activity, "End": true}}}),
    )
    .await;
    // An ordinary task of another execution is not listed.
    let other = machine(
        &runtime,
        "plain",
        json!({"StartAt": "Wait", "States": {"Wait": {"Type": "Wait", "Seconds": 30, "End": true}}}),
    )
    .await;
    start(&runtime, &other, "waiting", json!({})).await;
    let execution = start(&runtime, &arn, "doc-1", json!({"doc": 1})).await;
    let addr = serve(Arc::clone(&runtime)).await;
    let deadline = Instant::now() + Duration::from_secs(5);
    let page = loop {
        let (_, _, page) = get(&addr, "/inbox").await;
        if page.contains("data-token") || Instant::now() > deadline {
            break page;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(page.contains("/executions/reviewed/doc-1"), "{page}");
    assert!(page.contains(r#"<span class="tag">activity</span>"#), "{page}");
    assert!(!page.contains("/executions/plain/waiting"), "a Wait is not a task to answer");
    assert_eq!(page.matches("data-token").count(), 1);
    let task = runtime.store().pending_tasks(&execution).await.unwrap().remove(0);
    runtime.send_task_failure(&task.token, "Rejected", "not good enough").await.unwrap();
    let (status, events) = finished(&runtime, &execution).await;
    assert_eq!(status, ExecutionStatus::Failed);
    let trace = Trace::new(&events, status);
    let review = &trace.states["Review"][0];
    assert_eq!(review.status, Status::Failed);
    assert_eq!(review.error.as_deref(), Some("Rejected"));
    assert_eq!(review.attempts[0].resource.as_deref(), Some(activity));
}

#[tokio::test]
async fn a_map_with_many_iterations_gets_a_number_field_as_its_picker() {
    let runtime = runtime();
    let arn = machine(
        &runtime,
        "many",
        json!({"StartAt": "M", "States": {"M": {"Type": "Map", "End": true,
            "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}}}}),
    )
    .await;
    let items: Vec<usize> = (0..150).collect();
    let execution = start(&runtime, &arn, "e", json!(items)).await;
    let (status, _) = finished(&runtime, &execution).await;
    assert_eq!(status, ExecutionStatus::Succeeded);
    let addr = serve(runtime).await;
    let (_, _, page) = get(&addr, "/executions/many/e?sel=M:149").await;
    assert!(
        page.contains(r#"<input type="number" min="0" max="149" placeholder="all" data-map="M" value="149">"#),
        "{page}"
    );
    let (_, _, live) = get(&addr, "/console/executions/many/e/live?sel=M:149").await;
    let live: Value = serde_json::from_str(&live).unwrap();
    assert_eq!(live["trace"]["maps"]["M"], 150);
    assert_eq!(live["trace"]["states"]["P"].as_array().unwrap().len(), 150);
}

#[tokio::test]
async fn a_jsonata_states_stages_and_assigned_variables_are_shown() {
    let runtime = runtime();
    let arn = machine(
        &runtime,
        "jsonata",
        json!({"QueryLanguage": "JSONata", "StartAt": "Set", "States": {
            "Set": {"Type": "Pass", "Assign": {"factor": 3}, "Next": "Call"},
            "Call": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:ok",
                     "Arguments": {"n": "{% $states.input.n * $factor %}"},
                     "Output": {"got": "{% $states.result.n %}"}, "End": true}}}),
    )
    .await;
    let execution = start(&runtime, &arn, "e", json!({"n": 2})).await;
    let (status, events) = finished(&runtime, &execution).await;
    assert_eq!(status, ExecutionStatus::Succeeded);
    let trace = Trace::new(&events, status);
    assert_eq!(trace.states["Set"][0].assigned.as_deref(), Some(r#"{"factor":"3"}"#));
    let addr = serve(runtime).await;
    let (status, _, body) = get(&addr, "/console/executions/jsonata/e/stages?state=Call&run=0").await;
    assert_eq!(status, 200, "{body}");
    let answer: Value = serde_json::from_str(&body).unwrap();
    let stages: BTreeMap<String, String> = answer["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|pair| (pair[0].as_str().unwrap().to_string(), pair[1].as_str().unwrap().to_string()))
        .collect();
    assert_eq!(stages["afterArguments"], r#"{"n":6}"#, "the variable assigned before is seen: {answer}");
    assert_eq!(stages["result"], r#"{"n":6}"#);
    assert_eq!(answer["output"], r#"{"got":6}"#);
    assert_eq!(answer["matches"], true);
    let (_, _, page) = get(&addr, "/executions/jsonata/e").await;
    assert!(page.contains("&quot;jsonata&quot;:true"), "the panel knows the state's query language");
}

#[tokio::test]
async fn a_fail_state_in_a_branch_is_the_failing_step_with_its_definitions_error() {
    let runtime = runtime();
    let arn = machine(
        &runtime,
        "branchy",
        json!({"StartAt": "P", "States": {"P": {"Type": "Parallel", "End": true, "Branches": [
            {"StartAt": "Ok", "States": {"Ok": {"Type": "Pass", "End": true}}},
            {"StartAt": "No", "States": {"No": {"Type": "Fail", "Error": "Refused", "Cause": "by the branch"}}}]}}}),
    )
    .await;
    let execution = start(&runtime, &arn, "e", json!({})).await;
    let (status, _) = finished(&runtime, &execution).await;
    assert_eq!(status, ExecutionStatus::Failed);
    let addr = serve(runtime).await;
    let (_, _, live) = get(&addr, "/console/executions/branchy/e/live").await;
    let live: Value = serde_json::from_str(&live).unwrap();
    assert_eq!(live["trace"]["failed_state"], "No", "{}", live["trace"]);
    assert_eq!(live["trace"]["states"]["No"][0]["error"], "Refused");
    assert_eq!(live["trace"]["states"]["No"][0]["cause"], "by the branch");
    assert_eq!(live["trace"]["states"]["P"][0]["status"], "failed");
}
