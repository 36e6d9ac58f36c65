//! `stepstone bench-http` against a real `stepstone serve` (both the built binary): each
//! mode runs briefly and reports executions with no error. Not a timing assertion.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// A running server; killed when dropped.
struct Server {
    child: Child,
    endpoint: String,
    _data: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve() -> Server {
    let data = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_stepstone"))
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(data.path())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let address = line.trim().strip_prefix("stepstone: listening on http://").unwrap_or_else(|| panic!("{line}"));
    Server { endpoint: format!("http://{address}"), child, _data: data }
}

/// Runs bench-http with `args` and returns the `key: value` lines of its report.
fn bench(server: &Server, args: &[&str]) -> Vec<(String, String)> {
    let output = Command::new(env!("CARGO_BIN_EXE_stepstone"))
        .args(["bench-http", "--endpoint", &server.endpoint])
        .args(args)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(output.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    stdout
        .lines()
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect()
}

fn number(report: &[(String, String)], key: &str) -> f64 {
    let (_, value) = report.iter().find(|(k, _)| k == key).unwrap_or_else(|| panic!("no {key} in {report:?}"));
    value.split_whitespace().next().unwrap().parse().unwrap()
}

#[test]
fn sync_mode_reports_throughput_and_no_errors() {
    let server = serve();
    let report = bench(&server, &["--workload", "W1_hello", "--connections", "4", "--duration", "0.5"]);
    assert!(number(&report, "executions") > 0.0, "{report:?}");
    assert!(number(&report, "executions/s") > 0.0);
    assert_eq!(number(&report, "transitions/s"), number(&report, "executions/s"), "W1 has one transition");
    assert!(number(&report, "latency p99") >= number(&report, "latency p50"));
    assert_eq!(number(&report, "errors"), 0.0);
}

#[test]
fn standard_mode_waits_for_every_durable_execution() {
    let server = serve();
    let args = ["--mode", "standard", "--workload", "W2", "--connections", "8", "--executions", "40"];
    let report = bench(&server, &args);
    assert_eq!(number(&report, "executions"), 40.0, "{report:?}");
    assert!(number(&report, "transitions/s") > 50.0 * number(&report, "executions/s"), "W2 has 100 transitions");
    assert_eq!(number(&report, "errors"), 0.0);
}
