//! Mocked test cases under `stepstone serve`: which execution runs which test case, and which
//! invocation of each mocked state a Task is, kept in an append-only journal in the data
//! directory so that both survive a restart.
//!
//! The journal (`DATA_DIR/mock-executions.jsonl`) has one JSON object a line:
//! `{"e": ARN, "m": MACHINE, "c": CASE}` when an execution starts with a test case, and
//! `{"e": ARN, "s": STATE, "t": TASK}` when a mocked state is first invoked by the task `TASK`
//! (the engine's task id); `{"e": ARN, "forget": true}` when a start with a test case failed. A state's invocation index is the number of distinct tasks seen for
//! it before; a task run again after a crash (same id) gets the same answer.
//!
//! A mocked `.waitForTaskToken` Task does not wait, as in Step Functions Local: its `Return`
//! completes the task at once through the runtime's SendTaskSuccess with its token.

use super::mock::{Mocks, Response};
use runtime::{TaskCall, TaskResult};
use serde_json::{json, Value as Json};
use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock, Weak};
use store_sqlite::SqliteStore;

/// The journal's file name in the data directory.
pub const JOURNAL: &str = "mock-executions.jsonl";

/// A mock file served to every execution started on `<stateMachineArn>#<TestCase>`.
pub struct ServeMocks {
    text: String,
    journal: Mutex<Journal>,
    /// The runtime, for completing mocked callbacks (set once it exists).
    runtime: OnceLock<Weak<runtime::Runtime<SqliteStore>>>,
}

struct Journal {
    file: File,
    path: PathBuf,
    /// Execution ARN -> (machine name, test case).
    cases: HashMap<String, (String, String)>,
    /// (execution ARN, state) -> the task ids of its invocations, in order.
    tasks: HashMap<(String, String), Vec<u64>>,
    /// Parsed test cases by (machine name, test case).
    parsed: HashMap<(String, String), Arc<Mocks>>,
}

impl ServeMocks {
    /// Reads and checks the mock file (every test case of every state machine), and opens the
    /// journal in `data_dir`.
    pub fn open(mock_file: &Path, data_dir: &Path) -> Result<ServeMocks, String> {
        let text = std::fs::read_to_string(mock_file)
            .map_err(|e| format!("cannot read the mock config {}: {e}", mock_file.display()))?;
        let bad = |e: String| format!("{}: {e}", mock_file.display());
        let root: Json =
            serde_json::from_str(&text).map_err(|e| bad(format!("the mock file is not valid JSON: {e}")))?;
        let machines = root
            .get("StateMachines")
            .and_then(Json::as_object)
            .ok_or_else(|| bad("the mock file has no \"StateMachines\" object".into()))?;
        for (machine, body) in machines {
            let cases = body.get("TestCases").and_then(Json::as_object);
            let cases =
                cases.ok_or_else(|| bad(format!("the state machine '{machine}' has no \"TestCases\" object")))?;
            for case in cases.keys() {
                Mocks::parse(&text, Some(machine), "", case).map_err(bad)?;
            }
        }
        let path = data_dir.join(JOURNAL);
        let mut cases = HashMap::new();
        let mut tasks: HashMap<(String, String), Vec<u64>> = HashMap::new();
        if let Ok(old) = std::fs::read_to_string(&path) {
            // A torn last line (a crash while appending) is skipped.
            for line in old.lines().filter_map(|l| serde_json::from_str::<Json>(l).ok()) {
                let text = |k: &str| line.get(k).and_then(Json::as_str).map(str::to_string);
                if let (Some(e), Some(true)) = (text("e"), line.get("forget").and_then(Json::as_bool)) {
                    cases.remove(&e);
                    continue;
                }
                match (text("e"), text("m"), text("c"), text("s"), line.get("t").and_then(Json::as_u64)) {
                    (Some(e), Some(m), Some(c), _, _) => {
                        cases.insert(e, (m, c));
                    }
                    (Some(e), _, _, Some(s), Some(t)) => tasks.entry((e, s)).or_default().push(t),
                    _ => {}
                }
            }
        }
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
        let journal = Journal { file, path, cases, tasks, parsed: HashMap::new() };
        Ok(ServeMocks { text, journal: Mutex::new(journal), runtime: OnceLock::new() })
    }

