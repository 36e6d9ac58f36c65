//! The conformance harness: runs the AWS-recorded cases of `shared/conformance` that need
//! nothing external against `asl` and `local::run`, with the matching rules of
//! `run_conformance.py`, and checks the list of known failures.
//!
//! Environment: `STEPSTONE_CONFORMANCE_CASES` (cases directory), `STEPSTONE_CONFORMANCE_FILTER`
//! (only ids or categories containing this text), `STEPSTONE_CASE_TIMEOUT` (seconds a case may
//! take, default 20), `STEPSTONE_SHOW_HISTORY_DETAILS` (list every full-history difference),
//! `CI=true` (a missing corpus is a failure, not a skip).

#[path = "conformance/cases.rs"]
mod cases;
#[path = "conformance/execute.rs"]
mod execute;
#[path = "conformance/matching.rs"]
mod matching;

use cases::Case;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

const CASE_THREAD_PREFIX: &str = "conformance case ";

#[derive(Debug, Clone)]
enum Outcome {
    Pass,
    Fail(Vec<String>),
}

/// A case's outcome and its full-history comparison (details included), which must match too.
type Finished = (Outcome, Option<Option<String>>);

/// Panics inside cases are results, not noise: silence the hook on case threads only.
fn quiet_case_panics() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let on_case = std::thread::current().name().is_some_and(|n| n.starts_with(CASE_THREAD_PREFIX));
        if !on_case {
            default(info);
        }
    }));
}

fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "(no message)".into()
    }
}

/// Runs one case on its own thread, within `limit`; a panic or a time-out is a failure.
fn run_isolated(case: &Case, limit: Duration) -> Finished {
    let (tx, rx) = mpsc::channel();
    let owned = case.clone();
    let spawned = std::thread::Builder::new().name(format!("{CASE_THREAD_PREFIX}{}", case.id)).spawn(move || {
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| execute::run_case(&owned)));
        let _ = tx.send(result);
    });
    if let Err(e) = spawned {
        return (Outcome::Fail(vec![format!("cannot start a thread: {e}")]), None);
    }
    match rx.recv_timeout(limit) {
        Ok(Ok(report)) if report.problems.is_empty() => (Outcome::Pass, report.details),
        Ok(Ok(report)) => (Outcome::Fail(report.problems), report.details),
        Ok(Err(payload)) => (Outcome::Fail(vec![format!("panicked: {}", panic_text(payload.as_ref()))]), None),
        Err(_) => (Outcome::Fail(vec![format!("did not finish within {}s", limit.as_secs_f64())]), None),
    }
}

fn run_all(cases: Arc<Vec<Case>>, limit: Duration) -> Vec<Finished> {
    let workers = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2).clamp(1, 8);
    let next = Arc::new(AtomicUsize::new(0));
    let results = Arc::new(Mutex::new(vec![None; cases.len()]));
    let handles: Vec<_> = (0..workers)
        .map(|_| {
            let (cases, next, results) = (cases.clone(), next.clone(), results.clone());
            std::thread::spawn(move || loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(case) = cases.get(i) else { break };
                let outcome = run_isolated(case, limit);
                if let Ok(mut r) = results.lock() {
                    r[i] = Some(outcome);
                }
            })
        })
        .collect();
    for h in handles {
        h.join().expect("a harness worker died");
    }
    let results = results.lock().expect("results lock").clone();
    results.into_iter().map(|o| o.unwrap_or_else(|| (Outcome::Fail(vec!["not run".into()]), None))).collect()
}

fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(max).collect();
    cut.push_str("...");
    cut
}

