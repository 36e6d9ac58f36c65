//! `stepstone bench-http`: load on a running server over HTTP. `sync` sends
//! `StartSyncExecution` of an EXPRESS machine back to back on N keep-alive connections for a
//! while; `standard` starts N STANDARD executions at once and polls until all have ended
//! (every history event committed by the server). Prints executions/s, transitions/s,
//! latency percentiles and errors.

use super::bench::{find_workloads, same_json, Workload};
use super::http_client::{request, Connection, Endpoint};
use super::{files, BenchHttpArgs, BenchMode, Failure, EXIT_FAILED};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const ROLE: &str = "arn:aws:iam::123456789012:role/stepstone-bench";

/// What the connections measured.
#[derive(Default)]
struct Tally {
    executions: u64,
    errors: u64,
    first_error: Option<String>,
    /// Request latencies, in microseconds.
    latencies: Vec<u32>,
}

impl Tally {
    fn error(&mut self, what: String) {
        self.errors += 1;
        self.first_error.get_or_insert(what);
    }

    fn merge(&mut self, other: Tally) {
        self.executions += other.executions;
        self.errors += other.errors;
        if self.first_error.is_none() {
            self.first_error = other.first_error;
        }
        self.latencies.extend(other.latencies);
    }
}

pub fn bench_http(args: &BenchHttpArgs) -> Result<u8, Failure> {
    if !args.duration.is_finite() || args.duration <= 0.0 {
        return Err(Failure::usage(format!("--duration must be a number > 0, not {}", args.duration)));
    }
    if args.connections == 0 || args.threads == 0 || args.executions == 0 {
        return Err(Failure::usage("--connections, --threads and --executions must be at least 1"));
    }
    let endpoint = Endpoint::parse(&args.endpoint).map_err(Failure::usage)?;
    let workload = find_workloads(args.dir.as_deref(), Some(&args.workload))?
        .into_iter()
        .next()
        .ok_or_else(|| Failure::usage(format!("no workload {}", args.workload)))?;
    let tokio = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(args.threads)
        .enable_all()
        .build()
        .map_err(|e| Failure { code: 1, message: format!("cannot start the tokio runtime: {e}") })?;
    let report = tokio.block_on(async {
        match args.mode {
            BenchMode::Sync => sync(args, &endpoint, &workload).await,
            BenchMode::Standard => standard(args, &endpoint, &workload).await,
        }
    })?;
    Ok(if report { 0 } else { EXIT_FAILED })
}

/// One call on a fresh connection, for setup and polling: the JSON answer, or a message.
async fn call(connection: &mut Connection, endpoint: &Endpoint, action: &str, body: &Value) -> Result<Value, String> {
    let bytes = request(&endpoint.host, action, &body.to_string());
    let response = connection.send(&bytes).await.map_err(|e| format!("{action}: {e}"))?;
    let value = response.json()?;
    if response.status != 200 {
        return Err(format!("{action}: HTTP {}: {value}", response.status));
    }
    Ok(value)
}

/// Creates the workload's state machine (a fresh name per run) and returns its ARN.
async fn create_machine(
    connection: &mut Connection,
    endpoint: &Endpoint,
    workload: &Workload,
    kind: &str,
) -> Result<String, Failure> {
    let definition = files::read_text(&workload.definition)?;
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_nanos();
    let name = format!("bench-{}-{}-{}-{nanos}", workload.id, workload.name, kind.to_ascii_lowercase());
    let body = json!({"name": name, "definition": definition, "roleArn": ROLE, "type": kind});
    let created = call(connection, endpoint, "CreateStateMachine", &body).await.map_err(failed)?;
    created["stateMachineArn"].as_str().map(str::to_string).ok_or_else(|| failed(format!("no ARN in {created}")))
}

fn failed(message: String) -> Failure {
    Failure { code: 1, message }
}

async fn connect(endpoint: &Endpoint) -> Result<Connection, Failure> {
    Connection::open(endpoint).await.map_err(|e| failed(format!("cannot connect to {}: {e}", endpoint.address)))
}

fn read_json(path: &std::path::Path) -> Result<Value, Failure> {
    let text = files::read_text(path)?;
    serde_json::from_str(&text).map_err(|e| Failure::usage(format!("{} is not JSON: {e}", path.display())))
}

