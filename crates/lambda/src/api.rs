//! The Lambda API subset over HTTP (REST JSON, `/2015-03-31/functions...`): CreateFunction
//! with a zipped Python or Node handler, Invoke, GetFunction, ListFunctions, DeleteFunction,
//! with Lambda's error codes. Served beside the Step Functions API on the same port.

use crate::resource::function_name;
use crate::shape::{last_modified, ServiceError};
use crate::{stored, Lambda};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use base64::Engine;
use serde_json::{json, Value};
use sha2::Digest;

/// The Lambda API routes (no state left to give: the handle is inside).
pub fn router(lambda: Lambda) -> Router {
    Router::new()
        .route("/2015-03-31/functions", post(create).get(list))
        .route("/2015-03-31/functions/", post(create).get(list))
        .route("/2015-03-31/functions/{name}", get(get_function).delete(delete))
        .route("/2015-03-31/functions/{name}/invocations", post(invoke))
        .layer(axum::extract::DefaultBodyLimit::max(70 * 1024 * 1024))
        .with_state(lambda)
}

fn error(e: &ServiceError) -> Response {
    let status = StatusCode::from_u16(e.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let kind = if e.status < 500 { "User" } else { "Service" };
    let body = json!({"Type": kind, "message": e.message});
    (status, [("x-amzn-errortype", e.code.as_str()), ("content-type", "application/json")], body.to_string())
        .into_response()
}

fn invalid(message: impl Into<String>) -> Response {
    error(&ServiceError::new(400, "InvalidParameterValueException", message))
}

fn ok(status: StatusCode, body: &Value) -> Response {
    (status, [("content-type", "application/json")], body.to_string()).into_response()
}

/// The function name in a path segment (a name or an ARN).
fn name_of(lambda: &Lambda, text: &str) -> Result<String, ServiceError> {
    function_name(text).map(str::to_string).ok_or_else(|| ServiceError::not_found(&lambda.arn(text)))
}

async fn create(State(lambda): State<Lambda>, body: Bytes) -> Response {
    let Ok(request) = serde_json::from_slice::<Value>(&body) else {
        return error(&ServiceError::new(
            400,
            "InvalidRequestContentException",
            "Could not parse request body into json",
        ));
    };
    let text = |key: &str| request.get(key).and_then(Value::as_str).unwrap_or_default().to_string();
    let name = text("FunctionName");
    let valid_name =
        !name.is_empty() && name.len() <= 64 && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !valid_name {
        return invalid(format!(
            "1 validation error detected: Value '{name}' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9-_]+"
        ));
    }
    let runtime = text("Runtime");
    if stored::language(&runtime).is_none() {
        return invalid(format!(
            "The runtime parameter of {runtime} is not supported by this server: use python3.x or nodejs*"
        ));
    }
    if text("Handler").is_empty() {
        return invalid("The Handler parameter is required");
    }
    let Some(zip) = request.pointer("/Code/ZipFile").and_then(Value::as_str) else {
        return invalid("Code.ZipFile is required: this server does not read code from S3 or images");
    };
    let Ok(zip) = base64::engine::general_purpose::STANDARD.decode(zip) else {
        return invalid("Could not unzip uploaded file. Please check your file, then try to upload again.");
    };
    let Some(data_dir) = lambda.options().data_dir.clone() else {
        return invalid("This server keeps no functions: it has no data directory");
    };
    if lambda.get(&name).is_some() {
        return error(&ServiceError::new(409, "ResourceConflictException", format!("Function already exist: {name}")));
    }
    let dir = data_dir.join("functions").join(&name);
    let code = dir.join("code");
    let _ = std::fs::remove_dir_all(&dir);
    if let Err(e) = std::fs::create_dir_all(&code) {
        return error(&ServiceError::new(500, "ServiceException", format!("cannot store the function: {e}")));
    }
    if let Err(e) = crate::zip::extract(&zip, &code) {
        let _ = std::fs::remove_dir_all(&dir);
        return invalid(e.to_string());
    }
    let sha = base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(&zip));
    let variables = request.pointer("/Environment/Variables").cloned().unwrap_or_else(|| json!({}));
    let configuration = json!({
        "FunctionName": name,
        "FunctionArn": lambda.arn(&name),
        "Runtime": runtime,
        "Role": text("Role"),
        "Handler": text("Handler"),
        "CodeSize": zip.len(),
        "Description": text("Description"),
        "Timeout": request.get("Timeout").and_then(Value::as_u64).unwrap_or(3),
        "MemorySize": request.get("MemorySize").and_then(Value::as_u64).unwrap_or(128),
        "LastModified": last_modified(),
        "CodeSha256": sha,
        "Version": "$LATEST",
        "Environment": {"Variables": variables},
        "TracingConfig": {"Mode": "PassThrough"},
        "RevisionId": crate::shape::request_id(),
        "State": "Active",
        "LastUpdateStatus": "Successful",
        "PackageType": "Zip",
        "Architectures": ["x86_64"],
        "EphemeralStorage": {"Size": 512},
    });
    let Some(config) = stored::config(&configuration, &code) else {
        return invalid("The function's configuration is not valid");
    };
    let saved = std::fs::write(dir.join("function.json"), configuration.to_string());
    if let Err(e) = saved {
        return error(&ServiceError::new(500, "ServiceException", format!("cannot store the function: {e}")));
    }
    if lambda.insert(&name, config, Some(configuration.clone())).is_err() {
        return error(&ServiceError::new(409, "ResourceConflictException", format!("Function already exist: {name}")));
    }
    ok(StatusCode::CREATED, &configuration)
}

