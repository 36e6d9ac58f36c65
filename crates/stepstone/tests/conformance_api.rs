//! The conformance corpus through the API: the real `stepstone serve` binary, driven by
//! `shared/conformance/run_conformance.py --history` (boto3 from the venv that `.ci/run`
//! makes). Every AWS-recorded case must pass here unless it is on the in-process harness's
//! list of known failures (`tests/conformance/known_failures.txt`): what passes in-process
//! passes through the API too.
//!
//! The linters' cases (`cases/validators`, not recorded against AWS) are run and counted but
//! not required. The runner's closing line is also written to
//! `$CARGO_TARGET_TMPDIR/conformance-api-summary.txt`, which `.ci/run` prints.
//!
//! The API-surface scenarios recorded against AWS (`shared/conformance/api`, run by
//! `run_api.py` through botocore) must all pass; their closing line goes to
//! `$CARGO_TARGET_TMPDIR/api-scenarios-summary.txt`.

#[path = "conformance/cases.rs"]
#[allow(dead_code)]
mod cases;
mod support;

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The runner at `relative` in `shared/conformance` and the venv's Python, or `None` (and why,
/// printed) when either is missing outside CI; under CI a missing one fails.
fn runner_and_python(relative: &str) -> Option<(PathBuf, PathBuf)> {
    let runner = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/conformance").join(relative);
    if !runner.exists() {
        let why = format!("{} not found (shared/ must sit beside the repository)", runner.display());
        assert!(!support::ci(), "{why}");
        println!("skipped: {why}");
        return None;
    }
    let Some(python) = support::python() else {
        assert!(
            !support::ci(),
            "CI is set but there is no Python with boto3 (set STEPSTONE_PYTHON or STEPSTONE_AWS_CLI)"
        );
        println!("skipped: no venv Python with boto3 (STEPSTONE_PYTHON, or the python beside the AWS CLI)");
        return None;
    };
    Some((runner, python))
}

#[test]
fn the_recorded_api_scenarios_pass() {
    let Some((runner, python)) = runner_and_python("api/run_api.py") else { return };
    let server = support::start();
    let out = Command::new(&python)
        .arg(&runner)
        .args(["--endpoint", &format!("http://{}", server.address)])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let summary = stdout.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("").to_string();
    let line = format!("API scenarios recorded against AWS (run_api.py): {summary}\n");
    let _ = std::fs::write(Path::new(env!("CARGO_TARGET_TMPDIR")).join("api-scenarios-summary.txt"), &line);
    print!("{line}");
    let failures: Vec<&str> = stdout.lines().filter(|l| l.starts_with("FAIL")).collect();
    let passed: usize = summary.split(' ').next().and_then(|n| n.parse().ok()).unwrap_or(0);
    assert!(failures.is_empty() && summary.ends_with(" 0 failed"), "{}\n{summary}", failures.join("\n"));
    assert!(passed >= 229, "{summary}");
}

#[test]
fn the_recorded_cases_pass_through_the_api() {
    let Some((runner, python)) = runner_and_python("run_conformance.py") else { return };
    let server = support::start();
    let report_dir = tempfile::tempdir().unwrap();
    let report = report_dir.path().join("report.json");
    let out = Command::new(&python)
        .arg(&runner)
        .args(["--endpoint", &format!("http://{}", server.address), "--history", "--workers", "8"])
        .arg("--json-report")
        .arg(&report)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let summary = stdout.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("").to_string();
    assert!(report.exists(), "run_conformance.py wrote no report: {stdout}{}", String::from_utf8_lossy(&out.stderr));
    let line = format!("conformance through the API (run_conformance.py --history): {summary}\n");
    let _ = std::fs::write(Path::new(env!("CARGO_TARGET_TMPDIR")).join("conformance-api-summary.txt"), &line);
    print!("{line}");

    let known_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/conformance/known_failures.txt");
    let known = cases::known_failures(&std::fs::read_to_string(known_path).unwrap()).unwrap();
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let results = report["results"].as_array().expect("a results list");
    let mut recorded = (0, 0);
    let mut unverified = (0, 0);
    let mut unexpected = Vec::new();
    for result in results {
        let id = result["id"].as_str().unwrap_or("");
        let file = result["file"].as_str().unwrap_or("");
        let outcome = result["result"].as_str().unwrap_or("");
        if outcome == "skip" || outcome == "skipped" {
            continue;
        }
        let passed = outcome == "pass";
        let counts = if file.starts_with("cases/localstack/") { &mut recorded } else { &mut unverified };
        if passed {
            counts.0 += 1;
        } else {
            counts.1 += 1;
            if file.starts_with("cases/localstack/") && !known.contains_key(id) {
                unexpected.push(format!("{id}: {}", result["problems"]));
            }
        }
    }
    println!("AWS-recorded cases: {} passed, {} failed", recorded.0, recorded.1);
    println!(
        "linters' cases (not recorded against AWS, not required): {} passed, {} failed",
        unverified.0, unverified.1
    );
    assert!(recorded.0 > 800, "only {} recorded cases passed: {summary}", recorded.0);
    assert!(
        unexpected.is_empty(),
        "{} recorded cases failed through the API:\n{}",
        unexpected.len(),
        unexpected.join("\n")
    );
}
