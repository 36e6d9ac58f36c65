//! Helpers shared by the tests that run the real `stepstone serve` binary: start it on an
//! ephemeral port, call the API over raw HTTP/1.1, find the AWS CLI and the venv's Python.
#![allow(dead_code)] // each test binary uses its own subset

use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub mod browser;

pub const ROLE: &str = "arn:aws:iam::123456789012:role/test";

/// Whether this run is CI (`CI=true`), where missing tools fail tests instead of skipping them.
pub fn ci() -> bool {
    std::env::var("CI").map(|v| v == "true" || v == "1").unwrap_or(false)
}

/// A running server; killed (SIGKILL) when dropped.
pub struct Server {
    pub child: Child,
    pub address: String,
    pub _data: Option<tempfile::TempDir>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn start() -> Server {
    let data = tempfile::tempdir().unwrap();
    let mut server = start_in(data.path());
    server._data = Some(data);
    server
}

pub fn serve_command(data: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_stepstone"));
    command.args(["serve", "--listen", "127.0.0.1:0", "--data-dir"]).arg(data);
    command
}

/// A server on `data`, which the caller keeps.
pub fn start_in(data: &Path) -> Server {
    let mut child = serve_command(data).stdout(Stdio::piped()).spawn().unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let address = line.trim().strip_prefix("stepstone: listening on http://").unwrap_or_else(|| panic!("{line}"));
    assert!(data.join("stepstone.db").exists());
    Server { address: address.to_string(), child, _data: None }
}

pub fn call(server: &Server, action: &str, body: Value) -> (u16, Value) {
    try_call(&server.address, action, &body).unwrap_or_else(|e| panic!("{action}: {e}"))
}

/// DescribeExecution once the execution has ended (or after 10 s, still RUNNING).
pub fn ended(server: &Server, execution: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (_, described) = call(server, "DescribeExecution", json!({"executionArn": execution}));
        if described["status"] != "RUNNING" || Instant::now() > deadline {
            return described;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The AWS CLI: STEPSTONE_AWS_CLI, else /tmp/venv/bin/aws, else `aws` on the PATH.
pub fn aws_cli() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("STEPSTONE_AWS_CLI") {
        return Some(PathBuf::from(path));
    }
    let venv = Path::new("/tmp/venv/bin/aws");
    if venv.exists() {
        return Some(venv.to_path_buf());
    }
    Command::new("aws").arg("--version").output().ok().filter(|o| o.status.success()).map(|_| PathBuf::from("aws"))
}

/// The venv's Python with boto3: STEPSTONE_PYTHON, else the `python` beside the AWS CLI.
pub fn python() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("STEPSTONE_PYTHON") {
        return Some(PathBuf::from(path));
    }
    let cli = aws_cli()?;
    let python = cli.parent()?.join("python");
    python.exists().then_some(python)
}

/// One API call that may fail (the server may be gone): status and body, or the I/O error.
pub fn try_call(address: &str, action: &str, body: &Value) -> std::io::Result<(u16, Value)> {
    let body = body.to_string();
    let mut stream = TcpStream::connect(address)?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    write!(
        stream,
        "POST / HTTP/1.1\r\nHost: localhost\r\nX-Amz-Target: AWSStepFunctions.{action}\r\n\
         Content-Type: application/x-amz-json-1.0\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    let broken = || std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "incomplete response");
    let (head, body) = response.split_once("\r\n\r\n").ok_or_else(broken)?;
    let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).ok_or_else(broken)?;
    let body = serde_json::from_str(body).map_err(|_| broken())?;
    Ok((status, body))
}
