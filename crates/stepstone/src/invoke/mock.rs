//! Mocked Task responses in AWS Step Functions Local's `MockConfigFile.json` format: loading,
//! full validation up front, and answering invocations attempt by attempt.

use expr::Value;
use serde_json::Value as Json;
use std::collections::HashMap;
use std::sync::Mutex;

pub use super::mock_serve::ServeMocks;

/// One mocked answer: the task's result, or an ASL error.
#[derive(Debug, Clone, PartialEq)]
pub enum Response {
    Return(Value),
    Throw { error: String, cause: String },
}

/// A mocked response: answers for inclusive ranges of 0-based invocation indexes.
#[derive(Debug, Clone, Default)]
struct MockedResponse {
    /// `(first, last, answer)`, sorted by `first`, never overlapping.
    ranges: Vec<(u64, u64, Response)>,
}

impl MockedResponse {
    fn at(&self, attempt: u64) -> Option<&Response> {
        self.ranges.iter().find(|(first, last, _)| (*first..=*last).contains(&attempt)).map(|(_, _, r)| r)
    }
}

/// The mocks of one test case, with a counter of invocations per state name.
#[derive(Debug)]
pub struct Mocks {
    test_case: String,
    /// State name -> (mock name, its responses).
    states: HashMap<String, (String, MockedResponse)>,
    attempts: Mutex<HashMap<String, u64>>,
}

impl Mocks {
    /// Reads the test case `test_case` of the state machine `machine` from a mock file's text.
    /// `machine` None picks the file's only state machine; `fallback` (the definition file's
    /// stem) is tried first when `machine` is None. Every problem of the file is reported.
    pub fn parse(text: &str, machine: Option<&str>, fallback: &str, test_case: &str) -> Result<Mocks, String> {
        let root: Json = serde_json::from_str(text).map_err(|e| format!("the mock file is not valid JSON: {e}"))?;
        let responses = parse_responses(&root)?;
        let machines = root
            .get("StateMachines")
            .and_then(Json::as_object)
            .ok_or("the mock file has no \"StateMachines\" object")?;
        let name = match machine {
            Some(name) => name.to_string(),
            None if machines.contains_key(fallback) => fallback.to_string(),
            None if machines.len() == 1 => machines.keys().next().cloned().unwrap_or_default(),
            None => {
                return Err(format!(
                    "the mock file has no state machine named '{fallback}' (the definition file's name); choose one with --state-machine: {}",
                    names(machines.keys())
                ))
            }
        };
        let cases = machines
            .get(&name)
            .ok_or_else(|| format!("the mock file has no state machine '{name}'; it has: {}", names(machines.keys())))?
            .get("TestCases")
            .and_then(Json::as_object)
            .ok_or_else(|| format!("the state machine '{name}' in the mock file has no \"TestCases\" object"))?;
        let case = cases.get(test_case).ok_or_else(|| {
            format!("the state machine '{name}' has no test case '{test_case}'; it has: {}", names(cases.keys()))
        })?;
        let case = case
            .as_object()
            .ok_or_else(|| format!("the test case '{test_case}' must be an object of state name -> mock name"))?;
        let mut states = HashMap::new();
        for (state, mock) in case {
            let mock = mock
                .as_str()
                .ok_or_else(|| format!("test case '{test_case}', state '{state}': the mock name must be a string"))?;
            let response = responses.get(mock).ok_or_else(|| {
                format!("test case '{test_case}', state '{state}': no mocked response '{mock}' in \"MockedResponses\"")
            })?;
            states.insert(state.clone(), (mock.to_string(), response.clone()));
        }
        Ok(Mocks { test_case: test_case.to_string(), states, attempts: Mutex::new(HashMap::new()) })
    }

    /// The answer for the next invocation of `state`, or None when the test case does not
    /// mock that state. Every call counts as one invocation (retries included).
    pub fn answer(&self, state: &str) -> Option<Response> {
        self.states.get(state)?;
        let attempt = {
            let mut attempts = self.attempts.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            let counter = attempts.entry(state.to_string()).or_insert(0);
            let attempt = *counter;
            *counter += 1;
            attempt
        };
        self.answer_at(state, attempt)
    }

    /// Whether the test case mocks `state`.
    pub fn mocks(&self, state: &str) -> bool {
        self.states.contains_key(state)
    }

    /// The answer for the 0-based invocation `attempt` of `state` (counted by the caller), or
    /// None when the test case does not mock that state.
    pub fn answer_at(&self, state: &str, attempt: u64) -> Option<Response> {
        let (mock, response) = self.states.get(state)?;
        Some(match response.at(attempt) {
            Some(answer) => answer.clone(),
            None => Response::Throw {
                error: "States.Runtime".into(),
                cause: format!(
                    "The mocked response '{mock}' (test case '{}', state '{state}') has no entry for invocation {attempt}",
                    self.test_case
                ),
            },
        })
    }
}

fn names<'a>(keys: impl Iterator<Item = &'a String>) -> String {
    let list: Vec<&str> = keys.map(String::as_str).collect();
    if list.is_empty() {
        "none".into()
    } else {
        list.join(", ")
    }
}