    /// Gives the runtime that mocked `.waitForTaskToken` answers are sent to.
    pub fn attach(&self, runtime: &Arc<runtime::Runtime<SqliteStore>>) {
        let _ = self.runtime.set(Arc::downgrade(runtime));
    }

    /// The mocked answer to `call`, or None when its execution runs no test case or the test
    /// case does not mock its state (the real integration then runs, as in Step Functions Local).
    pub fn answer(&self, call: &TaskCall) -> Option<TaskResult> {
        let mut journal = self.journal.lock().unwrap_or_else(|e| e.into_inner());
        let (machine, case) = journal.cases.get(&call.execution_arn)?.clone();
        let mocks = match journal.parsed.get(&(machine.clone(), case.clone())) {
            Some(mocks) => Arc::clone(mocks),
            None => {
                let mocks = Arc::new(Mocks::parse(&self.text, Some(&machine), "", &case).ok()?);
                journal.parsed.insert((machine, case), Arc::clone(&mocks));
                mocks
            }
        };
        if !mocks.mocks(&call.state) {
            return None;
        }
        let key = (call.execution_arn.clone(), call.state.clone());
        let seen = journal.tasks.get(&key).map(|t| (t.iter().position(|id| *id == call.task), t.len()));
        let attempt = match seen {
            Some((Some(index), _)) => index,
            other => {
                let line = json!({"e": call.execution_arn, "s": call.state, "t": call.task});
                if let Err(e) = journal.append(&line) {
                    return Some(Err(("States.Runtime".into(), e)));
                }
                journal.tasks.entry(key).or_default().push(call.task);
                other.map(|(_, len)| len).unwrap_or(0)
            }
        };
        drop(journal);
        Some(match mocks.answer_at(&call.state, attempt as u64)? {
            Response::Return(value) if engine::is_callback(&call.resource) => {
                let runtime = self.runtime.get().and_then(Weak::upgrade);
                let Some(runtime) = runtime else {
                    return Some(Err(("States.Runtime".into(), "no runtime for a mocked callback".into())));
                };
                let (token, output) = (call.token.clone(), expr::json::to_string(&value));
                // After the task is recorded as submitted (this answer), the token completes it.
                tokio::spawn(async move {
                    if let Err(e) = runtime.send_task_success(&token, &output).await {
                        eprintln!("stepstone: a mocked callback could not complete: {e}");
                    }
                });
                Ok(value)
            }
            Response::Return(value) => Ok(value),
            Response::Throw { error, cause } => Err((error, cause)),
        })
    }
}

impl Journal {
    /// Appends one line and syncs it before the answer is given.
    fn append(&mut self, line: &Json) -> Result<(), String> {
        let fail = |e: std::io::Error| format!("cannot write {}: {e}", self.path.display());
        let mut text = line.to_string();
        text.push('\n');
        self.file.write_all(text.as_bytes()).map_err(fail)?;
        self.file.sync_data().map_err(fail)
    }
}

impl api::TestCases for ServeMocks {
    fn select(&self, machine: &str, test_case: &str, execution_arn: &str) -> Result<(), String> {
        let mocks = Mocks::parse(&self.text, Some(machine), "", test_case)
            .map_err(|e| format!("Invalid test case '{test_case}' for state machine '{machine}': {e}"))?;
        let mut journal = self.journal.lock().unwrap_or_else(|e| e.into_inner());
        if journal.cases.contains_key(execution_arn) {
            return Ok(());
        }
        journal.append(&json!({"e": execution_arn, "m": machine, "c": test_case}))?;
        journal.cases.insert(execution_arn.to_string(), (machine.to_string(), test_case.to_string()));
        journal.parsed.insert((machine.to_string(), test_case.to_string()), Arc::new(mocks));
        Ok(())
    }

    fn forget(&self, execution_arn: &str) {
        let mut journal = self.journal.lock().unwrap_or_else(|e| e.into_inner());
        if journal.cases.remove(execution_arn).is_some() {
            if let Err(e) = journal.append(&json!({"e": execution_arn, "forget": true})) {
                eprintln!("stepstone: {e}");
            }
        }
    }
}
