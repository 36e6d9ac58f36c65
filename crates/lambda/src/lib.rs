//! Stepstone's local Lambda: functions that Task states call by their ARN or through
//! `arn:aws:states:::lambda:invoke`. A function is a local handler run through the Lambda
//! Runtime API (Python and Node bootstraps are embedded), any executable that speaks that API,
//! a command fed on stdin, or a remote Invoke endpoint. [`api::router`] serves the Lambda API
//! subset (CreateFunction with a zip, Invoke, Get, List, Delete) over the same registry.

pub mod api;
mod forward;
mod pool;
pub mod resource;
mod runtime_api;
pub mod shape;
pub mod sigv4;
mod stdio;
mod stored;
mod zip;

pub use shape::{Invocation, ServiceError};
pub use sigv4::{AwsKeys, AwsSigning};

use expr::Value;
use pool::{Launch, Pool};
use resource::Call;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::Duration;

/// A Task's result: its output, or an ASL error `(error, cause)`.
pub type TaskResult = Result<Value, (String, String)>;

/// The language of a handler run by an embedded bootstrap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    Python,
    Node,
}

/// Where a function's code runs.
#[derive(Debug, Clone, PartialEq)]
pub enum Source {
    /// `handler = "app.handler"` in `code`, run by Stepstone's bootstrap for the language.
    Handler { language: Language, handler: String, code: PathBuf },
    /// An executable that speaks the Runtime API (a custom runtime's `bootstrap`), run with `sh -c`.
    Command { command: String, dir: Option<PathBuf> },
    /// A Lambda-compatible Invoke endpoint (`http://127.0.0.1:3001`, `https://lambda.REGION.amazonaws.com`).
    Endpoint(String),
    /// A command run once per event with the event on stdin and the result on stdout.
    Stdio(String),
}

/// One function's configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct FunctionConfig {
    pub source: Source,
    /// Lambda's `Timeout` (default 3 s).
    pub timeout: Duration,
    /// Lambda's `MemorySize` in MB (only reported to the function).
    pub memory: u32,
    pub environment: BTreeMap<String, String>,
    /// At most this many processes run events at once.
    pub concurrency: usize,
    /// A warm process idle this long is stopped (as Lambda reclaims idle environments).
    pub idle: Duration,
    /// SigV4 credentials for an `Endpoint` on AWS (None: unsigned).
    pub signing: Option<AwsSigning>,
}

impl FunctionConfig {
    pub fn new(source: Source) -> FunctionConfig {
        FunctionConfig {
            source,
            timeout: Duration::from_secs(3),
            memory: 128,
            environment: BTreeMap::new(),
            concurrency: 4,
            idle: Duration::from_secs(600),
            signing: None,
        }
    }
}

/// Where and as whom the functions run.
#[derive(Debug, Clone)]
pub struct Options {
    pub region: String,
    pub account: String,
    /// Where the embedded bootstraps are written.
    pub cache_dir: PathBuf,
    /// Where functions created through the API are kept (`DIR/functions/NAME`); None keeps
    /// them nowhere (the API then refuses CreateFunction).
    pub data_dir: Option<PathBuf>,
}

/// What can go wrong setting functions up.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot write {0}: {1}")]
    Write(PathBuf, std::io::Error),
    #[error("cannot read {0}: {1}")]
    Read(PathBuf, String),
    #[error("the function '{0}' is defined twice")]
    Duplicate(String),
}

/// One function and its warm processes.
struct Function {
    config: FunctionConfig,
    pool: Option<Arc<Pool>>,
    /// The FunctionConfiguration of a function created through the API.
    created: Option<serde_json::Value>,
}

/// The functions, by name: a cheap-to-clone handle.
#[derive(Clone)]
pub struct Lambda {
    inner: Arc<Inner>,
}

struct Inner {
    options: Options,
    functions: RwLock<BTreeMap<String, Arc<Function>>>,
}

const PYTHON_BOOTSTRAP: &str = include_str!("bootstrap/python.py");
const NODE_BOOTSTRAP: &str = include_str!("bootstrap/node.js");

impl Lambda {
    /// Writes the bootstraps to the cache directory and loads the functions kept in the data
    /// directory.
    pub fn new(options: Options) -> Result<Lambda, Error> {
        let write = |name: &str, text: &str| {
            let path = options.cache_dir.join(name);
            std::fs::create_dir_all(&options.cache_dir)
                .and_then(|()| std::fs::write(&path, text))
                .map_err(|e| Error::Write(path, e))
        };
        write("bootstrap.py", PYTHON_BOOTSTRAP)?;
        write("bootstrap.js", NODE_BOOTSTRAP)?;
        let lambda = Lambda { inner: Arc::new(Inner { options, functions: RwLock::new(BTreeMap::new()) }) };
        if let Some(dir) = &lambda.inner.options.data_dir {
            for (name, config, created) in stored::load(&dir.join("functions"))? {
                lambda.insert(&name, config, Some(created))?;
            }
        }
        Ok(lambda)
    }

    /// Adds a configured function.
    pub fn add(&self, name: &str, config: FunctionConfig) -> Result<(), Error> {
        self.insert(name, config, None)
    }

