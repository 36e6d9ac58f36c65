//! Reading request objects: fields, pages, names and ARNs, with AWS's validation errors.

use crate::ApiError;
use serde_json::{json, Map, Value};
use store::{ExecutionStatus, PageRequest};

/// A request body: a JSON object.
pub type Request = Map<String, Value>;
/// What an operation answers.
pub type Reply = Result<Value, ApiError>;

/// Epoch milliseconds as AWS JSON's timestamp: epoch seconds, fractional.
pub fn timestamp(millis: i64) -> Value {
    json!(millis as f64 / 1000.0)
}

pub fn now_millis() -> i64 {
    use std::time::{SystemTime, UNIX_EPOCH};
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

pub fn null_error(field: &str) -> ApiError {
    ApiError::validation(format!(
        "1 validation error detected: Value null at '{field}' failed to satisfy constraint: Member must not be null"
    ))
}

pub fn optional_string<'a>(request: &'a Request, field: &str) -> Result<Option<&'a str>, ApiError> {
    match request.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(ApiError::new("SerializationException", format!("Expected a string for '{field}'"))),
    }
}

pub fn required_string<'a>(request: &'a Request, field: &str) -> Result<&'a str, ApiError> {
    optional_string(request, field)?.ok_or_else(|| null_error(field))
}

pub fn optional_bool(request: &Request, field: &str) -> Result<Option<bool>, ApiError> {
    match request.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(ApiError::new("SerializationException", format!("Expected a boolean for '{field}'"))),
    }
}

/// AWS's longest `nextToken` (`PageToken`); `ListExecutions` takes longer ones.
pub const TOKEN_LENGTH: usize = 1024;
pub const EXECUTIONS_TOKEN_LENGTH: usize = 3096;

/// `maxResults` and `nextToken` as a page request (AWS: 0 or absent means the default, 100).
pub fn page(request: &Request, token_length: usize) -> Result<PageRequest, ApiError> {
    let max = match request.get("maxResults") {
        None | Some(Value::Null) => 0,
        Some(Value::Number(n)) => {
            n.as_i64().ok_or_else(|| ApiError::new("SerializationException", "Expected an integer for 'maxResults'"))?
        }
        Some(_) => return Err(ApiError::new("SerializationException", "Expected an integer for 'maxResults'")),
    };
    if max > 1000 {
        return Err(ApiError::validation(format!(
            "1 validation error detected: Value '{max}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 1000"
        )));
    }
    if max < 0 {
        return Err(ApiError::validation(format!(
            "1 validation error detected: Value '{max}' at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 0"
        )));
    }
    let cursor = optional_string(request, "nextToken")?.map(str::to_string);
    if let Some(token) = &cursor {
        if token.len() > token_length {
            return Err(ApiError::validation(format!(
                "1 validation error detected: Value '{token}' at 'nextToken' failed to satisfy constraint: Member must have length less than or equal to {token_length}"
            )));
        }
    }
    let limit = if max == 0 { 100 } else { max as usize };
    Ok(PageRequest { cursor, limit })
}

/// AWS's name rule for state machines and executions: 1 to 80 characters, none of
/// whitespace, `<>{}[]?*"#%\^|~`$&,;:/` or control characters.
pub fn valid_name(name: &str) -> bool {
    let forbidden = "<>{}[]?*\"#%\\^|~`$&,;:/";
    let length = name.chars().count();
    (1..=80).contains(&length) && !name.chars().any(|c| c.is_whitespace() || c.is_control() || forbidden.contains(c))
}

/// An ARN of this service with the given resource type, else `InvalidArn`.
pub fn check_arn(arn: &str, resource: &str) -> Result<(), ApiError> {
    if !arn.starts_with("arn:") {
        return Err(ApiError::new("InvalidArn", format!("Invalid Arn: 'Invalid ARN prefix: {arn}'")));
    }
    let parts: Vec<&str> = arn.splitn(7, ':').collect();
    if parts.len() < 7 || parts[2] != "states" || parts[5] != resource {
        return Err(ApiError::new(
            "InvalidArn",
            format!("Invalid Arn: 'Resource type not valid in this context: {}'", parts.get(5).unwrap_or(&"")),
        ));
    }
    Ok(())
}

