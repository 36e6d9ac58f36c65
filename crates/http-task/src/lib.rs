//! The HTTP Task (`arn:aws:states:::http:invoke`): builds the request from the Task's
//! `Parameters` (or `Arguments`), authorizes it through a configured connection, and gives
//! AWS's result shape or errors (`States.Http.StatusCode.<code>`, `States.Http.Socket`,
//! `Events.ConnectionResource.*`, `States.Runtime`).

pub mod connection;
pub mod encode;
mod request;

pub use connection::{Auth, Connection, OAuth, Parameters};
pub use encode::ArrayFormat;

use connection::Token;
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

/// The resource this crate serves.
pub const RESOURCE: &str = "arn:aws:states:::http:invoke";

/// An ASL error: `(Error, Cause)`.
pub type Failure = (String, String);

/// How the HTTP Task is set up.
#[derive(Clone, Debug)]
pub struct Options {
    /// The region named in the `User-Agent` header (`Amazon|StepFunctions|HttpInvoke|REGION`).
    pub region: String,
    /// A call that takes longer fails with `States.Http.Socket` (60 s on AWS).
    pub timeout: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Options { region: "us-east-1".into(), timeout: Duration::from_secs(60) }
    }
}

/// The HTTP Task: cheap to clone, shared by every execution.
#[derive(Clone)]
pub struct HttpTask {
    inner: Arc<Inner>,
}

struct Inner {
    client: reqwest::Client,
    options: Options,
    connections: BTreeMap<String, Connection>,
    /// OAuth tokens by connection name; a lock per connection, so concurrent calls fetch once.
    tokens: HashMap<String, Mutex<Option<Token>>>,
}

impl HttpTask {
    /// An HTTP Task with these connections (by name).
    pub fn new(options: Options, connections: BTreeMap<String, Connection>) -> Result<HttpTask, String> {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
        let tokens = connections
            .iter()
            .filter(|(_, c)| matches!(c.auth, Auth::OAuth(_)))
            .map(|(name, _)| (name.clone(), Mutex::new(None)))
            .collect();
        Ok(HttpTask { inner: Arc::new(Inner { client, options, connections, tokens }) })
    }

    /// Whether `resource` is the HTTP Task.
    pub fn serves(resource: &str) -> bool {
        resource
            .strip_prefix("arn:")
            .and_then(|r| r.split_once(":states:::"))
            .is_some_and(|(_, api)| api == "http:invoke")
    }

    /// Runs one HTTP Task with its evaluated parameters.
    pub async fn invoke(&self, parameters: &expr::Value) -> Result<expr::Value, Failure> {
        let parameters = Value::from(parameters);
        self.call(&parameters).await.map(|v| expr::Value::from(&v))
    }

    async fn call(&self, parameters: &Value) -> Result<Value, Failure> {
        let request = request::Request::parse(parameters).map_err(runtime_error)?;
        let arn = request.connection_arn.clone();
        let name = connection::name_of(&arn).ok_or_else(|| not_found(&arn))?;
        let connection = self.inner.connections.get(name).ok_or_else(|| not_found(&arn))?;
        let built = request.merge(connection).map_err(runtime_error)?;
        let mut token = self.token(name, connection, false).await?;
        let mut response = self.send(&built, connection, token.as_deref()).await?;
        if response.status() == reqwest::StatusCode::UNAUTHORIZED && matches!(connection.auth, Auth::OAuth(_)) {
            // The token may have been revoked or expired early: fetch a new one, try once more.
            token = self.token(name, connection, true).await?;
            response = self.send(&built, connection, token.as_deref()).await?;
        }
        self.result(response).await
    }

