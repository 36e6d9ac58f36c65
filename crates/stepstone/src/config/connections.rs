//! `[connections.NAME]` of `stepstone.toml`: the connections of HTTP Tasks (EventBridge
//! connections on AWS), read into `http_task::Connection`s.

use serde::Deserialize;
use std::collections::BTreeMap;

/// `[connections.NAME]`: `auth` is `api_key` (`api_key_name`, `api_key_value`), `basic`
/// (`username`, `password`) or `oauth_client_credentials` (`token_endpoint`, `client_id`,
/// `client_secret`, optional `scopes`, `token_method`, `oauth_headers`, `oauth_query`,
/// `oauth_body`). `headers`, `query` and `body` are added to every request (and win over the
/// Task's own), as a connection's `InvocationHttpParameters`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Connection {
    pub auth: String,
    pub api_key_name: Option<String>,
    pub api_key_value: Option<String>,
    pub username: Option<String>,
    pub password: Option<String>,
    pub token_endpoint: Option<String>,
    pub token_method: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    #[serde(default)]
    pub scopes: Vec<String>,
    #[serde(default)]
    pub oauth_headers: BTreeMap<String, String>,
    #[serde(default)]
    pub oauth_query: BTreeMap<String, String>,
    #[serde(default)]
    pub oauth_body: BTreeMap<String, String>,
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    #[serde(default)]
    pub query: BTreeMap<String, String>,
    #[serde(default)]
    pub body: BTreeMap<String, String>,
}

fn pairs(map: &BTreeMap<String, String>) -> Vec<(String, String)> {
    map.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
}

/// The connections as the HTTP Task uses them; an error names the connection and the file.
pub fn convert(
    file: &str,
    connections: &BTreeMap<String, Connection>,
) -> Result<BTreeMap<String, http_task::Connection>, String> {
    let mut out = BTreeMap::new();
    for (name, c) in connections {
        let bad = |what: &str| format!("{file}: [connections.{name}]: {what}");
        if name.is_empty() || !name.chars().all(|ch| ch.is_ascii_alphanumeric() || matches!(ch, '.' | '-' | '_')) {
            return Err(bad("a connection name has only letters, digits, '.', '-' and '_'"));
        }
        let need = |value: &Option<String>, field: &str| {
            value.clone().ok_or_else(|| bad(&format!("{field} is required with auth = \"{}\"", c.auth)))
        };
        let auth = match c.auth.as_str() {
            "api_key" => http_task::Auth::ApiKey {
                name: need(&c.api_key_name, "api_key_name")?,
                value: need(&c.api_key_value, "api_key_value")?,
            },
            "basic" => http_task::Auth::Basic {
                username: need(&c.username, "username")?,
                password: need(&c.password, "password")?,
            },
            "oauth_client_credentials" => {
                let token_endpoint = need(&c.token_endpoint, "token_endpoint")?;
                if !(token_endpoint.starts_with("https://") || token_endpoint.starts_with("http://")) {
                    return Err(bad("token_endpoint must be an http:// or https:// URL"));
                }
                let method = c.token_method.clone().unwrap_or_else(|| "POST".into()).to_ascii_uppercase();
                if !matches!(method.as_str(), "GET" | "POST" | "PUT") {
                    return Err(bad("token_method is GET, POST or PUT"));
                }
                http_task::Auth::OAuth(http_task::OAuth {
                    token_endpoint,
                    method,
                    client_id: need(&c.client_id, "client_id")?,
                    client_secret: need(&c.client_secret, "client_secret")?,
                    scopes: c.scopes.clone(),
                    parameters: http_task::Parameters {
                        headers: pairs(&c.oauth_headers),
                        query: pairs(&c.oauth_query),
                        body: pairs(&c.oauth_body),
                    },
                })
            }
            other => return Err(bad(&format!("auth '{other}' is not api_key, basic or oauth_client_credentials"))),
        };
        let invocation =
            http_task::Parameters { headers: pairs(&c.headers), query: pairs(&c.query), body: pairs(&c.body) };
        out.insert(name.clone(), http_task::Connection { auth, invocation });
    }
    Ok(out)
}
