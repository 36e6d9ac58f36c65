//! Connections: what an EventBridge connection holds (API key, basic, or OAuth client
//! credentials, plus extra invocation parameters), and the cache of OAuth tokens.

use base64::Engine as _;
use std::time::{Duration, Instant};

/// One connection, named by the `NAME` of `arn:aws:events:REGION:ACCOUNT:connection/NAME/...`.
#[derive(Clone, Debug)]
pub struct Connection {
    pub auth: Auth,
    /// `InvocationHttpParameters`: merged into every request, winning over the Task's own.
    pub invocation: Parameters,
}

/// The authorization of a connection.
#[derive(Clone, Debug)]
pub enum Auth {
    /// `API_KEY`: a header `name: value`.
    ApiKey { name: String, value: String },
    /// `BASIC`: `Authorization: Basic base64(username:password)`.
    Basic { username: String, password: String },
    /// `OAUTH_CLIENT_CREDENTIALS`: a bearer token from the token endpoint.
    OAuth(OAuth),
}

/// OAuth client credentials.
#[derive(Clone, Debug)]
pub struct OAuth {
    /// The `AuthorizationEndpoint` the token is requested from.
    pub token_endpoint: String,
    /// `HttpMethod` of the token request (`POST` unless given).
    pub method: String,
    pub client_id: String,
    pub client_secret: String,
    /// Sent as `scope` (space-separated) when not empty.
    pub scopes: Vec<String>,
    /// `OAuthHttpParameters`: extra headers, query and body parameters of the token request.
    pub parameters: Parameters,
}

/// Header, query string and body parameters (`Key`/`Value` lists in EventBridge).
#[derive(Clone, Debug, Default)]
pub struct Parameters {
    pub headers: Vec<(String, String)>,
    pub query: Vec<(String, String)>,
    pub body: Vec<(String, String)>,
}

impl Auth {
    /// The header this authorization adds, given the current OAuth token.
    pub(crate) fn header(&self, token: Option<&str>) -> (String, String) {
        match self {
            Auth::ApiKey { name, value } => (name.clone(), value.clone()),
            Auth::Basic { username, password } => {
                let encoded = base64::engine::general_purpose::STANDARD.encode(format!("{username}:{password}"));
                ("Authorization".into(), format!("Basic {encoded}"))
            }
            Auth::OAuth(_) => ("Authorization".into(), format!("Bearer {}", token.unwrap_or_default())),
        }
    }
}

/// The name of the connection an ARN points at, if it is a connection ARN.
pub fn name_of(arn: &str) -> Option<&str> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    match parts.as_slice() {
        ["arn", _, "events", _, _, resource] => {
            let rest = resource.strip_prefix("connection/")?;
            let name = rest.split('/').next()?;
            (!name.is_empty()).then_some(name)
        }
        _ => None,
    }
}

/// A token and when it stops being good.
#[derive(Clone, Debug)]
pub(crate) struct Token {
    pub value: String,
    pub expires: Option<Instant>,
}

impl Token {
    pub fn fresh(&self, now: Instant) -> bool {
        self.expires.is_none_or(|e| now < e)
    }
}

/// Fetches a token with the client credentials (sent as HTTP Basic, and `grant_type=client_credentials`
/// in a form body unless the connection's OAuth body parameters set it).
pub(crate) async fn fetch_token(client: &reqwest::Client, oauth: &OAuth, timeout: Duration) -> Result<Token, String> {
    let method = reqwest::Method::from_bytes(oauth.method.as_bytes())
        .map_err(|_| format!("bad OAuth method {}", oauth.method))?;
    let mut body = oauth.parameters.body.clone();
    if !body.iter().any(|(k, _)| k == "grant_type") {
        body.insert(0, ("grant_type".into(), "client_credentials".into()));
    }
    if !oauth.scopes.is_empty() && !body.iter().any(|(k, _)| k == "scope") {
        body.push(("scope".into(), oauth.scopes.join(" ")));
    }
    let mut url = oauth.token_endpoint.clone();
    if !oauth.parameters.query.is_empty() {
        url.push(if url.contains('?') { '&' } else { '?' });
        url.push_str(&crate::encode::query(&oauth.parameters.query));
    }
    let mut request = client
        .request(method, &url)
        .timeout(timeout)
        .basic_auth(&oauth.client_id, Some(&oauth.client_secret))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(crate::encode::query(&body));
    for (name, value) in &oauth.parameters.headers {
        request = request.header(name.as_str(), value.as_str());
    }
    let started = Instant::now();
    let response =
        request.send().await.map_err(|e| format!("the token request to {} failed: {e}", oauth.token_endpoint))?;
    let status = response.status();
    let text = response.text().await.map_err(|e| format!("the token response could not be read: {e}"))?;
    if !status.is_success() {
        return Err(format!("the token endpoint {} answered {status}: {text}", oauth.token_endpoint));
    }
    let json: serde_json::Value = serde_json::from_str(&text)
        .map_err(|_| format!("the token endpoint {} answered no JSON", oauth.token_endpoint))?;
    let value = json
        .get("access_token")
        .and_then(|t| t.as_str())
        .ok_or_else(|| format!("the token endpoint {} answered no access_token", oauth.token_endpoint))?;
    let expires =
        json.get("expires_in").and_then(|e| e.as_f64()).map(|s| started + Duration::from_secs_f64(s.max(0.0)));
    Ok(Token { value: value.to_string(), expires })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connection_names_come_from_the_arn() {
        assert_eq!(name_of("arn:aws:events:us-east-2:123456789012:connection/Stripe/81210c42-8af1"), Some("Stripe"));
        assert_eq!(name_of("arn:aws:events:us-east-1:123456789012:connection/plain"), Some("plain"));
        assert_eq!(name_of("arn:aws:events:us-east-1:123456789012:rule/x"), None);
        assert_eq!(name_of("arn:aws:lambda:us-east-1:123456789012:connection/x"), None);
        assert_eq!(name_of("nonsense"), None);
    }

    #[test]
    fn basic_and_api_key_headers() {
        let basic = Auth::Basic { username: "u".into(), password: "p".into() };
        assert_eq!(basic.header(None), ("Authorization".into(), "Basic dTpw".into()));
        let key = Auth::ApiKey { name: "x-api-key".into(), value: "k".into() };
        assert_eq!(key.header(None), ("x-api-key".into(), "k".into()));
    }
}