/// All of `MockedResponses`, each entry checked; all problems are joined in the error.
fn parse_responses(root: &Json) -> Result<HashMap<String, MockedResponse>, String> {
    let Some(all) = root.get("MockedResponses") else {
        return Ok(HashMap::new());
    };
    let all = all.as_object().ok_or("\"MockedResponses\" must be an object")?;
    let mut problems = Vec::new();
    let mut out = HashMap::new();
    for (mock, entries) in all {
        let Some(entries) = entries.as_object() else {
            problems.push(format!("mocked response '{mock}' must be an object of invocation index -> response"));
            continue;
        };
        let mut response = MockedResponse::default();
        for (key, entry) in entries {
            let where_ = format!("mocked response '{mock}', key '{key}'");
            match (parse_range(key), parse_entry(entry)) {
                (Ok((first, last)), Ok(answer)) => response.ranges.push((first, last, answer)),
                (Err(e), _) | (_, Err(e)) => problems.push(format!("{where_}: {e}")),
            }
        }
        response.ranges.sort_by_key(|(first, _, _)| *first);
        for pair in response.ranges.windows(2) {
            if pair[1].0 <= pair[0].1 {
                problems.push(format!(
                    "mocked response '{mock}': invocation {} is given twice (overlapping keys)",
                    pair[1].0
                ));
            }
        }
        out.insert(mock.clone(), response);
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(format!("the mock file has problems:\n  {}", problems.join("\n  ")))
    }
}

/// `"3"` or `"1-2"` (inclusive): 0-based invocation indexes.
fn parse_range(key: &str) -> Result<(u64, u64), String> {
    let number = |s: &str| -> Result<u64, String> {
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err("the key must be an invocation index (\"0\") or an inclusive range (\"1-2\")".into());
        }
        s.parse::<u64>().map_err(|e| format!("bad invocation index: {e}"))
    };
    match key.split_once('-') {
        None => number(key).map(|n| (n, n)),
        Some((a, b)) => {
            let (first, last) = (number(a)?, number(b)?);
            if first > last {
                return Err("the range's first index is greater than its last".into());
            }
            Ok((first, last))
        }
    }
}

/// `{"Return": any}` or `{"Throw": {"Error": "...", "Cause": "..."}}`: exactly one of them.
fn parse_entry(entry: &Json) -> Result<Response, String> {
    let object = entry.as_object().ok_or("the response must be an object with \"Return\" or \"Throw\"")?;
    if let Some(other) = object.keys().find(|k| *k != "Return" && *k != "Throw") {
        return Err(format!("unknown field \"{other}\" (only \"Return\" or \"Throw\")"));
    }
    match (object.get("Return"), object.get("Throw")) {
        (Some(value), None) => Ok(Response::Return(Value::from(value))),
        (None, Some(throw)) => {
            let throw = throw.as_object().ok_or("\"Throw\" must be an object with \"Error\" and \"Cause\"")?;
            if let Some(other) = throw.keys().find(|k| *k != "Error" && *k != "Cause") {
                return Err(format!("unknown field \"{other}\" in \"Throw\" (only \"Error\" and \"Cause\")"));
            }
            let text = |field: &str| match throw.get(field) {
                None => Ok(String::new()),
                Some(Json::String(s)) => Ok(s.clone()),
                Some(_) => Err(format!("\"Throw\".\"{field}\" must be a string")),
            };
            let error = text("Error")?;
            if error.is_empty() {
                return Err("\"Throw\" needs a non-empty \"Error\"".into());
            }
            Ok(Response::Throw { error, cause: text("Cause")? })
        }
        (Some(_), Some(_)) => Err("has both \"Return\" and \"Throw\" (exactly one is allowed)".into()),
        (None, None) => Err("has neither \"Return\" nor \"Throw\"".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = r#"{"StateMachines": {"m": {"TestCases": {"happy": {"A": "ok"}, "flaky": {"A": "flaky"}}}},
        "MockedResponses": {"ok": {"0": {"Return": {"x": 1}}},
                            "flaky": {"0-1": {"Throw": {"Error": "E", "Cause": "C"}}, "2": {"Return": 7}}}}"#;

    #[test]
    fn ranges_are_consumed_per_state_and_a_missing_attempt_is_a_runtime_error() {
        let mocks = Mocks::parse(FILE, None, "other", "flaky").expect("valid");
        let throw = Response::Throw { error: "E".into(), cause: "C".into() };
        assert_eq!(mocks.answer("A"), Some(throw.clone()));
        assert_eq!(mocks.answer("A"), Some(throw));
        assert_eq!(mocks.answer("A"), Some(Response::Return(Value::from(7))));
        assert!(matches!(mocks.answer("A"), Some(Response::Throw { error, .. }) if error == "States.Runtime"));
        assert_eq!(mocks.answer("B"), None);
    }

    #[test]
    fn bad_files_are_reported_with_every_problem() {
        let bad = r#"{"StateMachines": {"m": {"TestCases": {"t": {}}}},
            "MockedResponses": {"a": {"x": {"Return": 1}, "0": {"Return": 1, "Throw": {"Error": "E"}}, "1": {}},
                                "b": {"2-1": {"Return": 1}, "0-3": {"Return": 1}, "3": {"Return": 1}}}}"#;
        let e = Mocks::parse(bad, None, "m", "t").expect_err("invalid");
        for needle in ["'a', key 'x'", "both", "neither", "greater", "invocation 3 is given twice"] {
            assert!(e.contains(needle), "{needle:?} missing from {e}");
        }
        assert!(Mocks::parse("{", None, "m", "t").unwrap_err().contains("not valid JSON"));
        assert!(Mocks::parse(FILE, None, "m", "nope")
            .unwrap_err()
            .contains("no test case 'nope'; it has: happy, flaky"));
        assert!(Mocks::parse(FILE, Some("z"), "m", "happy").unwrap_err().contains("no state machine 'z'"));
    }
}
