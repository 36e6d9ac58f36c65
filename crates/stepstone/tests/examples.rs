//! The examples run end to end on the real `stepstone serve`: `examples/manual-approval` (a
//! Python function writes the approve/reject links, a person's browser is a real HTTP GET, the
//! approve path succeeds, the reject path takes the Catch to a Fail, an unanswered request
//! times out into the States.Timeout Catch) and
//! `examples/activity-worker` (the boto3 worker as a subprocess: a success with its output,
//! a bad input answered with SendTaskFailure).

mod support;

use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use support::{call, ended, Server, ROLE};

fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples").join(name)
}

/// A Python for the example, or None (a skip, printed) outside CI; under CI it must exist.
fn need(found: Option<PathBuf>, what: &str) -> Option<PathBuf> {
    if found.is_none() {
        assert!(!support::ci(), "{what} is required under CI");
        eprintln!("skipped: {what} is not installed");
    }
    found
}

fn python3() -> Option<PathBuf> {
    let ok = Command::new("python3").arg("--version").output().is_ok_and(|o| o.status.success());
    ok.then(|| PathBuf::from("python3"))
}

fn create(server: &Server, name: &str, definition: &Path) -> String {
    let definition = std::fs::read_to_string(definition).unwrap();
    let (status, created) =
        call(server, "CreateStateMachine", json!({"name": name, "definition": definition, "roleArn": ROLE}));
    assert_eq!(status, 200, "{created}");
    created["stateMachineArn"].as_str().unwrap().to_string()
}

fn start(server: &Server, machine: &str, name: &str, input: &str) -> String {
    let body = json!({"stateMachineArn": machine, "name": name, "input": input});
    let (status, started) = call(server, "StartExecution", body);
    assert_eq!(status, 200, "{started}");
    started["executionArn"].as_str().unwrap().to_string()
}

/// `GET url` over real HTTP/1.1: the status and the body.
fn get(url: &str) -> (u16, String) {
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) = rest.split_at(rest.find('/').unwrap());
    let mut stream = TcpStream::connect(host).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    (head.split(' ').nth(1).unwrap().parse().unwrap(), body.to_string())
}