    /// The OAuth token of the connection (none for other kinds), fetched when missing,
    /// expired, or `renew`.
    async fn token(&self, name: &str, connection: &Connection, renew: bool) -> Result<Option<String>, Failure> {
        let Auth::OAuth(oauth) = &connection.auth else { return Ok(None) };
        let Some(slot) = self.inner.tokens.get(name) else { return Ok(None) };
        let mut slot = slot.lock().await;
        if let Some(token) = slot.as_ref().filter(|t| !renew && t.fresh(Instant::now())) {
            return Ok(Some(token.value.clone()));
        }
        let token = connection::fetch_token(&self.inner.client, oauth, self.inner.options.timeout)
            .await
            .map_err(|cause| ("Events.ConnectionResource.InvalidConnectionState".to_string(), cause))?;
        let value = token.value.clone();
        *slot = Some(token);
        Ok(Some(value))
    }

    async fn send(
        &self,
        built: &request::Built,
        connection: &Connection,
        token: Option<&str>,
    ) -> Result<reqwest::Response, Failure> {
        let method = reqwest::Method::from_bytes(built.method.as_bytes())
            .map_err(|_| runtime_error(format!("bad method {}", built.method)))?;
        let mut request = self.inner.client.request(method, &built.url).timeout(self.inner.options.timeout);
        for (name, value) in &built.headers {
            request = request.header(name.as_str(), value.as_str());
        }
        let (name, value) = connection.auth.header(token);
        request = request
            .header(name.as_str(), value.as_str())
            .header("User-Agent", format!("Amazon|StepFunctions|HttpInvoke|{}", self.inner.options.region))
            .header("Range", "bytes=0-262144");
        if let Some(body) = &built.body {
            request = request.body(body.clone());
        }
        request.send().await.map_err(|e| socket(&built.url, &e))
    }

    /// AWS's result shape, or `States.Http.StatusCode.<code>` with that shape as the cause.
    async fn result(&self, response: reqwest::Response) -> Result<Value, Failure> {
        let status = response.status();
        let mut headers = Map::new();
        for (name, value) in response.headers() {
            let value = Value::String(String::from_utf8_lossy(value.as_bytes()).into_owned());
            match headers.get_mut(name.as_str()) {
                Some(Value::Array(values)) => values.push(value),
                _ => {
                    headers.insert(name.as_str().to_string(), Value::Array(vec![value]));
                }
            }
        }
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_ascii_lowercase();
        let binary = ["application/octet-stream", "image/", "video/", "audio/"];
        if binary.iter().any(|b| content_type.starts_with(b)) {
            return Err(runtime_error(format!(
                "The response content type {content_type} is not supported by the HTTP Task"
            )));
        }
        let bytes = response
            .bytes()
            .await
            .map_err(|e| ("States.Http.Socket".to_string(), format!("The response could not be read: {e}")))?;
        let text =
            String::from_utf8(bytes.to_vec()).map_err(|_| runtime_error("The response body is not a valid string"))?;
        let body = if content_type.contains("json") {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        } else {
            Value::String(text)
        };
        let result = json!({
            "Headers": headers,
            "ResponseBody": body,
            "StatusCode": status.as_u16(),
            "StatusText": status.canonical_reason().unwrap_or(""),
        });
        if status.is_success() {
            Ok(result)
        } else {
            Err((format!("States.Http.StatusCode.{}", status.as_u16()), result.to_string()))
        }
    }
}

fn runtime_error(cause: impl Into<String>) -> Failure {
    ("States.Runtime".to_string(), cause.into())
}

fn not_found(arn: &str) -> Failure {
    (
        "Events.ConnectionResource.ResourceNotFound".to_string(),
        format!("Connection '{arn}' does not exist (define it as [connections.NAME] in stepstone.toml)."),
    )
}

fn socket(url: &str, error: &reqwest::Error) -> Failure {
    if error.is_builder() {
        // The request could not be formed (a bad URL or header value): the Task's fault.
        return runtime_error(format!("The HTTP request to {url} is not valid: {error}"));
    }
    let what = if error.is_timeout() { "timed out" } else { "failed" };
    let mut cause = format!("The HTTP request to {url} {what}");
    let mut source = std::error::Error::source(error);
    while let Some(inner) = source {
        cause.push_str(&format!(": {inner}"));
        source = inner.source();
    }
    ("States.Http.Socket".to_string(), cause)
}
