//! The crash test: `stepstone serve` under a load of mixed workflows (Wait, Map, Parallel,
//! Retry with Catch) is killed with SIGKILL at random moments, at least ten times, and
//! restarted each time on the same data directory. Every execution whose StartExecution was
//! answered must then finish with the right output, with a gapless history that holds no
//! event twice: the same events as the same workflow run without a crash.
//!
//! The random moments come from a seed printed at the start; `STEPSTONE_CRASH_SEED` replays one.

mod support;

use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use support::{call, start_in, try_call, Server, ROLE};

const KILLS: usize = 12;

/// The workflows: name, definition, and the input of the n-th execution.
fn workflows() -> Vec<(&'static str, Value)> {
    let wait = json!({"StartAt": "A", "States": {
        "A": {"Type": "Pass", "Parameters": {"n.$": "$.n"}, "Next": "W"},
        "W": {"Type": "Wait", "Seconds": 1, "Next": "B"},
        "B": {"Type": "Pass", "Result": "waited", "ResultPath": "$.r", "End": true}}});
    let map = json!({"StartAt": "M", "States": {"M": {
        "Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 4,
        "ItemProcessor": {"ProcessorConfig": {"Mode": "INLINE"}, "StartAt": "P", "States": {
            "P": {"Type": "Pass", "Parameters": {"v.$": "$"}, "Next": "W"},
            "W": {"Type": "Wait", "Seconds": 1, "End": true}}},
        "End": true}}});
    let parallel = json!({"StartAt": "P", "States": {"P": {"Type": "Parallel", "End": true, "Branches": [
        {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 1, "Next": "A"},
                                     "A": {"Type": "Pass", "Result": "a", "End": true}}},
        {"StartAt": "B", "States": {"B": {"Type": "Pass", "Result": "b", "End": true}}},
        {"StartAt": "W2", "States": {"W2": {"Type": "Wait", "Seconds": 2, "Next": "C"},
                                     "C": {"Type": "Pass", "Result": "c", "End": true}}}]}}});
    // No function is configured under `serve`, so the Task fails every time (Lambda's
    // ResourceNotFoundException): it is retried twice on durable timers, then caught.
    let retry = json!({"StartAt": "T", "States": {
        "T": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:missing",
              "Retry": [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 1, "MaxAttempts": 2, "BackoffRate": 1.0}],
              "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.caught", "Next": "D"}],
              "End": true},
        "D": {"Type": "Pass", "End": true}}});
    vec![("wait", wait), ("map", map), ("parallel", parallel), ("retry", retry)]
}

fn input(n: u64) -> Value {
    json!({"n": n, "items": [1, 2, 3, 4, 5, 6, 7, 8]})
}

/// The output a workflow must end with, given the cause text of the failing Task.
fn expected_output(workflow: &str, n: u64, task_cause: &str) -> Value {
    match workflow {
        "wait" => json!({"n": n, "r": "waited"}),
        "map" => json!((1..=8).map(|v| json!({"v": v})).collect::<Vec<_>>()),
        "parallel" => json!(["a", "b", "c"]),
        "retry" => {
            let mut output = input(n);
            output["caught"] = json!({"Error": "Lambda.ResourceNotFoundException", "Cause": task_cause});
            output
        }
        other => panic!("unknown workflow {other}"),
    }
}

/// The cause with its `Request ID: <uuid>` (new on every call) blanked.
fn without_request_id(cause: &str) -> String {
    match cause.split_once("Request ID: ") {
        Some((head, tail)) => format!("{head}Request ID: *{}", &tail[tail.find(';').unwrap_or(tail.len())..]),
        None => cause.to_string(),
    }
}

/// xorshift64*: the random moments of the kills.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % n
    }
}

fn describe(server: &Server, arn: &str) -> Value {
    call(server, "DescribeExecution", json!({"executionArn": arn})).1
}

/// The whole history, page by page.
fn history(server: &Server, arn: &str) -> Vec<Value> {
    let mut events = Vec::new();
    let mut token = Value::Null;
    loop {
        let request = json!({"executionArn": arn, "maxResults": 1000, "nextToken": token});
        let (status, page) = call(server, "GetExecutionHistory", request);
        assert_eq!(status, 200, "{page}");
        events.extend(page["events"].as_array().unwrap().iter().cloned());
        token = page["nextToken"].clone();
        if token.is_null() {
            return events;
        }
    }
}

/// Event types with their counts: the same workflow must write the same events.
fn type_counts(events: &[Value]) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for event in events {
        *counts.entry(event["type"].as_str().unwrap().to_string()).or_default() += 1;
    }
    counts
}