/// The FunctionConfiguration of a function (configured ones get a minimal one).
fn configuration(lambda: &Lambda, name: &str) -> Option<Value> {
    let function = lambda.get(name)?;
    Some(function.created.clone().unwrap_or_else(|| {
        json!({
            "FunctionName": name,
            "FunctionArn": lambda.arn(name),
            "Timeout": function.config.timeout.as_secs(),
            "MemorySize": function.config.memory,
            "Version": "$LATEST",
            "State": "Active",
            "LastUpdateStatus": "Successful",
            "PackageType": "Zip",
        })
    }))
}

async fn get_function(State(lambda): State<Lambda>, Path(name): Path<String>) -> Response {
    let name = match name_of(&lambda, &name) {
        Ok(name) => name,
        Err(e) => return error(&e),
    };
    match configuration(&lambda, &name) {
        Some(configuration) => ok(
            StatusCode::OK,
            &json!({"Configuration": configuration, "Code": {"RepositoryType": "S3", "Location": ""}}),
        ),
        None => error(&ServiceError::not_found(&lambda.arn(&name))),
    }
}

async fn list(State(lambda): State<Lambda>) -> Response {
    let functions: Vec<Value> = lambda.names().iter().filter_map(|n| configuration(&lambda, n)).collect();
    ok(StatusCode::OK, &json!({"Functions": functions}))
}

async fn delete(State(lambda): State<Lambda>, Path(name): Path<String>) -> Response {
    let name = match name_of(&lambda, &name) {
        Ok(name) => name,
        Err(e) => return error(&e),
    };
    let Some(function) = lambda.get(&name) else {
        return error(&ServiceError::not_found(&lambda.arn(&name)));
    };
    if function.created.is_none() {
        return error(&ServiceError::new(
            409,
            "ResourceConflictException",
            format!("The function {name} is defined in the configuration file and cannot be deleted through the API"),
        ));
    }
    lambda.remove(&name);
    if let Some(dir) = &lambda.options().data_dir {
        let _ = std::fs::remove_dir_all(dir.join("functions").join(&name));
    }
    StatusCode::NO_CONTENT.into_response()
}

async fn invoke(State(lambda): State<Lambda>, Path(name): Path<String>, headers: HeaderMap, body: Bytes) -> Response {
    let name = match name_of(&lambda, &name) {
        Ok(name) => name,
        Err(e) => return error(&e),
    };
    let payload = if body.is_empty() { "{}".to_string() } else { String::from_utf8_lossy(&body).into_owned() };
    let kind = headers.get("x-amz-invocation-type").and_then(|v| v.to_str().ok()).unwrap_or("RequestResponse");
    match kind {
        "DryRun" => {
            if lambda.get(&name).is_none() {
                return error(&ServiceError::not_found(&lambda.arn(&name)));
            }
            StatusCode::NO_CONTENT.into_response()
        }
        "Event" => {
            if lambda.get(&name).is_none() {
                return error(&ServiceError::not_found(&lambda.arn(&name)));
            }
            tokio::spawn(async move {
                let _ = lambda.invoke(&name, payload).await;
            });
            StatusCode::ACCEPTED.into_response()
        }
        _ => match lambda.invoke(&name, payload).await {
            Ok(invocation) => {
                let mut response =
                    (StatusCode::OK, [("content-type", "application/json")], invocation.payload).into_response();
                let headers = response.headers_mut();
                let mut set = |key: &'static str, value: &str| {
                    if let Ok(value) = value.parse() {
                        headers.insert(key, value);
                    }
                };
                set("x-amz-executed-version", "$LATEST");
                set("x-amzn-requestid", &invocation.request_id);
                if let Some(kind) = &invocation.function_error {
                    set("x-amz-function-error", kind);
                }
                response
            }
            Err(e) => error(&e),
        },
    }
}
