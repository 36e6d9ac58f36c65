//! The HTTP Task against a real HTTP server (axum on loopback): requests, the three kinds of
//! authorization, OAuth token caching and refresh, result shapes and errors.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use http_task::{Auth, Connection, HttpTask, OAuth, Options, Parameters};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What the server received.
#[derive(Clone, Debug)]
struct Seen {
    method: String,
    uri: String,
    headers: Vec<(String, String)>,
    body: String,
}

impl Seen {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

#[derive(Default)]
struct Server {
    seen: Mutex<Vec<Seen>>,
    tokens_issued: Mutex<u32>,
}

async fn handle(State(server): State<Arc<Server>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, 1 << 20).await.expect("body");
    let seen = Seen {
        method: parts.method.to_string(),
        uri: parts.uri.to_string(),
        headers: parts.headers.iter().map(|(n, v)| (n.to_string(), v.to_str().unwrap_or("").to_string())).collect(),
        body: String::from_utf8_lossy(&body).into_owned(),
    };
    server.seen.lock().unwrap().push(seen.clone());
    let json = |status: StatusCode, value: Value| {
        (status, [("content-type", "application/json")], value.to_string()).into_response()
    };
    match parts.uri.path() {
        "/token" => {
            let mut issued = server.tokens_issued.lock().unwrap();
            *issued += 1;
            json(StatusCode::OK, json!({"access_token": format!("t{issued}"), "token_type": "bearer", "expires_in": 1}))
        }
        "/guarded" => {
            let issued = *server.tokens_issued.lock().unwrap();
            if seen.header("authorization") == Some(&format!("Bearer t{issued}")) {
                json(StatusCode::OK, json!({"token": issued}))
            } else {
                json(StatusCode::UNAUTHORIZED, json!({"message": "bad token"}))
            }
        }
        "/slow" => {
            tokio::time::sleep(Duration::from_secs(3)).await;
            json(StatusCode::OK, json!({}))
        }
        "/fail" => json(StatusCode::INTERNAL_SERVER_ERROR, json!({"message": "boom"})),
        "/text" => (StatusCode::OK, [("content-type", "text/plain")], "hello").into_response(),
        "/image" => {
            (StatusCode::OK, [("content-type", "image/png")], Body::from(vec![137u8, 80, 78, 71])).into_response()
        }
        _ => json(StatusCode::OK, json!({"ok": true, "n": [1, 2]})),
    }
}

async fn start() -> (String, Arc<Server>) {
    let server = Arc::new(Server::default());
    let app = axum::Router::new().fallback(handle).with_state(server.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move { axum::serve(listener, app).await.expect("serve") });
    (format!("http://{address}"), server)
}

const ARN: &str = "arn:aws:events:us-east-1:123456789012:connection/";

fn task(connections: Vec<(&str, Connection)>) -> HttpTask {
    let connections: BTreeMap<_, _> = connections.into_iter().map(|(n, c)| (n.to_string(), c)).collect();
    HttpTask::new(Options { region: "eu-west-1".into(), timeout: Duration::from_secs(5) }, connections).expect("client")
}

fn key_connection() -> Connection {
    Connection {
        auth: Auth::ApiKey { name: "x-api-key".into(), value: "secret".into() },
        invocation: Parameters::default(),
    }
}

async fn call(task: &HttpTask, parameters: Value) -> Result<Value, (String, String)> {
    task.invoke(&expr::Value::from(&parameters)).await.map(|v| Value::from(&v))
}

#[tokio::test]
async fn get_with_query_parameters_and_headers_gives_aws_result_shape() {
    let (base, server) = start().await;
    let task = task(vec![("keyed", key_connection())]);
    let result = call(
        &task,
        json!({
            "ApiEndpoint": format!("{base}/items"),
            "Method": "GET",
            "Authentication": {"ConnectionArn": format!("{ARN}keyed/0c6e7a2b")},
            "Headers": {"Request-Id": "r-1"},
            "QueryParameters": {"currency": "usd", "tag": ["a b", "c"]}
        }),
    )
    .await
    .expect("succeeds");
    assert_eq!(result["StatusCode"], json!(200));
    assert_eq!(result["StatusText"], json!("OK"));
    assert_eq!(result["ResponseBody"], json!({"ok": true, "n": [1, 2]}));
    assert_eq!(result["Headers"]["content-type"], json!(["application/json"]));
    let seen = server.seen.lock().unwrap()[0].clone();
    assert_eq!(seen.method, "GET");
    assert_eq!(seen.uri, "/items?currency=usd&tag=a%20b&tag=c");
    assert_eq!(seen.header("request-id"), Some("r-1"));
    assert_eq!(seen.header("x-api-key"), Some("secret"));
    assert_eq!(seen.header("user-agent"), Some("Amazon|StepFunctions|HttpInvoke|eu-west-1"));
    assert_eq!(seen.header("range"), Some("bytes=0-262144"));
    assert_eq!(seen.body, "");
}