fn wait_all_ended(server: &Server, arns: &[String], within: Duration) -> Vec<Value> {
    let deadline = Instant::now() + within;
    let mut described = Vec::new();
    for arn in arns {
        loop {
            let d = describe(server, arn);
            if d["status"] != "RUNNING" {
                described.push(d);
                break;
            }
            assert!(Instant::now() < deadline, "still running after {within:?}: {d}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }
    described
}

#[test]
fn executions_survive_repeated_sigkills_under_load() {
    let seed = std::env::var("STEPSTONE_CRASH_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or_else(|| {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64 | 1
    });
    println!("crash test seed: {seed} (STEPSTONE_CRASH_SEED replays it)");
    let mut rng = Rng(seed);
    let data = tempfile::tempdir().unwrap();

    // The reference: each workflow run once without a crash.
    let server = start_in(data.path());
    let mut machines = BTreeMap::new();
    for (name, definition) in workflows() {
        let request = json!({"name": name, "definition": definition.to_string(), "roleArn": ROLE});
        let (status, created) = call(&server, "CreateStateMachine", request);
        assert_eq!(status, 200, "{created}");
        machines.insert(name, created["stateMachineArn"].as_str().unwrap().to_string());
    }
    let mut reference = BTreeMap::new();
    let mut task_cause = String::new();
    for (name, machine) in &machines {
        let request = json!({"stateMachineArn": machine, "name": "reference", "input": input(0).to_string()});
        let (status, started) = call(&server, "StartExecution", request);
        assert_eq!(status, 200, "{started}");
        let arn = started["executionArn"].as_str().unwrap().to_string();
        let ended = wait_all_ended(&server, std::slice::from_ref(&arn), Duration::from_secs(20));
        assert_eq!(ended[0]["status"], "SUCCEEDED", "{}", ended[0]);
        if *name == "retry" {
            let output: Value = serde_json::from_str(ended[0]["output"].as_str().unwrap()).unwrap();
            task_cause = without_request_id(output["caught"]["Cause"].as_str().unwrap());
        }
        let events = history(&server, &arn);
        reference.insert(*name, (type_counts(&events), events.len()));
    }
    assert!(task_cause.contains("missing"), "the Task's cause names its resource: {task_cause}");
    drop(server);

    // The load: a client thread starts executions back to back, through every restart.
    // `accepted` holds those whose StartExecution was answered 200; `unsure` those whose
    // answer was lost to a kill (they may or may not exist).
    let accepted: Arc<Mutex<Vec<(String, u64, String)>>> = Arc::default();
    let unsure: Arc<Mutex<Vec<(String, u64, String)>>> = Arc::default();
    let address: Arc<Mutex<String>> = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let client = {
        let (accepted, unsure, address, stop) = (accepted.clone(), unsure.clone(), address.clone(), stop.clone());
        let machines: Vec<(String, String)> = machines.iter().map(|(k, v)| (k.to_string(), v.clone())).collect();
        std::thread::spawn(move || {
            let mut n = 1u64;
            while !stop.load(Ordering::SeqCst) {
                let target = address.lock().unwrap().clone();
                let (workflow, machine) = &machines[(n % machines.len() as u64) as usize];
                let name = format!("e{n}");
                let request = json!({"stateMachineArn": machine, "name": name, "input": input(n).to_string()});
                let arn = format!("{}:{name}", machine.replacen(":stateMachine:", ":execution:", 1));
                match try_call(&target, "StartExecution", &request) {
                    Ok((200, started)) => {
                        assert_eq!(started["executionArn"], json!(arn));
                        accepted.lock().unwrap().push((arn, n, workflow.clone()));
                    }
                    Ok((status, body)) => panic!("StartExecution answered {status}: {body}"),
                    Err(_) => {
                        unsure.lock().unwrap().push((arn, n, workflow.clone()));
                        std::thread::sleep(Duration::from_millis(20));
                    }
                }
                n += 1;
                std::thread::sleep(Duration::from_millis(5));
            }
        })
    };

    for _ in 0..KILLS {
        let server = start_in(data.path());
        *address.lock().unwrap() = server.address.clone();
        std::thread::sleep(Duration::from_millis(50 + rng.below(1500)));
        drop(server); // SIGKILL
    }
    let server = start_in(data.path());
    *address.lock().unwrap() = server.address.clone();
    std::thread::sleep(Duration::from_millis(300));
    stop.store(true, Ordering::SeqCst);
    client.join().expect("the client thread");

    let accepted = accepted.lock().unwrap().clone();
    let unsure = unsure.lock().unwrap().clone();
    let mut checked = accepted.clone();
    for (arn, n, workflow) in unsure {
        let (status, body) = call(&server, "DescribeExecution", json!({"executionArn": arn}));
        match status {
            200 => checked.push((arn, n, workflow)),
            _ => assert_eq!(body["__type"], "ExecutionDoesNotExist", "{body}"),
        }
    }
    println!("{} executions accepted, {} checked after {KILLS} kills", accepted.len(), checked.len());
    assert!(accepted.len() >= 40, "too little load: {} executions accepted", accepted.len());

    let arns: Vec<String> = checked.iter().map(|(arn, _, _)| arn.clone()).collect();
    let described = wait_all_ended(&server, &arns, Duration::from_secs(60));
    for ((arn, n, workflow), described) in checked.iter().zip(&described) {
        assert_eq!(described["status"], "SUCCEEDED", "{arn}: {described}");
        let mut output: Value = serde_json::from_str(described["output"].as_str().unwrap()).unwrap();
        if let Some(cause) = output.pointer("/caught/Cause").and_then(Value::as_str) {
            output["caught"]["Cause"] = json!(without_request_id(cause));
        }
        assert_eq!(output, expected_output(workflow, *n, &task_cause), "{arn}");
        let events = history(&server, arn);
        let ids: Vec<u64> = events.iter().map(|e| e["id"].as_u64().unwrap()).collect();
        assert_eq!(ids, (1..=events.len() as u64).collect::<Vec<_>>(), "{arn}: history ids are not gapless");
        for event in &events {
            assert!(event["previousEventId"].as_u64().unwrap() < event["id"].as_u64().unwrap(), "{arn}: {event}");
        }
        let (counts, len) = &reference[workflow.as_str()];
        assert_eq!(&type_counts(&events), counts, "{arn}: not the events of an uncrashed run");
        assert_eq!(events.len(), *len);
    }
}
