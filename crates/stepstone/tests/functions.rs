//! `stepstone serve` with functions, end to end over HTTP: a `stepstone.toml` Python function
//! called by both Lambda resource forms (output and AWS's history events), a handler error in
//! AWS's shape, a function created through the Lambda API on the same port that survives a
//! restart, and a bad configuration refused with exit 2.

mod support;

use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;
use support::{call, ended, Server, ROLE};

fn have_python() -> bool {
    let found = Command::new("python3").arg("--version").output().is_ok_and(|o| o.status.success());
    if !found {
        assert!(!support::ci(), "python3 is required under CI");
        eprintln!("skipped: python3 is not installed");
    }
    found
}

fn start(data: &Path, config: &Path) -> Server {
    let mut child = support::serve_command(data).arg("--config").arg(config).stdout(Stdio::piped()).spawn().unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let address = line.trim().strip_prefix("stepstone: listening on http://").unwrap_or_else(|| panic!("{line}"));
    Server { address: address.to_string(), child, _data: None }
}

const APP: &str = r#"import os

def handler(event, context):
    if "fail" in event:
        raise KeyError(event["fail"])
    return {"hello": event.get("who"), "pid": os.getpid(), "greeting": os.environ["GREETING"]}
"#;

fn setup(dir: &Path) -> std::path::PathBuf {
    std::fs::create_dir_all(dir.join("fn")).unwrap();
    std::fs::write(dir.join("fn/app.py"), APP).unwrap();
    let config = dir.join("stepstone.toml");
    let toml = "[functions.greet]\nruntime = \"python\"\nhandler = \"app.handler\"\ncode = \"fn\"\ntimeout = 10\nenvironment = { GREETING = \"hi\" }\n";
    std::fs::write(&config, toml).unwrap();
    config
}

fn run(server: &Server, definition: &Value, input: &Value) -> (Value, Vec<Value>) {
    let name = format!("m{}", std::process::id() ^ (definition.to_string().len() as u32));
    let (status, created) = call(
        server,
        "CreateStateMachine",
        json!({"name": name, "definition": definition.to_string(), "roleArn": ROLE}),
    );
    assert_eq!(status, 200, "{created}");
    let machine = created["stateMachineArn"].clone();
    let (status, started) =
        call(server, "StartExecution", json!({"stateMachineArn": machine, "input": input.to_string()}));
    assert_eq!(status, 200, "{started}");
    let execution = started["executionArn"].as_str().unwrap().to_string();
    let described = ended(server, &execution);
    let (_, history) = call(server, "GetExecutionHistory", json!({"executionArn": execution}));
    (described, history["events"].as_array().unwrap().clone())
}

fn types(events: &[Value]) -> Vec<&str> {
    events.iter().map(|e| e["type"].as_str().unwrap()).collect()
}

const ARN: &str = "arn:aws:lambda:us-east-1:123456789012:function:greet";

#[test]
fn a_configured_python_function_runs_for_both_resource_forms() {
    if !have_python() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let config = setup(dir.path());
    let server = start(&dir.path().join("data"), &config);
    let definition = json!({"StartAt": "Legacy", "States": {
        "Legacy": {"Type": "Task", "Resource": ARN, "ResultPath": "$.legacy", "Next": "Invoke"},
        "Invoke": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                   "Parameters": {"FunctionName": "greet", "Payload": {"who.$": "$.who"}},
                   "ResultSelector": {"payload.$": "$.Payload", "status.$": "$.StatusCode"},
                   "ResultPath": "$.invoke", "End": true}}});
    let (described, events) = run(&server, &definition, &json!({"who": "ada"}));
    assert_eq!(described["status"], "SUCCEEDED", "{described}");
    let output: Value = serde_json::from_str(described["output"].as_str().unwrap()).unwrap();
    assert_eq!(output["legacy"]["hello"], "ada");
    assert_eq!(output["legacy"]["greeting"], "hi");
    assert_eq!(output["invoke"]["status"], 200);
    assert_eq!(output["invoke"]["payload"]["hello"], "ada");
    assert_eq!(output["legacy"]["pid"], output["invoke"]["payload"]["pid"], "one warm process serves both calls");
    assert_eq!(
        types(&events),
        [
            "ExecutionStarted",
            "TaskStateEntered",
            "LambdaFunctionScheduled",
            "LambdaFunctionStarted",
            "LambdaFunctionSucceeded",
            "TaskStateExited",
            "TaskStateEntered",
            "TaskScheduled",
            "TaskStarted",
            "TaskSucceeded",
            "TaskStateExited",
            "ExecutionSucceeded"
        ]
    );
    assert_eq!(events[2]["lambdaFunctionScheduledEventDetails"]["resource"], ARN);
    let scheduled = &events[7]["taskScheduledEventDetails"];
    assert_eq!((scheduled["resourceType"].as_str(), scheduled["resource"].as_str()), (Some("lambda"), Some("invoke")));
    let succeeded: Value =
        serde_json::from_str(events[9]["taskSucceededEventDetails"]["output"].as_str().unwrap()).unwrap();
    assert_eq!(succeeded["ExecutedVersion"], "$LATEST");
    assert_eq!(succeeded["Payload"]["hello"], "ada");

    // A handler error: AWS's error and cause, in LambdaFunctionFailed and ExecutionFailed.
    let definition = json!({"StartAt": "Legacy", "States": {"Legacy": {"Type": "Task", "Resource": ARN, "End": true}}});
    let (described, events) = run(&server, &definition, &json!({"fail": "nope"}));
    assert_eq!(described["status"], "FAILED");
    assert_eq!(described["error"], "KeyError");
    let cause: Value = serde_json::from_str(described["cause"].as_str().unwrap()).unwrap();
    assert_eq!(cause["errorMessage"], "'nope'");
    assert_eq!(cause["errorType"], "KeyError");
    assert!(cause["requestId"].as_str().is_some_and(|id| id.len() == 36));
    assert!(cause["stackTrace"][0].as_str().unwrap().contains("app.py\", line 5, in handler"), "{cause}");
    let failed = &events[4];
    assert_eq!(failed["type"], "LambdaFunctionFailed");
    assert_eq!(failed["lambdaFunctionFailedEventDetails"]["error"], "KeyError");
    assert_eq!(failed["lambdaFunctionFailedEventDetails"]["cause"], described["cause"]);
}

