//! The local Lambda with real processes and real HTTP: Python and Node handlers through the
//! Runtime API (warm processes reused), handler errors and timeouts in AWS's shapes,
//! forwarding to an Invoke endpoint (a stand-in for SAM local), and the Lambda API subset.

use lambda::{FunctionConfig, Lambda, Language, Options, Source};
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

fn ci() -> bool {
    std::env::var("CI").map(|v| v == "true" || v == "1").unwrap_or(false)
}

/// Whether `program --version` runs; under CI a missing tool fails the test.
fn have(program: &str) -> bool {
    let found = Command::new(program).arg("--version").output().is_ok_and(|o| o.status.success());
    if !found {
        assert!(!ci(), "{program} is required under CI");
        eprintln!("skipped: {program} is not installed");
    }
    found
}

fn lambda(dir: &Path, data: bool) -> Lambda {
    Lambda::new(Options {
        region: "us-east-1".into(),
        account: "123456789012".into(),
        cache_dir: dir.join("cache"),
        data_dir: data.then(|| dir.join("data")),
    })
    .expect("lambda")
}

fn handler(dir: &Path, language: Language, file: &str, code: &str, handler: &str) -> FunctionConfig {
    let code_dir = dir.join(format!("code-{}", file.replace('.', "-")));
    std::fs::create_dir_all(&code_dir).unwrap();
    std::fs::write(code_dir.join(file), code).unwrap();
    FunctionConfig::new(Source::Handler { language, handler: handler.into(), code: code_dir })
}

const PYTHON: &str = r#"import os

def handler(event, context):
    if event.get("fail"):
        raise ValueError("bad input: %s" % event["fail"])
    if event.get("sleep"):
        import time
        time.sleep(event["sleep"])
    return {"echo": event, "pid": os.getpid(), "request": context.aws_request_id,
            "arn": context.invoked_function_arn, "left": context.get_remaining_time_in_millis() > 0,
            "env": os.environ.get("GREETING")}
"#;

