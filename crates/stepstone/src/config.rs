//! `stepstone.toml`: the configuration `serve` and `run` read (from the working directory, or
//! `--config FILE`). It defines functions (`[functions.NAME]`) and the connections of HTTP
//! Tasks (`[connections.NAME]`); other integrations add their own tables.

mod connections;

pub use connections::Connection;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The file read when no `--config` is given (if it exists).
pub const DEFAULT_FILE: &str = "stepstone.toml";

/// The whole configuration.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Lambda functions by name.
    #[serde(default)]
    pub functions: BTreeMap<String, Function>,
    /// `mock_config = "FILE"`: the mock file `serve` reads (relative to this file).
    pub mock_config: Option<PathBuf>,
    /// Connections of HTTP Tasks by name (`connection/NAME` in a `ConnectionArn`).
    #[serde(default)]
    pub connections: BTreeMap<String, Connection>,
    /// The directory relative paths are read from (the file's own).
    #[serde(skip)]
    pub base: PathBuf,
    /// The file it was read from, for messages.
    #[serde(skip)]
    pub file: Option<PathBuf>,
}

/// `[functions.NAME]`: one of `runtime` + `handler` + `code`, `command`, or `endpoint`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Function {
    /// `python` or `node` (Lambda's names such as `python3.12` and `nodejs20.x` too).
    pub runtime: Option<String>,
    /// `module.function`, e.g. `app.handler`.
    pub handler: Option<String>,
    /// The handler's directory.
    pub code: Option<PathBuf>,
    /// An executable speaking the Lambda Runtime API (run with `sh -c`, in `code` if given).
    pub command: Option<String>,
    /// A Lambda-compatible Invoke endpoint, e.g. `http://127.0.0.1:3001` (SAM local) or
    /// `https://lambda.eu-west-1.amazonaws.com` (signed with SigV4, see `lambda::sigv4`).
    pub endpoint: Option<String>,
    /// On AWS: `aws = true` (endpoint from `region`), the region and credentials (else
    /// `AWS_REGION`/`AWS_DEFAULT_REGION`, `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`).
    #[serde(default)]
    pub aws: bool,
    pub region: Option<String>,
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<String>,
    pub session_token: Option<String>,
    /// Seconds (default 3, as Lambda).
    pub timeout: Option<f64>,
    /// MB reported to the function (default 128).
    pub memory: Option<u32>,
    /// Processes running events at once (default 4).
    pub concurrency: Option<usize>,
    /// Seconds a warm process may wait for its next event before it is stopped (default 600).
    pub idle_seconds: Option<f64>,
    #[serde(default)]
    pub environment: BTreeMap<String, String>,
}