pub fn status_name(status: ExecutionStatus) -> &'static str {
    match status {
        ExecutionStatus::Running => "RUNNING",
        ExecutionStatus::Succeeded => "SUCCEEDED",
        ExecutionStatus::Failed => "FAILED",
        ExecutionStatus::TimedOut => "TIMED_OUT",
        ExecutionStatus::Aborted => "ABORTED",
    }
}

pub fn parse_status(name: &str) -> Option<ExecutionStatus> {
    ExecutionStatus::ALL.into_iter().find(|s| status_name(*s) == name)
}

/// A JSON text as the value AWS JSON carries: the text itself (a string member).
pub fn text(value: &str) -> Value {
    Value::String(value.to_string())
}

/// The field constraint violations of one request, reported together as AWS does:
/// `N validation error(s) detected: Value 'v' at 'field' failed to satisfy constraint: ...; ...`.
#[derive(Debug, Default)]
pub struct Violations(Vec<String>);

impl Violations {
    pub fn add(&mut self, value: impl std::fmt::Display, field: &str, constraint: &str) {
        self.0.push(format!("Value '{value}' at '{field}' failed to satisfy constraint: {constraint}"));
    }

    /// A null value of a required member.
    pub fn null(&mut self, field: &str) {
        self.0.push(format!("Value null at '{field}' failed to satisfy constraint: Member must not be null"));
    }

    /// A string's length in characters, within `min..=max`.
    pub fn length(&mut self, value: &str, field: &str, min: usize, max: usize) {
        let length = value.chars().count();
        if length > max {
            self.add(value, field, &format!("Member must have length less than or equal to {max}"));
        } else if length < min {
            self.add(value, field, &format!("Member must have length greater than or equal to {min}"));
        }
    }

    /// An integer within `min..=max`.
    pub fn range(&mut self, value: i64, field: &str, min: i64, max: i64) {
        if value > max {
            self.add(value, field, &format!("Member must have value less than or equal to {max}"));
        } else if value < min {
            self.add(value, field, &format!("Member must have value greater than or equal to {min}"));
        }
    }

    /// One of an enum's values.
    pub fn one_of(&mut self, value: &str, field: &str, allowed: &[&str]) {
        if !allowed.contains(&value) {
            let constraint = format!("Member must satisfy enum value set: [{}]", allowed.join(", "));
            self.add(value, field, &constraint);
        }
    }

    pub fn finish(self) -> Result<(), ApiError> {
        match self.0.len() {
            0 => Ok(()),
            1 => Err(ApiError::validation(format!("1 validation error detected: {}", self.0[0]))),
            n => Err(ApiError::validation(format!("{n} validation errors detected: {}", self.0.join("; ")))),
        }
    }
}

/// An optional string member with its length checked.
pub fn string_within<'a>(
    request: &'a Request,
    field: &str,
    min: usize,
    max: usize,
    violations: &mut Violations,
) -> Result<Option<&'a str>, ApiError> {
    let value = optional_string(request, field)?;
    if let Some(value) = value {
        violations.length(value, field, min, max);
    }
    Ok(value)
}

/// An optional integer member.
pub fn optional_int(request: &Request, field: &str) -> Result<Option<i64>, ApiError> {
    match request.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n
            .as_i64()
            .or_else(|| n.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64))
            .map(Some)
            .ok_or_else(|| ApiError::new("SerializationException", format!("Expected an integer for '{field}'"))),
        Some(_) => Err(ApiError::new("SerializationException", format!("Expected an integer for '{field}'"))),
    }
}

/// An optional list member.
pub fn optional_list<'a>(request: &'a Request, field: &str) -> Result<Option<&'a Vec<Value>>, ApiError> {
    match request.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(items)) => Ok(Some(items)),
        Some(_) => Err(ApiError::new("SerializationException", format!("Expected a list for '{field}'"))),
    }
}