#[tokio::test]
async fn post_sends_json_and_connection_parameters_win() {
    let (base, server) = start().await;
    let mut connection = key_connection();
    connection.invocation = Parameters {
        headers: vec![("Header-Param".into(), "connection".into())],
        query: vec![("QueryParam".into(), "connection".into())],
        body: vec![("BodyParam".into(), "connection".into())],
    };
    let task = task(vec![("merge", connection)]);
    call(
        &task,
        json!({
            "ApiEndpoint": format!("{base}/path"),
            "Method": "POST",
            "Authentication": {"ConnectionArn": format!("{ARN}merge")},
            "Headers": {"Header-Param": "task", "Request-Id": "r"},
            "QueryParameters": {"QueryParam": "task"},
            "RequestBody": {"Job": "Engineer", "BodyParam": "task"}
        }),
    )
    .await
    .expect("succeeds");
    let seen = server.seen.lock().unwrap()[0].clone();
    assert_eq!(seen.method, "POST");
    assert_eq!(seen.uri, "/path?QueryParam=connection");
    assert_eq!(seen.header("header-param"), Some("connection"));
    assert_eq!(seen.header("request-id"), Some("r"));
    assert_eq!(seen.header("content-type"), Some("application/json; charset=UTF-8"));
    assert_eq!(seen.body, r#"{"Job":"Engineer","BodyParam":"connection"}"#);
}

#[tokio::test]
async fn url_encoded_bodies_use_each_array_format() {
    let (base, server) = start().await;
    let task = task(vec![("keyed", key_connection())]);
    let cases = [
        (None, "array%5B0%5D=a&array%5B1%5D=b&n%5Bk%5D=v%20w"),
        (Some("INDICES"), "array%5B0%5D=a&array%5B1%5D=b&n%5Bk%5D=v%20w"),
        (Some("REPEAT"), "array=a&array=b&n%5Bk%5D=v%20w"),
        (Some("COMMAS"), "array=a,b&n%5Bk%5D=v%20w"),
        (Some("BRACKETS"), "array%5B%5D=a&array%5B%5D=b&n%5Bk%5D=v%20w"),
    ];
    for (index, (format, expected)) in cases.iter().enumerate() {
        let mut transform = json!({"RequestBodyEncoding": "URL_ENCODED"});
        if let Some(format) = format {
            transform["RequestEncodingOptions"] = json!({"ArrayFormat": format});
        }
        call(
            &task,
            json!({
                "ApiEndpoint": format!("{base}/form"),
                "Method": "PUT",
                "Authentication": {"ConnectionArn": format!("{ARN}keyed")},
                "Headers": {"Content-Type": "application/x-www-form-urlencoded"},
                "RequestBody": {"array": ["a", "b"], "n": {"k": "v w"}},
                "Transform": transform
            }),
        )
        .await
        .expect("succeeds");
        let seen = server.seen.lock().unwrap()[index].clone();
        assert_eq!(seen.body, *expected, "format {format:?}");
        assert_eq!(seen.header("content-type"), Some("application/x-www-form-urlencoded"));
    }
}

#[tokio::test]
async fn basic_auth_sends_the_credentials() {
    let (base, server) = start().await;
    let basic = Connection {
        auth: Auth::Basic { username: "alice".into(), password: "s3cret".into() },
        invocation: Parameters::default(),
    };
    let task = task(vec![("basic", basic)]);
    let result = call(
        &task,
        json!({"ApiEndpoint": format!("{base}/text"), "Method": "GET", "InvocationConfig": {"ConnectionArn": format!("{ARN}basic/x")}}),
    )
    .await
    .expect("succeeds");
    assert_eq!(result["ResponseBody"], json!("hello"));
    let seen = server.seen.lock().unwrap()[0].clone();
    // base64("alice:s3cret")
    assert_eq!(seen.header("authorization"), Some("Basic YWxpY2U6czNjcmV0"));
}

#[tokio::test]
async fn oauth_token_is_fetched_once_reused_and_refreshed_after_expiry() {
    let (base, server) = start().await;
    let oauth = Connection {
        auth: Auth::OAuth(OAuth {
            token_endpoint: format!("{base}/token"),
            method: "POST".into(),
            client_id: "client".into(),
            client_secret: "shh".into(),
            scopes: vec!["read".into(), "write".into()],
            parameters: Parameters::default(),
        }),
        invocation: Parameters::default(),
    };
    let task = task(vec![("oauth", oauth)]);
    let parameters = json!({"ApiEndpoint": format!("{base}/guarded"), "Method": "GET", "Authentication": {"ConnectionArn": format!("{ARN}oauth")}});
    for _ in 0..3 {
        let result = call(&task, parameters.clone()).await.expect("succeeds");
        assert_eq!(result["ResponseBody"], json!({"token": 1}));
    }
    assert_eq!(*server.tokens_issued.lock().unwrap(), 1, "the token is reused");
    let token_request = server.seen.lock().unwrap()[0].clone();
    assert_eq!(token_request.uri, "/token");
    assert_eq!(token_request.method, "POST");
    assert_eq!(token_request.header("authorization"), Some("Basic Y2xpZW50OnNoaA=="));
    assert_eq!(token_request.body, "grant_type=client_credentials&scope=read%20write");
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let result = call(&task, parameters.clone()).await.expect("succeeds");
    assert_eq!(result["ResponseBody"], json!({"token": 2}), "a new token after expiry");
    assert_eq!(*server.tokens_issued.lock().unwrap(), 2);
    // The server revokes the token (issues another behind our back): a 401 fetches a new one.
    *server.tokens_issued.lock().unwrap() += 1;
    let result = call(&task, parameters).await.expect("succeeds after a refresh");
    assert_eq!(result["ResponseBody"], json!({"token": 4}));
}

#[tokio::test]
async fn errors_have_aws_names_and_causes() {
    let (base, _server) = start().await;
    let task = task(vec![("keyed", key_connection())]);
    let at = |path: &str| json!({"ApiEndpoint": format!("{base}{path}"), "Method": "GET", "Authentication": {"ConnectionArn": format!("{ARN}keyed")}});
    let (error, cause) = call(&task, at("/fail")).await.expect_err("500");
    assert_eq!(error, "States.Http.StatusCode.500");
    let cause: Value = serde_json::from_str(&cause).expect("the cause is the response as JSON");
    assert_eq!(cause["StatusCode"], json!(500));
    assert_eq!(cause["StatusText"], json!("Internal Server Error"));
    assert_eq!(cause["ResponseBody"], json!({"message": "boom"}));

    let (error, _) = call(&task, at("/image")).await.expect_err("binary");
    assert_eq!(error, "States.Runtime");

    let mut missing = at("/x");
    missing["Authentication"]["ConnectionArn"] = json!(format!("{ARN}absent/1"));
    let (error, cause) = call(&task, missing).await.expect_err("no connection");
    assert_eq!(error, "Events.ConnectionResource.ResourceNotFound");
    assert!(cause.contains("absent"), "{cause}");

    let mut forbidden = at("/x");
    forbidden["Headers"] = json!({"X-Amz-Date": "x"});
    assert_eq!(call(&task, forbidden).await.expect_err("header").0, "States.Runtime");
    let mut bad_header = at("/x");
    bad_header["Headers"] = json!({"X-Line": "a\nb"});
    assert_eq!(call(&task, bad_header).await.expect_err("header value").0, "States.Runtime");
    let mut bad_method = at("/x");
    bad_method["Method"] = json!("TRACE");
    assert_eq!(call(&task, bad_method).await.expect_err("method").0, "States.Runtime");
}

#[tokio::test]
async fn a_refused_connection_is_a_socket_error() {
    // A port that was just free: nothing listens on it.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("address").port();
    drop(listener);
    let task = task(vec![("keyed", key_connection())]);
    let (error, cause) = call(
        &task,
        json!({"ApiEndpoint": format!("http://127.0.0.1:{port}/x"), "Method": "GET", "Authentication": {"ConnectionArn": format!("{ARN}keyed")}}),
    )
    .await
    .expect_err("refused");
    assert_eq!(error, "States.Http.Socket");
    assert!(cause.contains(&port.to_string()), "{cause}");
}

#[tokio::test]
async fn a_slow_answer_times_out_as_a_socket_error() {
    let (base, _server) = start().await;
    let connections = BTreeMap::from([("keyed".to_string(), key_connection())]);
    let task = HttpTask::new(Options { region: "us-east-1".into(), timeout: Duration::from_millis(300) }, connections)
        .expect("client");
    let started = std::time::Instant::now();
    let (error, cause) = call(
        &task,
        json!({"ApiEndpoint": format!("{base}/slow"), "Method": "GET", "Authentication": {"ConnectionArn": format!("{ARN}keyed")}}),
    )
    .await
    .expect_err("timeout");
    assert_eq!(error, "States.Http.Socket");
    assert!(cause.contains("timed out"), "{cause}");
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn https_goes_through_tls() {
    // A plain HTTP server behind an https:// URL: the TLS handshake fails, so the rustls
    // client is really in the path (a trusted certificate is not available offline).
    let (base, server) = start().await;
    let task = task(vec![("keyed", key_connection())]);
    let endpoint = base.replace("http://", "https://");
    let (error, _) = call(
        &task,
        json!({"ApiEndpoint": format!("{endpoint}/x"), "Method": "GET", "Authentication": {"ConnectionArn": format!("{ARN}keyed")}}),
    )
    .await
    .expect_err("no TLS on the other side");
    assert_eq!(error, "States.Http.Socket");
    assert!(server.seen.lock().unwrap().is_empty(), "no HTTP request was read as plain text");
}