#[test]
fn conformance() {
    let dir = cases::cases_dir();
    let ci = std::env::var("CI").is_ok_and(|v| v == "true");
    if !dir.is_dir() {
        let why = format!("conformance cases not found at {} (shared/ must sit beside the repository)", dir.display());
        assert!(!ci, "{why}");
        eprintln!("SKIPPED: {why}");
        return;
    }
    let all = cases::load(&dir).unwrap_or_else(|e| panic!("cannot load the cases: {e}"));
    let filter = std::env::var("STEPSTONE_CONFORMANCE_FILTER").ok().filter(|f| !f.is_empty());
    let selected: Vec<Case> = all
        .into_iter()
        .filter(Case::selectable)
        .filter(|c| filter.as_ref().is_none_or(|f| c.id.contains(f.as_str()) || c.category == *f))
        .collect();
    let known_path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/conformance/known_failures.txt");
    let known_text = std::fs::read_to_string(&known_path).unwrap_or_default();
    let known = cases::known_failures(&known_text).unwrap_or_else(|e| panic!("{e}"));
    let limit = std::env::var("STEPSTONE_CASE_TIMEOUT")
        .ok()
        .and_then(|s| s.parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s > 0.0)
        .unwrap_or(20.0);

    quiet_case_panics();
    let selected = Arc::new(selected);
    let finished = run_all(selected.clone(), Duration::from_secs_f64(limit));
    // A case passes only when its whole recorded history, details included, matches too.
    let outcomes: Vec<Outcome> = finished
        .iter()
        .map(|(outcome, details)| match (outcome, details) {
            (Outcome::Pass, Some(Some(diff))) => Outcome::Fail(vec![format!("history details: {diff}")]),
            (Outcome::Pass, _) => Outcome::Pass,
            (Outcome::Fail(problems), _) => Outcome::Fail(problems.clone()),
        })
        .collect();

    let mut per_category: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    let mut unexpected = Vec::new();
    let mut fixed = Vec::new();
    let mut tolerated = 0;
    for (case, outcome) in selected.iter().zip(outcomes.iter()) {
        let entry = per_category.entry(case.category.as_str()).or_default();
        match outcome {
            Outcome::Pass => {
                entry.0 += 1;
                if known.contains_key(&case.id) {
                    fixed.push(case.id.clone());
                }
            }
            Outcome::Fail(problems) => {
                entry.1 += 1;
                if known.contains_key(&case.id) {
                    tolerated += 1;
                } else {
                    unexpected.push((case, problems.join(" | ")));
                }
            }
        }
    }

    for (category, (passed, failed)) in &per_category {
        let note = if cases::REQUIRED.contains(category) { "" } else { " (not required)" };
        println!("{category}: {passed} passed, {failed} failed{note}");
    }
    let required_unexpected: Vec<_> = unexpected.iter().filter(|(c, _)| c.required()).collect();
    if !unexpected.is_empty() {
        println!("\nunexpected failures ({} in required categories):", required_unexpected.len());
        for (case, problems) in &unexpected {
            let mark = if case.required() { "" } else { " (not required)" };
            println!("FAIL [{}] {}{mark}\n    {}", case.category, case.id, truncate(problems, 600));
        }
    }
    if !fixed.is_empty() {
        println!("\nknown failures that now pass (remove them from known_failures.txt):");
        for id in &fixed {
            println!("    {id}");
        }
    }
    let checked: Vec<(&Case, &Option<String>)> =
        selected.iter().zip(&finished).filter_map(|(c, (_, d))| d.as_ref().map(|d| (c, d))).collect();
    let differing: Vec<_> = checked.iter().filter(|(_, d)| d.is_some()).collect();
    println!(
        "\nhistory details: {} of {} recorded histories match event for event",
        checked.len() - differing.len(),
        checked.len()
    );
    if std::env::var_os("STEPSTONE_SHOW_HISTORY_DETAILS").is_some() {
        for (case, diff) in &differing {
            println!("    {}: {}", case.id, truncate(diff.as_deref().unwrap_or(""), 400));
        }
    }
    let passed = outcomes.iter().filter(|o| matches!(o, Outcome::Pass)).count();
    println!("\n{tolerated} known failures tolerated; {} cases run", outcomes.len());
    println!("{passed} passed, {} failed", outcomes.len() - passed);
    assert!(
        required_unexpected.is_empty() && fixed.is_empty(),
        "{} unexpected failures in required categories, {} known failures now pass",
        required_unexpected.len(),
        fixed.len()
    );
}
