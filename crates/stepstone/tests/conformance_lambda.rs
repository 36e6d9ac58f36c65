//! The corpus's Lambda cases through the API: `run_conformance.py --include-needs none,lambda`
//! creates its Python functions through the Lambda API of the real `stepstone serve` and runs
//! every AWS-recorded case that needs only Lambda. Each must pass unless it is listed, with its
//! reason, in `tests/conformance/known_failures_lambda.txt`; a listed case that passes fails
//! the test (remove it from the list then).

#[path = "conformance/cases.rs"]
#[allow(dead_code)]
mod cases;
mod support;

use serde_json::Value;
use std::path::Path;
use std::process::Command;

/// The ids of the recorded cases whose needs are Lambda (and nothing else but `none`).
fn lambda_cases(corpus: &Path) -> Vec<String> {
    let mut ids = Vec::new();
    for entry in std::fs::read_dir(corpus.join("cases/localstack")).unwrap().flatten() {
        let Ok(case) = serde_json::from_str::<Value>(&std::fs::read_to_string(entry.path()).unwrap()) else { continue };
        let needs: Vec<&str> =
            case["needs"].as_array().map(|n| n.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
        if needs.contains(&"lambda") && needs.iter().all(|n| *n == "lambda" || *n == "none") {
            ids.push(case["id"].as_str().unwrap().to_string());
        }
    }
    ids.sort();
    ids
}

fn escape(id: &str) -> String {
    id.chars().flat_map(|c| if "\\.+*?()|[]{}^$".contains(c) { vec!['\\', c] } else { vec![c] }).collect()
}

#[test]
fn the_recorded_lambda_cases_pass_through_the_api() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/conformance");
    let runner = corpus.join("run_conformance.py");
    if !runner.exists() {
        let why = format!("{} not found (shared/ must sit beside the repository)", runner.display());
        assert!(!support::ci(), "{why}");
        println!("skipped: {why}");
        return;
    }
    let Some(python) = support::python() else {
        assert!(
            !support::ci(),
            "CI is set but there is no Python with boto3 (set STEPSTONE_PYTHON or STEPSTONE_AWS_CLI)"
        );
        println!("skipped: no venv Python with boto3");
        return;
    };
    let ids = lambda_cases(&corpus);
    assert!(ids.len() >= 70, "the corpus has {} Lambda cases", ids.len());
    let filter = format!("^({})$", ids.iter().map(|id| escape(id)).collect::<Vec<_>>().join("|"));
    let server = support::start();
    let report_dir = tempfile::tempdir().unwrap();
    let report = report_dir.path().join("report.json");
    let out = Command::new(&python)
        .arg(&runner)
        .args(["--endpoint", &format!("http://{}", server.address), "--history", "--workers", "8"])
        .args(["--include-needs", "none,lambda", "--filter", &filter])
        .arg("--json-report")
        .arg(&report)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(report.exists(), "run_conformance.py wrote no report: {stdout}{}", String::from_utf8_lossy(&out.stderr));
    let known_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/conformance/known_failures_lambda.txt");
    let known = cases::known_failures(&std::fs::read_to_string(known_path).unwrap()).unwrap();
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let (mut passed, mut failed) = (0, 0);
    let mut problems = Vec::new();
    for result in report["results"].as_array().expect("a results list") {
        let id = result["id"].as_str().unwrap_or("");
        match result["result"].as_str().unwrap_or("") {
            "pass" => {
                passed += 1;
                if known.contains_key(id) {
                    problems.push(format!("{id} passes: remove it from known_failures_lambda.txt"));
                }
            }
            "skip" | "skipped" => {}
            _ => {
                failed += 1;
                if !known.contains_key(id) {
                    problems.push(format!("{id}: {}", result["problems"]));
                }
            }
        }
    }
    println!("Lambda cases through the API: {passed} passed, {failed} failed ({} known)", known.len());
    assert_eq!(passed + failed, ids.len(), "every Lambda case ran: {stdout}");
    assert!(problems.is_empty(), "{} Lambda cases differ from the list:\n{}", problems.len(), problems.join("\n"));
}