/// The links the notify function wrote for `execution` (waits up to 20 s for them).
fn links(file: &Path, execution: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let text = std::fs::read_to_string(file).unwrap_or_default();
        let found =
            text.lines().filter_map(|l| serde_json::from_str::<Value>(l).ok()).find(|l| l["execution"] == execution);
        if let Some(links) = found {
            return links;
        }
        assert!(Instant::now() < deadline, "no approval link for {execution} in {}: {text:?}", file.display());
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn manual_approval_is_approved_and_rejected_from_served_links() {
    if need(python3(), "python3").is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let base = format!("http://127.0.0.1:{port}");
    let link_file = dir.path().join("links.jsonl");
    let mut child = Command::new(env!("CARGO_BIN_EXE_stepstone"))
        .args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--data-dir"])
        .arg(dir.path().join("data"))
        .arg("--config")
        .arg(example("manual-approval/stepstone.toml"))
        .env("APPROVAL_BASE_URL", &base)
        .env("APPROVAL_LINKS", &link_file)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let address = line.trim().strip_prefix("stepstone: listening on http://").unwrap_or_else(|| panic!("{line}"));
    let server = Server { address: address.to_string(), child, _data: None };

    let machine = create(&server, "manual-approval", &example("manual-approval/approval.asl.json"));
    let input = std::fs::read_to_string(example("manual-approval/input.json")).unwrap();
    let approved = start(&server, &machine, "approve-me", &input);
    let rejected = start(&server, &machine, "reject-me", &input);

    let approve = links(&link_file, "approve-me");
    assert_eq!(approve["request"], serde_json::from_str::<Value>(&input).unwrap());
    let (_, waiting) = call(&server, "DescribeExecution", json!({"executionArn": approved}));
    assert_eq!(waiting["status"], "RUNNING", "it waits for the person");
    let (status, body) = get(approve["approve"].as_str().unwrap());
    assert_eq!((status, body.trim()), (200, "Approved. The workflow goes on."));
    let described = ended(&server, &approved);
    assert_eq!(described["status"], "SUCCEEDED", "{described}");
    let output: Value = serde_json::from_str(described["output"].as_str().unwrap()).unwrap();
    assert_eq!(output["status"], "approved");
    assert_eq!(output["approval"], json!({"approved": true}));
    // A used link is refused, with the reason.
    let (status, body) = get(approve["approve"].as_str().unwrap());
    assert_eq!(status, 400, "{body}");

    let reject = links(&link_file, "reject-me");
    let (status, body) = get(reject["reject"].as_str().unwrap());
    assert_eq!((status, body.trim()), (200, "Rejected. The workflow takes its rejection path."));
    let described = ended(&server, &rejected);
    assert_eq!(described["status"], "FAILED", "{described}");
    assert_eq!(described["error"], "Rejected");
    let (_, history) = call(&server, "GetExecutionHistory", json!({"executionArn": rejected}));
    let entered: Vec<&Value> = history["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["stateEnteredEventDetails"]["name"].as_str().map(|_| &e["stateEnteredEventDetails"]["name"]))
        .collect();
    assert_eq!(entered, [&json!("RequestApproval"), &json!("Rejected")], "the Catch took the rejection path");

    // Nobody answers: the same definition with a 1 s TimeoutSeconds ends in NoAnswer.
    let quick = std::fs::read_to_string(example("manual-approval/approval.asl.json")).unwrap();
    assert!(quick.contains("\"TimeoutSeconds\": 3600"));
    let quick_file = dir.path().join("quick.asl.json");
    std::fs::write(&quick_file, quick.replace("\"TimeoutSeconds\": 3600", "\"TimeoutSeconds\": 1")).unwrap();
    let quick = create(&server, "manual-approval-quick", &quick_file);
    let ignored = start(&server, &quick, "ignored", &input);
    links(&link_file, "ignored");
    let described = ended(&server, &ignored);
    assert_eq!(described["status"], "FAILED", "{described}");
    assert_eq!(described["error"], "NoAnswer");

    let (status, body) = get(&format!("{base}/approve?token=not-a-token"));
    assert_eq!(status, 400, "{body}");
    let (status, body) = get(&format!("{base}/reject"));
    assert_eq!((status, body.trim()), (400, "Missing token: use /reject?token=TOKEN"));
}

#[test]
fn the_boto3_activity_worker_answers_activity_tasks() {
    let Some(python) = need(support::python(), "the venv's Python with boto3") else {
        return;
    };
    let server = support::start();
    let mut worker = Command::new(python)
        .arg(example("activity-worker/worker.py"))
        .args(["--endpoint", &format!("http://{}", server.address), "--worker-name", "test-worker"])
        .args(["--max-tasks", "2"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(worker.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    assert!(line.contains("polling arn:aws:states:us-east-1:123456789012:activity:word-count"), "{line}");

    let machine = create(&server, "word-count", &example("activity-worker/word-count.asl.json"));
    let input = std::fs::read_to_string(example("activity-worker/input.json")).unwrap();
    let good = start(&server, &machine, "good", &input);
    let described = ended(&server, &good);
    assert_eq!(described["status"], "SUCCEEDED", "{described}");
    let output: Value = serde_json::from_str(described["output"].as_str().unwrap()).unwrap();
    assert_eq!(output["words"], 9);
    assert_eq!(output["worker"], "test-worker");
    let (_, history) = call(&server, "GetExecutionHistory", json!({"executionArn": good}));
    let types: Vec<&str> = history["events"].as_array().unwrap().iter().map(|e| e["type"].as_str().unwrap()).collect();
    for kind in ["ActivityScheduled", "ActivityStarted", "ActivitySucceeded"] {
        assert!(types.contains(&kind), "{kind} missing: {types:?}");
    }

    let bad = start(&server, &machine, "bad", "{\"text\": 5}");
    let described = ended(&server, &bad);
    assert_eq!(described["status"], "FAILED", "{described}");
    assert_eq!(described["error"], "WordCount.BadInput");
    assert_eq!(described["cause"], "the input needs a \"text\" string");

    // After its two tasks the worker stops by itself.
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = worker.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = worker.kill();
            panic!("the worker did not stop after two tasks");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let mut rest = String::new();
    out.read_to_string(&mut rest).unwrap();
    assert!(status.success(), "{rest}");
    assert!(rest.contains("counted 9 words") && rest.contains("failed a task"), "{rest}");
}
