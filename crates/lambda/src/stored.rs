//! Functions created through the Lambda API, kept on disk: `functions/NAME/function.json` (the
//! FunctionConfiguration) beside `functions/NAME/code` (the extracted zip), loaded at start.

use crate::{Error, FunctionConfig, Language, Source};
use serde_json::Value;
use std::path::Path;
use std::time::Duration;

/// The configuration a FunctionConfiguration describes (code in `code_dir`).
pub fn config(configuration: &Value, code_dir: &Path) -> Option<FunctionConfig> {
    let runtime = configuration.get("Runtime")?.as_str()?;
    let language = language(runtime)?;
    let handler = configuration.get("Handler")?.as_str()?.to_string();
    let mut config = FunctionConfig::new(Source::Handler { language, handler, code: code_dir.to_path_buf() });
    if let Some(timeout) = configuration.get("Timeout").and_then(Value::as_u64) {
        config.timeout = Duration::from_secs(timeout);
    }
    if let Some(memory) = configuration.get("MemorySize").and_then(Value::as_u64) {
        config.memory = memory as u32;
    }
    if let Some(Value::Object(variables)) = configuration.pointer("/Environment/Variables") {
        for (k, v) in variables {
            config.environment.insert(k.clone(), v.as_str().unwrap_or_default().to_string());
        }
    }
    Some(config)
}

/// The bootstrap for a Lambda `Runtime` name.
pub fn language(runtime: &str) -> Option<Language> {
    if runtime.starts_with("python3") {
        Some(Language::Python)
    } else if runtime.starts_with("nodejs") {
        Some(Language::Node)
    } else {
        None
    }
}

/// Every stored function: its name, configuration and FunctionConfiguration.
pub fn load(dir: &Path) -> Result<Vec<(String, FunctionConfig, Value)>, Error> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Ok(Vec::new()) };
    let mut functions = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path().join("function.json");
        let Ok(text) = std::fs::read_to_string(&path) else { continue };
        let configuration: Value = serde_json::from_str(&text).map_err(|e| Error::Read(path.clone(), e.to_string()))?;
        let name = configuration.get("FunctionName").and_then(Value::as_str).unwrap_or_default().to_string();
        let config = config(&configuration, &entry.path().join("code"))
            .ok_or_else(|| Error::Read(path.clone(), "not a function this server can run".into()))?;
        functions.push((name, config, configuration));
    }
    functions.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(functions)
}