/// `sync`: StartSyncExecution back to back on every connection for `--duration`.
async fn sync(args: &BenchHttpArgs, endpoint: &Endpoint, workload: &Workload) -> Result<bool, Failure> {
    let mut setup = connect(endpoint).await?;
    let machine = create_machine(&mut setup, endpoint, workload, "EXPRESS").await?;
    let input = files::read_text(&workload.input)?;
    let expected = read_json(&workload.expected)?;
    // The SDKs send StartSyncExecution to `sync-<host>`.
    let sync_host = format!("sync-{}", endpoint.host);
    let body = json!({"stateMachineArn": machine, "input": input}).to_string();
    let bytes = Arc::new(request(&sync_host, "StartSyncExecution", &body));
    // One checked run first: the output must be the workload's.
    let first = setup.send(&bytes).await.map_err(|e| failed(format!("StartSyncExecution: {e}")))?;
    let first = first.json().map_err(failed)?;
    let output = first["output"].as_str().and_then(|o| serde_json::from_str::<Value>(o).ok());
    if first["status"] != "SUCCEEDED" || !output.as_ref().is_some_and(|o| same_json(o, &expected)) {
        return Err(failed(format!("the first execution did not give the expected output: {first}")));
    }
    let duration = Duration::from_secs_f64(args.duration);
    let started = Instant::now();
    let deadline = started + duration;
    let mut handles = Vec::new();
    for _ in 0..args.connections {
        let (endpoint, bytes) = (endpoint.clone(), Arc::clone(&bytes));
        handles.push(tokio::spawn(async move {
            let mut tally = Tally::default();
            let mut connection = match Connection::open(&endpoint).await {
                Ok(c) => c,
                Err(e) => {
                    tally.error(format!("connect: {e}"));
                    return tally;
                }
            };
            while Instant::now() < deadline {
                let sent = Instant::now();
                match connection.send(&bytes).await {
                    Ok(response) => {
                        tally.latencies.push(sent.elapsed().as_micros().min(u128::from(u32::MAX)) as u32);
                        let succeeded = response.status == 200 && contains(&response.body, br#""status":"SUCCEEDED""#);
                        if succeeded {
                            tally.executions += 1;
                        } else {
                            tally.error(String::from_utf8_lossy(&response.body).into_owned());
                        }
                    }
                    Err(e) => {
                        tally.error(format!("StartSyncExecution: {e}"));
                        return tally;
                    }
                }
            }
            tally
        }));
    }
    let mut tally = Tally::default();
    for handle in handles {
        tally.merge(handle.await.map_err(|e| failed(e.to_string()))?);
    }
    let elapsed = started.elapsed();
    let _ = call(&mut setup, endpoint, "DeleteStateMachine", &json!({"stateMachineArn": machine})).await;
    print_report(args, workload, &tally, elapsed, "StartSyncExecution round trip");
    Ok(tally.errors == 0)
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// `standard`: starts `--executions` STANDARD executions over the connections as fast as
/// they go, then polls `ListExecutions` until none runs; the time is from the first start to
/// the last end seen.
async fn standard(args: &BenchHttpArgs, endpoint: &Endpoint, workload: &Workload) -> Result<bool, Failure> {
    let mut setup = connect(endpoint).await?;
    let machine = create_machine(&mut setup, endpoint, workload, "STANDARD").await?;
    let input = files::read_text(&workload.input)?;
    let expected = read_json(&workload.expected)?;
    let next = Arc::new(AtomicU64::new(0));
    let total = args.executions;
    let started = Instant::now();
    let mut handles = Vec::new();
    for _ in 0..args.connections.min(total as usize) {
        let (endpoint, next, machine, input) = (endpoint.clone(), Arc::clone(&next), machine.clone(), input.clone());
        handles.push(tokio::spawn(async move {
            let mut tally = Tally::default();
            let mut connection = match Connection::open(&endpoint).await {
                Ok(c) => c,
                Err(e) => {
                    tally.error(format!("connect: {e}"));
                    return tally;
                }
            };
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n >= total {
                    return tally;
                }
                let body = json!({"stateMachineArn": machine, "name": format!("e{n}"), "input": input}).to_string();
                let bytes = request(&endpoint.host, "StartExecution", &body);
                let sent = Instant::now();
                match connection.send(&bytes).await {
                    Ok(response) if response.status == 200 => {
                        tally.latencies.push(sent.elapsed().as_micros().min(u128::from(u32::MAX)) as u32);
                        tally.executions += 1;
                    }
                    Ok(response) => tally.error(String::from_utf8_lossy(&response.body).into_owned()),
                    Err(e) => {
                        tally.error(format!("StartExecution: {e}"));
                        return tally;
                    }
                }
            }
        }));
    }
    let mut tally = Tally::default();
    for handle in handles {
        tally.merge(handle.await.map_err(|e| failed(e.to_string()))?);
    }
    let started_all = started.elapsed();
    // Poll until nothing of this machine runs (or a generous timeout).
    let limit = Instant::now() + Duration::from_secs(600);
    let running = json!({"stateMachineArn": machine, "statusFilter": "RUNNING", "maxResults": 1});
    loop {
        let page = call(&mut setup, endpoint, "ListExecutions", &running).await.map_err(failed)?;
        if page["executions"].as_array().is_none_or(Vec::is_empty) {
            break;
        }
        if Instant::now() > limit {
            return Err(failed("executions still running after 600 s".into()));
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let elapsed = started.elapsed();
    // Every started execution must have succeeded, with the expected output.
    let succeeded = count(&mut setup, endpoint, &machine, "SUCCEEDED").await?;
    if succeeded < tally.executions {
        let missing = tally.executions - succeeded;
        tally.first_error.get_or_insert(format!("{missing} of {} executions did not succeed", tally.executions));
        tally.errors += missing;
    }
    tally.executions = tally.executions.min(succeeded);
    let one = machine.replacen(":stateMachine:", ":execution:", 1) + ":e0";
    let described =
        call(&mut setup, endpoint, "DescribeExecution", &json!({"executionArn": one})).await.map_err(failed)?;
    let output = described["output"].as_str().and_then(|o| serde_json::from_str::<Value>(o).ok());
    if !output.as_ref().is_some_and(|o| same_json(o, &expected)) {
        tally.error(format!("unexpected output: {described}"));
    }
    println!("all {} starts answered after {:.3} s", total, started_all.as_secs_f64());
    print_report(args, workload, &tally, elapsed, "StartExecution round trip");
    Ok(tally.errors == 0)
}

/// How many executions of `machine` have `status` (ListExecutions, every page).
async fn count(connection: &mut Connection, endpoint: &Endpoint, machine: &str, status: &str) -> Result<u64, Failure> {
    let mut total = 0;
    let mut token: Option<String> = None;
    loop {
        let mut body = json!({"stateMachineArn": machine, "statusFilter": status, "maxResults": 1000});
        if let Some(t) = &token {
            body["nextToken"] = json!(t);
        }
        let page = call(connection, endpoint, "ListExecutions", &body).await.map_err(failed)?;
        total += page["executions"].as_array().map_or(0, Vec::len) as u64;
        match page["nextToken"].as_str() {
            Some(t) => token = Some(t.to_string()),
            None => return Ok(total),
        }
    }
}

fn percentile(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    f64::from(sorted[index]) / 1000.0
}

fn print_report(args: &BenchHttpArgs, workload: &Workload, tally: &Tally, elapsed: Duration, latency: &str) {
    let mut latencies = tally.latencies.clone();
    latencies.sort_unstable();
    let seconds = elapsed.as_secs_f64().max(1e-9);
    let mode = match args.mode {
        BenchMode::Sync => "sync (StartSyncExecution, EXPRESS)",
        BenchMode::Standard => "standard (StartExecution, STANDARD, durable)",
    };
    println!("workload:       {}_{} ({} transitions/execution)", workload.id, workload.name, workload.transitions);
    println!("mode:           {mode}");
    println!("connections:    {}", args.connections);
    println!("elapsed:        {seconds:.3} s");
    println!("executions:     {}", tally.executions);
    println!("executions/s:   {:.0}", tally.executions as f64 / seconds);
    println!("transitions/s:  {:.0}", (tally.executions * workload.transitions) as f64 / seconds);
    println!("latency p50:    {:.3} ms ({latency})", percentile(&latencies, 0.50));
    println!("latency p99:    {:.3} ms", percentile(&latencies, 0.99));
    println!("errors:         {}", tally.errors);
    if let Some(first) = &tally.first_error {
        let mut first = first.clone();
        first.truncate(300);
        println!("first error:    {first}");
    }
}