/// One HTTP/1.1 request to the server: status and body.
fn http(server: &Server, method: &str, path: &str, body: &str) -> (u16, String) {
    let mut stream = std::net::TcpStream::connect(&server.address).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    (head.split(' ').nth(1).unwrap().parse().unwrap(), body.to_string())
}

fn zip_base64(dir: &Path, name: &str, text: &str) -> String {
    let script = format!(
        "import base64, io, zipfile\nb = io.BytesIO()\nwith zipfile.ZipFile(b, 'w', zipfile.ZIP_DEFLATED) as z:\n    z.writestr({name:?}, {text:?})\nprint(base64.b64encode(b.getvalue()).decode())\n"
    );
    let path = dir.join("zip.py");
    std::fs::write(&path, script).unwrap();
    let output = Command::new("python3").arg(&path).output().unwrap();
    assert!(output.status.success());
    String::from_utf8(output.stdout).unwrap().trim().to_string()
}

#[test]
fn functions_created_through_the_lambda_api_run_and_survive_a_restart() {
    if !have_python() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let config = setup(dir.path());
    let data = dir.path().join("data");
    let server = start(&data, &config);
    let code =
        zip_base64(dir.path(), "handler.py", "def handler(event, context):\n    return {'sum': sum(event['xs'])}\n");
    let create = json!({"FunctionName": "adder", "Runtime": "python3.12", "Role": ROLE, "Handler": "handler.handler",
                        "Code": {"ZipFile": code}, "Timeout": 30});
    let (status, body) = http(&server, "POST", "/2015-03-31/functions", &create.to_string());
    assert_eq!(status, 201, "{body}");
    let (status, body) = http(&server, "GET", "/2015-03-31/functions/", "");
    assert_eq!(status, 200);
    let names: Vec<Value> = serde_json::from_str::<Value>(&body).unwrap()["Functions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["FunctionName"].clone())
        .collect();
    assert_eq!(names, [json!("adder"), json!("greet")]);
    let definition = json!({"StartAt": "Add", "States": {"Add": {"Type": "Task",
        "Resource": "arn:aws:lambda:us-east-1:123456789012:function:adder", "End": true}}});
    let (described, _) = run(&server, &definition, &json!({"xs": [1, 2, 3]}));
    assert_eq!(described["output"], "{\"sum\":6}", "{described}");
    drop(server);

    let server = start(&data, &config);
    let (status, body) = http(&server, "POST", "/2015-03-31/functions/adder/invocations", r#"{"xs": [4, 5]}"#);
    assert_eq!((status, body.as_str()), (200, "{\"sum\": 9}"));
    let (status, _) = http(&server, "DELETE", "/2015-03-31/functions/adder", "");
    assert_eq!(status, 204);
    let (described, _) = run(&server, &definition, &json!({"xs": [1]}));
    assert_eq!(described["error"], "Lambda.ResourceNotFoundException", "{described}");
}

#[test]
fn run_reads_the_functions_of_the_configuration() {
    if !have_python() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let config = setup(dir.path());
    let definition = dir.path().join("greet.asl.json");
    let text = json!({"StartAt": "Greet", "States": {"Greet": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
        "Parameters": {"FunctionName": ARN, "Payload.$": "$"}, "OutputPath": "$.Payload", "End": true}}});
    std::fs::write(&definition, text.to_string()).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_stepstone"))
        .arg("run")
        .arg(&definition)
        .args(["--input", r#"{"who": "bob"}"#, "--config"])
        .arg(&config)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let result: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!((result["hello"].as_str(), result["greeting"].as_str()), (Some("bob"), Some("hi")));
}

#[test]
fn a_bad_configuration_is_refused_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("stepstone.toml");
    std::fs::write(&config, "[functions.f]\nruntime = \"python\"\nhandlr = \"a.b\"\n").unwrap();
    let output = support::serve_command(&dir.path().join("data")).arg("--config").arg(&config).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with(&format!("stepstone: {}:3: unknown field `handlr`", config.display())), "{stderr}");
    std::fs::write(&config, "[functions.f]\nruntime = \"python\"\nhandler = \"a.b\"\ncode = \"missing\"\n").unwrap();
    let output = support::serve_command(&dir.path().join("data")).arg("--config").arg(&config).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("[functions.f]: code:") && stderr.contains("is not a directory"), "{stderr}");
}