impl Config {
    /// Reads `explicit`, else `stepstone.toml` in the working directory if it exists, else
    /// gives an empty configuration. The error is one line saying what and where.
    pub fn load(explicit: Option<&Path>) -> Result<Config, String> {
        let path = match explicit {
            Some(path) => path.to_path_buf(),
            None if Path::new(DEFAULT_FILE).is_file() => PathBuf::from(DEFAULT_FILE),
            None => return Ok(Config { base: PathBuf::from("."), ..Config::default() }),
        };
        let text = std::fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let mut config = Config::parse(&text).map_err(|e| format!("{}:{e}", path.display()))?;
        config.base = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new(".")).to_path_buf();
        config.file = Some(path);
        config.functions()?;
        config.connections()?;
        Ok(config)
    }

    /// Parses the text; an error is `LINE: message`.
    pub fn parse(text: &str) -> Result<Config, String> {
        toml::from_str::<Config>(text).map_err(|e| {
            let line = e.span().map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1).unwrap_or(1);
            format!("{line}: {}", e.message().trim().replace('\n', " "))
        })
    }

    /// The connections as the HTTP Task uses them; an error names the connection.
    pub fn connections(&self) -> Result<BTreeMap<String, http_task::Connection>, String> {
        let file = self.file.as_ref().map(|f| f.display().to_string()).unwrap_or_else(|| DEFAULT_FILE.into());
        connections::convert(&file, &self.connections)
    }

    /// The functions as the `lambda` crate runs them; an error names the function.
    pub fn functions(&self) -> Result<Vec<(String, lambda::FunctionConfig)>, String> {
        let file = self.file.as_ref().map(|f| f.display().to_string()).unwrap_or_else(|| DEFAULT_FILE.into());
        let mut out = Vec::new();
        for (name, f) in &self.functions {
            let bad = |what: &str| format!("{file}: [functions.{name}]: {what}");
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
                return Err(bad("a function name has only letters, digits, '-' and '_'"));
            }
            let code = f.code.as_ref().map(|c| self.base.join(c));
            let mut signing = None;
            let source = match (&f.runtime, &f.command, &f.endpoint) {
                (Some(runtime), None, None) => {
                    let language = if runtime == "python" || runtime.starts_with("python3") {
                        lambda::Language::Python
                    } else if runtime == "node" || runtime.starts_with("nodejs") {
                        lambda::Language::Node
                    } else {
                        return Err(bad(&format!("runtime '{runtime}' is not python or node")));
                    };
                    let handler = f.handler.clone().filter(|h| h.contains('.'));
                    let handler = handler.ok_or_else(|| bad("handler = \"module.function\" is required"))?;
                    let code = code.ok_or_else(|| bad("code = \"DIR\" is required with runtime"))?;
                    if !code.is_dir() {
                        return Err(bad(&format!("code: {} is not a directory", code.display())));
                    }
                    let code = code.canonicalize().unwrap_or(code);
                    lambda::Source::Handler { language, handler, code }
                }
                (None, Some(command), None) => lambda::Source::Command { command: command.clone(), dir: code },
                (None, None, endpoint) if endpoint.is_some() || f.aws => {
                    let keys = lambda::AwsKeys {
                        aws: f.aws,
                        region: f.region.clone(),
                        access_key_id: f.access_key_id.clone(),
                        secret_access_key: f.secret_access_key.clone(),
                        session_token: f.session_token.clone(),
                    };
                    let (endpoint, aws) = lambda::sigv4::resolve(endpoint.as_deref(), &keys, |k| std::env::var(k).ok())
                        .map_err(|e| bad(&e))?;
                    signing = aws;
                    lambda::Source::Endpoint(endpoint)
                }
                _ => return Err(bad("give exactly one of runtime (with handler and code), command or endpoint")),
            };
            let mut config = lambda::FunctionConfig::new(source);
            config.signing = signing;
            if let Some(timeout) = f.timeout {
                if !(timeout > 0.0 && timeout <= 900.0) {
                    return Err(bad("timeout must be between 0 and 900 seconds"));
                }
                config.timeout = Duration::from_secs_f64(timeout);
            }
            if let Some(memory) = f.memory {
                config.memory = memory;
            }
            if let Some(concurrency) = f.concurrency {
                if concurrency == 0 {
                    return Err(bad("concurrency must be at least 1"));
                }
                config.concurrency = concurrency;
            }
            if let Some(idle) = f.idle_seconds {
                if !(idle > 0.0 && idle <= 86_400.0) {
                    return Err(bad("idle_seconds must be between 0 and 86400"));
                }
                config.idle = Duration::from_secs_f64(idle);
            }
            config.environment = f.environment.clone();
            out.push((name.clone(), config));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn functions_are_read_with_their_settings() {
        let config = Config::parse(
            "[functions.remote]\nendpoint = \"http://127.0.0.1:3001\"\ntimeout = 10\n\n[functions.cmd]\ncommand = \"./bootstrap\"\nenvironment = { A = \"1\" }\n",
        )
        .expect("valid");
        let functions = config.functions().expect("valid");
        assert_eq!(functions.len(), 2);
        assert_eq!(functions[0].0, "cmd");
        assert_eq!(functions[0].1.environment.get("A").map(String::as_str), Some("1"));
        assert_eq!(functions[1].1.source, lambda::Source::Endpoint("http://127.0.0.1:3001".into()));
        assert_eq!(functions[1].1.timeout, Duration::from_secs(10));
        assert_eq!(functions[1].1.signing, None);
        let config = Config::parse(
            "[functions.f]\nendpoint = \"https://lambda.eu-west-1.amazonaws.com\"\naccess_key_id = \"AKID\"\nsecret_access_key = \"s\"\n",
        )
        .expect("valid");
        let functions = config.functions().expect("valid");
        let signing = functions[0].1.signing.clone().expect("signed");
        assert_eq!((signing.region.as_str(), signing.access_key_id.as_str()), ("eu-west-1", "AKID"));
    }

    #[test]
    fn connections_are_read_with_their_auth() {
        let config = Config::parse(
            "[connections.stripe]\nauth = \"api_key\"\napi_key_name = \"x-api-key\"\napi_key_value = \"k\"\nheaders = { A = \"1\" }\n\n[connections.idp]\nauth = \"oauth_client_credentials\"\ntoken_endpoint = \"https://idp/token\"\nclient_id = \"c\"\nclient_secret = \"s\"\nscopes = [\"r\"]\n",
        )
        .expect("valid");
        let connections = config.connections().expect("valid");
        assert!(matches!(&connections["stripe"].auth, http_task::Auth::ApiKey { name, .. } if name == "x-api-key"));
        assert_eq!(connections["stripe"].invocation.headers, vec![("A".to_string(), "1".to_string())]);
        assert!(
            matches!(&connections["idp"].auth, http_task::Auth::OAuth(o) if o.method == "POST" && o.scopes == ["r"])
        );
        let config = Config::parse("[connections.b]\nauth = \"basic\"\nusername = \"u\"\n").expect("parses");
        assert_eq!(
            config.connections().unwrap_err(),
            "stepstone.toml: [connections.b]: password is required with auth = \"basic\""
        );
        let config = Config::parse("[connections.b]\nauth = \"digest\"\n").expect("parses");
        assert!(config.connections().unwrap_err().contains("auth 'digest' is not"));
    }

    #[test]
    fn bad_configs_say_what_and_where() {
        let error = Config::parse("[functions.f]\nruntime = \"python\"\nhandlr = \"x\"\n").unwrap_err();
        assert!(error.starts_with("3: unknown field `handlr`"), "{error}");
        let config =
            Config::parse("[functions.f]\nruntime = \"ruby\"\nhandler = \"a.b\"\ncode = \".\"\n").expect("parses");
        assert_eq!(
            config.functions().unwrap_err(),
            "stepstone.toml: [functions.f]: runtime 'ruby' is not python or node"
        );
        let config = Config::parse("[functions.f]\ncommand = \"x\"\nendpoint = \"http://h\"\n").expect("parses");
        assert!(config.functions().unwrap_err().contains("exactly one of"));
    }
}
