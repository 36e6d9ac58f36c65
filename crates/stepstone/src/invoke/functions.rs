//! Local Lambda functions for `stepstone run`: `--function NAME=COMMAND` (the event on stdin,
//! the result on stdout) and the functions of `stepstone.toml`, run by the `lambda` crate on a
//! tokio runtime of their own (the in-process runner is synchronous).

use expr::Value;
use std::time::Duration;

/// The local functions, with the runtime that drives their processes.
#[derive(Default)]
pub struct Functions {
    lambda: Option<(lambda::Lambda, tokio::runtime::Runtime)>,
}

impl Functions {
    /// `--function` specs (`NAME=COMMAND`) and the configured functions.
    pub fn new(specs: &[String], configured: Vec<(String, lambda::FunctionConfig)>) -> Result<Functions, String> {
        let mut functions = configured;
        for spec in specs {
            let Some((name, command)) = spec.split_once('=') else {
                return Err(format!("--function {spec:?}: expected NAME=COMMAND"));
            };
            let name = name.trim();
            if name.is_empty() || name.contains(':') || command.trim().is_empty() {
                return Err(format!("--function {spec:?}: expected NAME=COMMAND with a plain function name"));
            }
            if functions.iter().any(|(n, _)| n == name) {
                return Err(format!("--function: '{name}' is given twice"));
            }
            let mut config = lambda::FunctionConfig::new(lambda::Source::Stdio(command.to_string()));
            config.timeout = Duration::from_secs(900);
            functions.push((name.to_string(), config));
        }
        if functions.is_empty() {
            return Ok(Functions::default());
        }
        let options = lambda::Options {
            region: crate::local::REGION.into(),
            account: crate::local::ACCOUNT.into(),
            cache_dir: cache_dir(),
            data_dir: None,
        };
        let lambda = lambda::Lambda::new(options).map_err(|e| e.to_string())?;
        for (name, config) in functions {
            lambda.add(&name, config).map_err(|e| e.to_string())?;
        }
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start the tokio runtime: {e}"))?;
        Ok(Functions { lambda: Some((lambda, runtime)) })
    }

    pub fn is_empty(&self) -> bool {
        self.lambda.is_none()
    }

    /// Runs the Task when its resource is a Lambda call; None for other resources.
    pub fn invoke(&self, resource: &str, input: &Value) -> Option<Result<Value, (String, String)>> {
        let (lambda, runtime) = self.lambda.as_ref()?;
        runtime.block_on(lambda.task(resource, input))
    }
}

/// Where the bootstraps are written: `$XDG_CACHE_HOME/stepstone`, `~/.cache/stepstone`, or
/// the temporary directory.
pub fn cache_dir() -> std::path::PathBuf {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .filter(|v| !v.is_empty())
        .map(std::path::PathBuf::from)
        .or_else(|| std::env::var_os("HOME").filter(|v| !v.is_empty()).map(|h| std::path::Path::new(&h).join(".cache")))
        .unwrap_or_else(std::env::temp_dir);
    base.join("stepstone")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_need_a_name_and_a_command() {
        assert!(!Functions::new(&["f=cat".into()], vec![]).expect("valid").is_empty());
        for bad in ["f", "=cat", "f=", "a:b=cat"] {
            assert!(Functions::new(&[bad.into()], vec![]).is_err(), "{bad}");
        }
        let twice = Functions::new(&["f=cat".into(), "f=cat".into()], vec![]);
        assert!(twice.err().is_some_and(|e| e.contains("twice")));
    }

    #[test]
    fn other_resources_are_not_handled() {
        let functions = Functions::new(&["f=cat".into()], vec![]).expect("valid");
        assert!(functions.invoke("arn:aws:states:::sqs:sendMessage", &Value::Null).is_none());
        assert!(functions.invoke("arn:aws:states:us-east-1:123456789012:activity:a", &Value::Null).is_none());
    }
}