/// What a state machine ARN names: the machine, one of its versions, or one of its aliases.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MachineArn {
    Machine(String),
    /// `{machine}:{number}`.
    Version {
        machine: String,
        number: u64,
    },
    /// `{machine}:{alias name}`.
    Alias {
        machine: String,
        name: String,
    },
}

impl MachineArn {
    /// Reads a `stateMachine` ARN (checked as [`check_arn`] does).
    pub fn parse(arn: &str) -> Result<MachineArn, ApiError> {
        check_arn(arn, "stateMachine")?;
        // arn:partition:states:region:account:stateMachine:name[:qualifier]
        let parts: Vec<&str> = arn.split(':').collect();
        if parts.len() <= 7 {
            return Ok(MachineArn::Machine(arn.to_string()));
        }
        let machine = parts[..7].join(":");
        let qualifier = parts[7..].join(":");
        match qualifier.parse::<u64>() {
            Ok(number) if !qualifier.starts_with('+') => Ok(MachineArn::Version { machine, number }),
            _ => Ok(MachineArn::Alias { machine, name: qualifier }),
        }
    }

    /// The unqualified state machine ARN.
    pub fn machine(&self) -> &str {
        match self {
            MachineArn::Machine(machine) | MachineArn::Version { machine, .. } | MachineArn::Alias { machine, .. } => {
                machine
            }
        }
    }
}

/// How an execution was started, from [`store::Execution::started_through`]: the version
/// ARN, then the alias ARN after a space when it went through an alias.
pub fn started_through(through: Option<&str>) -> (Option<&str>, Option<&str>) {
    match through {
        None => (None, None),
        Some(text) => match text.split_once(' ') {
            Some((version, alias)) => (Some(version), Some(alias)),
            None => (Some(text), None),
        },
    }
}

/// The `tags` member (`[{key, value}]`) as tags, its constraints checked.
pub fn tags(request: &Request, violations: &mut Violations) -> Result<Vec<store::Tag>, ApiError> {
    let mut tags = Vec::new();
    for (index, item) in optional_list(request, "tags")?.into_iter().flatten().enumerate() {
        let Value::Object(item) = item else {
            return Err(ApiError::new("SerializationException", "Expected an object for a tag"));
        };
        let key = optional_string(item, "key")?.unwrap_or("");
        let value = optional_string(item, "value")?.unwrap_or("");
        violations.length(key, &format!("tags.{}.member.key", index + 1), 1, 128);
        violations.length(value, &format!("tags.{}.member.value", index + 1), 0, 256);
        tags.push((key.to_string(), value.to_string()));
    }
    Ok(tags)
}

/// At most this many tags on one resource.
pub const MAX_TAGS: usize = 50;

/// `tags` merged into `existing`: a new key is added at the end, a known one takes the new value.
pub fn merge_tags(existing: &mut Vec<store::Tag>, tags: Vec<store::Tag>) {
    for (key, value) in tags {
        match existing.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = value,
            None => existing.push((key, value)),
        }
    }
}

pub fn tags_json(tags: &[store::Tag]) -> Value {
    Value::Array(tags.iter().map(|(k, v)| json!({"key": k, "value": v})).collect())
}

/// The JSON object `Map` under `key` of a configuration text, if any.
pub fn configuration_part(configuration: &str, key: &str) -> Option<Value> {
    let parsed: Value = serde_json::from_str(configuration).ok()?;
    parsed.get(key).cloned()
}

/// Adds `stateMachineVersionArn` and `stateMachineAliasArn` of an execution to a reply.
pub fn add_started_through(reply: &mut Value, execution: &store::Execution) {
    let (version, alias) = started_through(execution.started_through.as_deref());
    if let Some(version) = version {
        reply["stateMachineVersionArn"] = json!(version);
    }
    if let Some(alias) = alias {
        reply["stateMachineAliasArn"] = json!(alias);
    }
}

/// A required string member of `min..=max` characters (AWS's `Arn`: 1 to 256).
pub fn required_within<'a>(request: &'a Request, field: &str, min: usize, max: usize) -> Result<&'a str, ApiError> {
    let value = required_string(request, field)?;
    let mut violations = Violations::default();
    violations.length(value, field, min, max);
    violations.finish()?;
    Ok(value)
}