fn value(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

fn alive(pid: u32) -> bool {
    // A reaped process has no /proc entry; a zombie counts as dead.
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| !s.contains(") Z "))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_handler_runs_warm_and_maps_errors() {
    if !have("python3") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let lambda = lambda(dir.path(), false);
    let mut config = handler(dir.path(), Language::Python, "app.py", PYTHON, "app.handler");
    config.environment.insert("GREETING".into(), "hi".into());
    lambda.add("echo", config).unwrap();

    let first = lambda.invoke("echo", r#"{"n": 1}"#.into()).await.expect("invoke");
    assert_eq!(first.function_error, None);
    let result = value(&first.payload);
    assert_eq!(result["echo"], json!({"n": 1}));
    assert_eq!(result["request"], json!(first.request_id));
    assert_eq!(result["arn"], json!("arn:aws:lambda:us-east-1:123456789012:function:echo"));
    assert_eq!(result["left"], json!(true));
    assert_eq!(result["env"], json!("hi"));
    let pid = result["pid"].as_u64().unwrap() as u32;
    assert_eq!(lambda.idle_pids("echo"), vec![pid]);

    // The legacy resource: the result is the function's result, from the same warm process.
    let resource = "arn:aws:lambda:us-east-1:123456789012:function:echo";
    let output = lambda.task(resource, &expr::json!({"n": 2})).await.expect("a lambda resource").expect("ok");
    assert_eq!(output.get("pid").and_then(expr::Value::as_u64), Some(u64::from(pid)));
    assert_eq!(output.get("echo"), Some(&expr::json!({"n": 2})));

    // A raised exception: Error = errorType, Cause = the payload (spaced as Python's runtime
    // writes it for the legacy form, compact for lambda:invoke).
    let (error, cause) = lambda.task(resource, &expr::json!({"fail": "x"})).await.unwrap().unwrap_err();
    assert_eq!(error, "ValueError");
    assert!(
        cause.starts_with(r#"{"errorMessage": "bad input: x", "errorType": "ValueError", "requestId": ""#),
        "{cause}"
    );
    let cause = value(&cause);
    let trace = cause["stackTrace"].as_array().expect("stackTrace");
    assert_eq!(trace.len(), 1, "only the handler's frames: {trace:?}");
    assert!(trace[0].as_str().unwrap().contains("app.py\", line 5, in handler\n    raise ValueError"), "{trace:?}");
    let input = expr::json!({"FunctionName": "echo", "Payload": {"fail": "y"}});
    let (error, cause) = lambda.task("arn:aws:states:::lambda:invoke", &input).await.unwrap().unwrap_err();
    assert_eq!(error, "ValueError");
    assert!(cause.starts_with(r#"{"errorMessage":"bad input: y","errorType":"ValueError","requestId":""#), "{cause}");
    // An error does not cost the process.
    assert_eq!(lambda.idle_pids("echo"), vec![pid]);

    // lambda:invoke wraps the result as AWS does.
    let input = expr::json!({"FunctionName": "arn:aws:lambda:us-east-1:123456789012:function:echo:$LATEST", "Payload": {"n": 3}});
    let output = lambda.task("arn:aws:states:::lambda:invoke", &input).await.unwrap().expect("ok");
    let output: Value = value(&expr::json::to_string(&output));
    let keys: Vec<&String> = output.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["ExecutedVersion", "Payload", "SdkHttpMetadata", "SdkResponseMetadata", "StatusCode"]);
    assert_eq!(output["Payload"]["echo"], json!({"n": 3}));
    assert_eq!(output["StatusCode"], json!(200));
    assert_eq!(output["SdkHttpMetadata"]["HttpStatusCode"], json!(200));
    let id = output["SdkResponseMetadata"]["RequestId"].clone();
    assert_eq!(output["SdkHttpMetadata"]["HttpHeaders"]["x-amzn-RequestId"], id);
    assert_eq!(output["Payload"]["request"], id);

    // A missing function and a payload that is not JSON are Lambda's service errors.
    let input = expr::json!({"FunctionName": "nope"});
    let (error, cause) = lambda.task("arn:aws:states:::lambda:invoke", &input).await.unwrap().unwrap_err();
    assert_eq!(error, "Lambda.ResourceNotFoundException");
    assert!(cause.starts_with("Function not found: arn:aws:lambda:us-east-1:123456789012:function:nope:$LATEST (Service: AWSLambda; Status Code: 404; Error Code: ResourceNotFoundException;"), "{cause}");
    let input = expr::json!({"FunctionName": "echo", "Payload": "{oops"});
    let (error, _) = lambda.task("arn:aws:states:::lambda:invoke", &input).await.unwrap().unwrap_err();
    assert_eq!(error, "Lambda.InvalidRequestContentException");
    // Not a Lambda resource: not ours.
    assert!(lambda.task("arn:aws:states:::sqs:sendMessage", &input).await.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn busy_functions_start_more_processes_and_a_timeout_kills_one() {
    if !have("python3") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let lambda = lambda(dir.path(), false);
    let mut config = handler(dir.path(), Language::Python, "app.py", PYTHON, "app.handler");
    config.timeout = Duration::from_millis(1500);
    lambda.add("echo", config).unwrap();

    // Two events at once run on two processes.
    let (a, b) = tokio::join!(
        lambda.invoke("echo", r#"{"sleep": 0.5}"#.into()),
        lambda.invoke("echo", r#"{"sleep": 0.5}"#.into())
    );
    let (a, b) = (value(&a.unwrap().payload), value(&b.unwrap().payload));
    assert_ne!(a["pid"], b["pid"]);
    let mut idle = lambda.idle_pids("echo");
    idle.sort_unstable();
    let mut both = vec![a["pid"].as_u64().unwrap() as u32, b["pid"].as_u64().unwrap() as u32];
    both.sort_unstable();
    assert_eq!(idle, both);

    // An event past the timeout: the process is killed, and Step Functions sees Lambda.Unknown.
    let resource = "arn:aws:lambda:us-east-1:123456789012:function:echo";
    let started = std::time::Instant::now();
    let (error, cause) = lambda.task(resource, &expr::json!({"sleep": 30})).await.unwrap().unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(error, "Lambda.Unknown");
    let prefix = "The cause could not be determined because Lambda did not return an error type. Returned payload: {\"errorMessage\":\"";
    assert!(cause.starts_with(prefix), "{cause}");
    assert!(cause.ends_with(" Task timed out after 1.50 seconds\"}"), "{cause}");
    let left = lambda.idle_pids("echo");
    assert_eq!(left.len(), 1, "the timed-out process is not kept: {left:?}");
    let killed: Vec<u32> = both.iter().copied().filter(|p| !left.contains(p)).collect();
    assert_eq!(killed.len(), 1);
    assert!(!alive(killed[0]), "process {} still runs", killed[0]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn node_handler_runs_warm_and_maps_errors() {
    if !have("node") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let lambda = lambda(dir.path(), false);
    let code = r#"exports.handler = async (event, context) => {
  if (event.fail) { const e = new Error("no " + event.fail); e.name = "NotFound"; throw e; }
  return { echo: event, pid: process.pid, request: context.awsRequestId };
};
"#;
    lambda.add("node", handler(dir.path(), Language::Node, "index.js", code, "index.handler")).unwrap();
    let first = value(&lambda.invoke("node", r#"{"a": [1, 2]}"#.into()).await.unwrap().payload);
    assert_eq!(first["echo"], json!({"a": [1, 2]}));
    let second = value(&lambda.invoke("node", "{}".into()).await.unwrap().payload);
    assert_eq!(first["pid"], second["pid"], "a warm process is reused");
    let resource = "arn:aws:lambda:us-east-1:123456789012:function:node";
    let (error, cause) = lambda.task(resource, &expr::json!({"fail": "user"})).await.unwrap().unwrap_err();
    assert_eq!(error, "NotFound");
    let cause = value(&cause);
    assert_eq!(cause["errorMessage"], json!("no user"));
    assert!(cause["trace"][0].as_str().unwrap().starts_with("NotFound: no user"), "{cause}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_handler_that_cannot_load_is_an_init_error() {
    if !have("python3") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let lambda = lambda(dir.path(), false);
    lambda.add("broken", handler(dir.path(), Language::Python, "app.py", PYTHON, "nothere.handler")).unwrap();
    let resource = "arn:aws:lambda:us-east-1:123456789012:function:broken";
    let (error, cause) = lambda.task(resource, &expr::json!({})).await.unwrap().unwrap_err();
    assert_eq!(error, "Runtime.ImportModuleError");
    assert!(cause.contains("Unable to import module 'nothere'"), "{cause}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_command_speaking_the_runtime_api_and_a_crash() {
    if !have("python3") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let lambda = lambda(dir.path(), false);
    // A custom runtime: here Stepstone's own Python bootstrap, started as a plain command.
    let code = dir.path().join("custom");
    std::fs::create_dir_all(&code).unwrap();
    std::fs::write(code.join("app.py"), "import os\n\ndef handler(event, context):\n    if event.get('exit'):\n        os._exit(3)\n    return os.getpid()\n").unwrap();
    let bootstrap = dir.path().join("cache/bootstrap.py");
    let mut config = FunctionConfig::new(Source::Command {
        command: format!("exec python3 {}", bootstrap.display()),
        dir: Some(code.clone()),
    });
    config.environment.insert("_HANDLER".into(), "app.handler".into());
    config.environment.insert("LAMBDA_TASK_ROOT".into(), code.display().to_string());
    lambda.add("custom", config).unwrap();
    let first = lambda.invoke("custom", "{}".into()).await.unwrap();
    let pid: u32 = first.payload.parse().unwrap();
    assert_eq!(lambda.idle_pids("custom"), vec![pid]);
    // The process dies during an event: Lambda's Runtime.ExitError, and the next event gets a
    // new process.
    let resource = "arn:aws:lambda:us-east-1:123456789012:function:custom";
    let (error, cause) = lambda.task(resource, &expr::json!({"exit": true})).await.unwrap().unwrap_err();
    assert_eq!(error, "Runtime.ExitError");
    let cause = value(&cause);
    assert!(
        cause["errorMessage"].as_str().unwrap().ends_with("Error: Runtime exited with error: exit status 3"),
        "{cause}"
    );
    assert!(lambda.idle_pids("custom").is_empty());
    let again: u32 = lambda.invoke("custom", "{}".into()).await.unwrap().payload.parse().unwrap();
    assert_ne!(again, pid);
}

/// A stand-in for `sam local start-lambda`: Invoke on `/2015-03-31/functions/NAME/invocations`.
async fn fake_invoke_endpoint() -> String {
    use axum::extract::Path;
    use axum::http::{HeaderMap, StatusCode};
    use axum::response::IntoResponse;
    async fn invoke(Path(name): Path<String>, headers: HeaderMap, body: String) -> axum::response::Response {
        let kind = headers.get("x-amz-invocation-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
        match name.as_str() {
            "ok" => format!("{{\"got\":{body},\"type\":\"{kind}\"}}").into_response(),
            "fails" => (
                [("x-amz-function-error", "Unhandled")],
                r#"{"errorMessage":"it broke","errorType":"KeyError","stackTrace":[]}"#,
            )
                .into_response(),
            _ => (
                StatusCode::NOT_FOUND,
                [("x-amzn-errortype", "ResourceNotFoundException")],
                format!("{{\"Type\":\"User\",\"message\":\"Function not found: {name}\"}}"),
            )
                .into_response(),
        }
    }
    let router = axum::Router::new().route("/2015-03-31/functions/{name}/invocations", axum::routing::post(invoke));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    format!("http://{address}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forwarding_to_an_invoke_endpoint() {
    let dir = tempfile::tempdir().unwrap();
    let lambda = lambda(dir.path(), false);
    let endpoint = fake_invoke_endpoint().await;
    for name in ["ok", "fails", "gone"] {
        lambda.add(name, FunctionConfig::new(Source::Endpoint(endpoint.clone()))).unwrap();
    }
    let input = expr::json!({"FunctionName": "ok", "Payload": {"x": 1}});
    let output = lambda.task("arn:aws:states:::lambda:invoke", &input).await.unwrap().expect("ok");
    assert_eq!(output.get("Payload"), Some(&expr::json!({"got": {"x": 1}, "type": "RequestResponse"})));
    let resource = "arn:aws:lambda:us-east-1:123456789012:function:fails";
    let (error, cause) = lambda.task(resource, &expr::json!({})).await.unwrap().unwrap_err();
    assert_eq!(
        (error.as_str(), cause.as_str()),
        ("KeyError", r#"{"errorMessage":"it broke","errorType":"KeyError","stackTrace":[]}"#)
    );
    let resource = "arn:aws:lambda:us-east-1:123456789012:function:gone";
    let (error, cause) = lambda.task(resource, &expr::json!({})).await.unwrap().unwrap_err();
    assert_eq!(error, "Lambda.ResourceNotFoundException");
    assert!(cause.starts_with("Function not found: gone (Service: AWSLambda; Status Code: 404;"), "{cause}");
    // Nothing listens: an SDK client error.
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap().local_addr().unwrap();
    lambda.add("nobody", FunctionConfig::new(Source::Endpoint(format!("http://{closed}")))).unwrap();
    let resource = "arn:aws:lambda:us-east-1:123456789012:function:nobody";
    let (error, _) = lambda.task(resource, &expr::json!({})).await.unwrap().unwrap_err();
    assert_eq!(error, "Lambda.SdkClientException");
}

/// One HTTP/1.1 request: the status, the headers (lower-case) and the body.
fn http(address: &str, method: &str, path: &str, body: &str) -> (u16, String, String) {
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    (status, head.to_lowercase(), body.to_string())
}

/// A zip of `files`, written by Python's zipfile (deflated).
fn zip(dir: &Path, files: &[(&str, &str)]) -> String {
    let script = "import base64, io, json, sys, zipfile\nb = io.BytesIO()\nwith zipfile.ZipFile(b, 'w', zipfile.ZIP_DEFLATED) as z:\n    for name, text in json.load(sys.stdin):\n        z.writestr(name, text)\nprint(base64.b64encode(b.getvalue()).decode())\n";
    let path = dir.join("zip.py");
    std::fs::write(&path, script).unwrap();
    let mut child = Command::new("python3")
        .arg(&path)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(json!(files).to_string().as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    String::from_utf8(output.stdout).unwrap().trim().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_lambda_api_creates_invokes_lists_and_deletes_functions() {
    if !have("python3") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let lambda = lambda(dir.path(), true);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap().to_string();
    tokio::spawn(async move { axum::serve(listener, lambda::api::router(lambda)).await });
    let code =
        zip(dir.path(), &[("pkg/handler.py", "def handler(event, context):\n    return {'twice': event['n'] * 2}\n")]);
    let create = json!({"FunctionName": "double", "Runtime": "python3.12", "Role": "arn:aws:iam::123456789012:role/r",
        "Handler": "pkg/handler.handler", "Code": {"ZipFile": code}, "Timeout": 5});
    let address2 = address.clone();
    let call = move |method: &'static str, path: String, body: String| {
        let address = address2.clone();
        tokio::task::spawn_blocking(move || http(&address, method, &path, &body))
    };
    let (status, _, body) = call("POST", "/2015-03-31/functions".into(), create.to_string()).await.unwrap();
    assert_eq!(status, 201, "{body}");
    let created = value(&body);
    assert_eq!(created["FunctionArn"], json!("arn:aws:lambda:us-east-1:123456789012:function:double"));
    assert_eq!((created["State"].clone(), created["Timeout"].clone()), (json!("Active"), json!(5)));
    assert!(dir.path().join("data/functions/double/code/pkg/handler.py").is_file());

    let (status, head, _) = call("POST", "/2015-03-31/functions".into(), create.to_string()).await.unwrap();
    assert_eq!(status, 409);
    assert!(head.contains("x-amzn-errortype: resourceconflictexception"), "{head}");

    let (status, head, body) =
        call("POST", "/2015-03-31/functions/double/invocations".into(), r#"{"n": 21}"#.into()).await.unwrap();
    assert_eq!((status, value(&body)), (200, json!({"twice": 42})));
    assert!(head.contains("x-amz-executed-version: $latest") && !head.contains("x-amz-function-error"), "{head}");
    let (status, head, body) =
        call("POST", "/2015-03-31/functions/double/invocations".into(), r#"{}"#.into()).await.unwrap();
    assert_eq!(status, 200);
    assert!(head.contains("x-amz-function-error: unhandled"), "{head}");
    assert_eq!(value(&body)["errorType"], json!("KeyError"));

    let (status, _, body) = call("GET", "/2015-03-31/functions/double".into(), String::new()).await.unwrap();
    assert_eq!(status, 200);
    assert_eq!(value(&body)["Configuration"], created);
    let (status, _, body) = call("GET", "/2015-03-31/functions/".into(), String::new()).await.unwrap();
    assert_eq!((status, value(&body)["Functions"].clone()), (200, json!([created])));

    let (status, _, _) = call("DELETE", "/2015-03-31/functions/double".into(), String::new()).await.unwrap();
    assert_eq!(status, 204);
    assert!(!dir.path().join("data/functions/double").exists());
    for (method, path) in [
        ("GET", "/2015-03-31/functions/double"),
        ("DELETE", "/2015-03-31/functions/double"),
        ("POST", "/2015-03-31/functions/double/invocations"),
    ] {
        let (status, head, body) = call(method, path.into(), "{}".into()).await.unwrap();
        assert_eq!(status, 404, "{method} {path}");
        assert!(head.contains("x-amzn-errortype: resourcenotfoundexception"), "{head}");
        // Invoke names the version it looked for, as Lambda does.
        let version = if path.ends_with("invocations") { ":$LATEST" } else { "" };
        let message = format!("Function not found: arn:aws:lambda:us-east-1:123456789012:function:double{version}");
        assert_eq!(value(&body)["message"], json!(message));
    }
    let bad = json!({"FunctionName": "r", "Runtime": "ruby3.3", "Handler": "a.b", "Code": {"ZipFile": code}});
    let (status, head, _) = call("POST", "/2015-03-31/functions".into(), bad.to_string()).await.unwrap();
    assert_eq!(status, 400);
    assert!(head.contains("x-amzn-errortype: invalidparametervalueexception"), "{head}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_warm_process_is_stopped_after_its_idle_time() {
    if !have("python3") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let lambda = lambda(dir.path(), false);
    let mut config = handler(dir.path(), Language::Python, "app.py", PYTHON, "app.handler");
    config.idle = Duration::from_millis(1500);
    lambda.add("echo", config).unwrap();

    let first = value(&lambda.invoke("echo", "{}".into()).await.expect("invoke").payload);
    let pid = first["pid"].as_u64().unwrap() as u32;
    // Used again before its idle time is up: the same process, kept warm.
    tokio::time::sleep(Duration::from_millis(800)).await;
    let second = value(&lambda.invoke("echo", "{}".into()).await.expect("invoke").payload);
    assert_eq!(second["pid"].as_u64(), Some(u64::from(pid)));
    tokio::time::sleep(Duration::from_millis(1000)).await;
    assert!(alive(pid), "stopped 1.0 s after its last event, before its idle time of 1.5 s");
    assert_eq!(lambda.idle_pids("echo"), vec![pid]);
    // Then idle for longer than its idle time: stopped, and the next event starts a new process.
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while alive(pid) || !lambda.idle_pids("echo").is_empty() {
        assert!(std::time::Instant::now() < deadline, "process {pid} still warm 5 s after its idle time");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let third = value(&lambda.invoke("echo", "{}".into()).await.expect("invoke").payload);
    assert_ne!(third["pid"].as_u64(), Some(u64::from(pid)));
}