    fn insert(&self, name: &str, config: FunctionConfig, created: Option<serde_json::Value>) -> Result<(), Error> {
        let pool = self.launch(name, &config).map(|launch| Arc::new(Pool::new(launch)));
        let mut functions = self.inner.functions.write().unwrap_or_else(|e| e.into_inner());
        if functions.contains_key(name) {
            return Err(Error::Duplicate(name.to_string()));
        }
        functions.insert(name.to_string(), Arc::new(Function { config, pool, created }));
        Ok(())
    }

    fn remove(&self, name: &str) -> bool {
        self.inner.functions.write().unwrap_or_else(|e| e.into_inner()).remove(name).is_some()
    }

    fn get(&self, name: &str) -> Option<Arc<Function>> {
        self.inner.functions.read().unwrap_or_else(|e| e.into_inner()).get(name).cloned()
    }

    /// The names of the functions.
    pub fn names(&self) -> Vec<String> {
        self.inner.functions.read().unwrap_or_else(|e| e.into_inner()).keys().cloned().collect()
    }

    pub fn options(&self) -> &Options {
        &self.inner.options
    }

    /// The function's ARN.
    pub fn arn(&self, name: &str) -> String {
        let Options { region, account, .. } = &self.inner.options;
        format!("arn:aws:lambda:{region}:{account}:function:{name}")
    }

    /// The process ids of the function's idle warm processes.
    pub fn idle_pids(&self, name: &str) -> Vec<u32> {
        self.get(name).and_then(|f| f.pool.as_ref().map(|p| p.idle_pids())).unwrap_or_default()
    }

    /// How to start a process of a Runtime API function; None for the other kinds.
    fn launch(&self, name: &str, config: &FunctionConfig) -> Option<Launch> {
        let Options { region, cache_dir, .. } = &self.inner.options;
        let mut environment: BTreeMap<String, String> = [
            ("AWS_LAMBDA_FUNCTION_NAME", name.to_string()),
            ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST".to_string()),
            ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", config.memory.to_string()),
            ("AWS_REGION", region.clone()),
            ("AWS_DEFAULT_REGION", region.clone()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        let (program, args, dir) = match &config.source {
            Source::Handler { language, handler, code } => {
                environment.insert("_HANDLER".into(), handler.clone());
                environment.insert("LAMBDA_TASK_ROOT".into(), code.display().to_string());
                let (program, script) = match language {
                    Language::Python => ("python3", "bootstrap.py"),
                    Language::Node => ("node", "bootstrap.js"),
                };
                (PathBuf::from(program), vec![cache_dir.join(script).display().to_string()], Some(code.clone()))
            }
            Source::Command { command, dir } => {
                (PathBuf::from("sh"), vec!["-c".to_string(), command.clone()], dir.clone())
            }
            Source::Endpoint(_) | Source::Stdio(_) => return None,
        };
        environment.extend(config.environment.clone());
        Some(Launch {
            program,
            args,
            dir,
            environment,
            timeout: config.timeout,
            concurrency: config.concurrency,
            idle: config.idle,
        })
    }

    /// Lambda's Invoke: the function's answer, or Lambda's error for the call.
    pub async fn invoke(&self, name: &str, payload: String) -> Result<Invocation, ServiceError> {
        let Some(function) = self.get(name) else {
            return Err(ServiceError::not_found(&format!("{}:$LATEST", self.arn(name))));
        };
        if let Err(e) = serde_json::from_str::<serde::de::IgnoredAny>(&payload) {
            return Err(shape::bad_request(&payload, &e.to_string()));
        }
        let config = &function.config;
        match (&config.source, &function.pool) {
            (_, Some(pool)) => pool.invoke(name, &self.arn(name), payload).await,
            (Source::Endpoint(endpoint), None) => {
                forward::invoke(endpoint, config.signing.as_ref(), name, payload, config.timeout).await
            }
            (Source::Stdio(command), None) => {
                Ok(stdio::run(name, command, &config.environment, config.timeout, payload).await)
            }
            _ => Err(ServiceError::new(500, "ServiceException", format!("the function '{name}' cannot run"))),
        }
    }

    /// Runs a Task state on Lambda; None when its resource is not a Lambda resource.
    pub async fn task(&self, resource: &str, input: &Value) -> Option<TaskResult> {
        let call = match resource::parse(resource, input)? {
            Ok(call) => call,
            Err(failure) => return Some(Err(failure)),
        };
        Some(match call {
            Call::Direct { name } => match self.invoke(&name, expr::json::to_string(input)).await {
                Ok(invocation) if invocation.function_error.is_none() => Ok(shape::result_value(&invocation.payload)),
                // The legacy form reports the error payload as Lambda returned it.
                Ok(invocation) => Err(shape::function_error(&invocation.payload, false)),
                Err(e) => Err(e.to_task_error()),
            },
            Call::Invoke { name, payload, log_tail } => {
                match self.invoke(&name, payload.unwrap_or_else(|| "{}".into())).await {
                    Ok(invocation) if invocation.function_error.is_none() => {
                        Ok(shape::invoke_response(&invocation, log_tail))
                    }
                    // `lambda:invoke` reports it as compact JSON.
                    Ok(invocation) => Err(shape::function_error(&invocation.payload, true)),
                    Err(e) => Err(e.to_task_error()),
                }
            }
        })
    }
}
