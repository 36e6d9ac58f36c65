//! The request of an HTTP Task: its `Parameters` read and checked, then merged with the
//! connection's invocation parameters into what goes on the wire.

use crate::connection::Connection;
use crate::encode::{self, ArrayFormat};
use serde_json::Value;

const METHODS: &[&str] = &["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"];

/// Headers a Task may not set (AWS fails the task with `States.Runtime`).
const FORBIDDEN: &[&str] = &[
    "a-im",
    "accept-charset",
    "accept-datetime",
    "accept-encoding",
    "authorization",
    "cache-control",
    "connection",
    "content-encoding",
    "content-md5",
    "date",
    "expect",
    "forwarded",
    "from",
    "host",
    "http2-settings",
    "if-match",
    "if-modified-since",
    "if-none-match",
    "if-range",
    "if-unmodified-since",
    "max-forwards",
    "origin",
    "pragma",
    "proxy-authorization",
    "referer",
    "server",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "via",
    "warning",
];
const FORBIDDEN_PREFIXES: &[&str] = &["x-forwarded-", "x-amz-", "x-amzn-"];

/// The Task's parameters, read.
#[derive(Debug)]
pub(crate) struct Request {
    pub connection_arn: String,
    endpoint: String,
    method: String,
    headers: Vec<(String, String)>,
    query: Vec<(String, String)>,
    body: Option<Value>,
    encoding: Option<ArrayFormat>,
}

/// What is sent (without the authorization and the headers Step Functions adds).
#[derive(Debug)]
pub(crate) struct Built {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<String>,
}

impl Request {
    pub fn parse(parameters: &Value) -> Result<Request, String> {
        let Value::Object(map) = parameters else {
            return Err("The HTTP Task parameters must be a JSON object".into());
        };
        let text = |name: &str| map.get(name).and_then(Value::as_str).map(str::to_string);
        let endpoint = text("ApiEndpoint").ok_or("The field 'ApiEndpoint' is required and must be a string")?;
        if !(endpoint.starts_with("https://") || endpoint.starts_with("http://")) {
            return Err(format!("The ApiEndpoint '{endpoint}' is not an https:// URL"));
        }
        let method = text("Method").ok_or("The field 'Method' is required and must be a string")?;
        if !METHODS.contains(&method.as_str()) {
            return Err(format!("The Method '{method}' is not one of {}", METHODS.join(", ")));
        }
        let arn = ["Authentication", "InvocationConfig"]
            .iter()
            .find_map(|f| map.get(*f).and_then(|a| a.get("ConnectionArn")).and_then(Value::as_str))
            .ok_or("The field 'Authentication.ConnectionArn' (or 'InvocationConfig.ConnectionArn') is required")?;
        let mut headers = Vec::new();
        match map.get("Headers") {
            None | Some(Value::Null) => {}
            Some(Value::Object(h)) => {
                for (name, value) in h {
                    let lower = name.to_ascii_lowercase();
                    if FORBIDDEN.contains(&lower.as_str()) || FORBIDDEN_PREFIXES.iter().any(|p| lower.starts_with(p)) {
                        return Err(format!("The header '{name}' is not allowed in an HTTP Task"));
                    }
                    let values = match value {
                        Value::Array(items) => items.iter().map(text_of).collect(),
                        other => vec![text_of(other)],
                    };
                    headers.extend(values.into_iter().map(|v| (name.clone(), v)));
                }
            }
            Some(_) => return Err("Headers must be a JSON object".into()),
        }
        let query = match map.get("QueryParameters") {
            None | Some(Value::Null) => Vec::new(),
            Some(q) => encode::query_pairs(q)?,
        };
        let encoding = match map.get("Transform") {
            None | Some(Value::Null) => None,
            Some(t) => match t.get("RequestBodyEncoding").and_then(Value::as_str).unwrap_or("NONE") {
                "NONE" => None,
                "URL_ENCODED" => {
                    let format =
                        t.get("RequestEncodingOptions").and_then(|o| o.get("ArrayFormat")).and_then(Value::as_str);
                    Some(match format {
                        None => ArrayFormat::Indices,
                        Some(f) => ArrayFormat::parse(f).ok_or_else(|| {
                            format!("The ArrayFormat '{f}' is not one of INDICES, REPEAT, COMMAS, BRACKETS")
                        })?,
                    })
                }
                other => return Err(format!("The RequestBodyEncoding '{other}' is not one of NONE, URL_ENCODED")),
            },
        };
        Ok(Request {
            connection_arn: arn.to_string(),
            endpoint,
            method,
            headers,
            query,
            body: map.get("RequestBody").filter(|b| !b.is_null()).cloned(),
            encoding,
        })
    }

    /// Merges the connection's parameters (they win on the same key) and serialises the body.
    pub fn merge(self, connection: &Connection) -> Result<Built, String> {
        let extra = &connection.invocation;
        let mut headers = self.headers;
        headers.retain(|(name, _)| !extra.headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(name)));
        headers.extend(extra.headers.iter().cloned());
        let mut query = self.query;
        query.retain(|(name, _)| !extra.query.iter().any(|(n, _)| n == name));
        query.extend(extra.query.iter().cloned());
        let mut body = self.body;
        if !extra.body.is_empty() {
            match &mut body {
                None => body = Some(Value::Object(Default::default())),
                Some(Value::Object(_)) => {}
                Some(_) => {
                    return Err("The RequestBody is not a JSON object, so the connection's body parameters cannot be merged into it".into())
                }
            }
            if let Some(Value::Object(map)) = &mut body {
                for (key, value) in &extra.body {
                    map.insert(key.clone(), Value::String(value.clone()));
                }
            }
        }
        let has_content_type = headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("content-type"));
        let body = match (body, self.encoding) {
            (None, _) => None,
            (Some(Value::String(text)), _) => Some(text),
            (Some(value @ Value::Object(_)), Some(format)) => {
                if !has_content_type {
                    headers.push(("Content-Type".into(), "application/x-www-form-urlencoded".into()));
                }
                Some(encode::form(&value, format))
            }
            (Some(value), _) => {
                if !has_content_type {
                    headers.push(("Content-Type".into(), "application/json; charset=UTF-8".into()));
                }
                Some(value.to_string())
            }
        };
        let mut url = self.endpoint;
        if !query.is_empty() {
            url.push(if url.contains('?') { '&' } else { '?' });
            url.push_str(&encode::query(&query));
        }
        Ok(Built { method: self.method, url, headers, body })
    }
}

fn text_of(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}
