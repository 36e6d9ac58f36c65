//! Real Chromium for the console's browser tests: chromedriver on an ephemeral port, a headless
//! Chromium session through fantoccini, and screenshots kept in `target/screenshots`. Without
//! Chromium a test is skipped with the reason printed, except in CI (`CI=true`), where it fails.
#![allow(dead_code)] // each test binary uses its own subset

use fantoccini::{Client, ClientBuilder, Locator};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// chromedriver and its headless Chromium session; both end when dropped (call [`Browser::close`]
/// to end the session cleanly first).
pub struct Browser {
    pub client: Client,
    driver: Child,
    _profile: tempfile::TempDir,
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

fn find(var: &str, default: &str) -> Option<PathBuf> {
    let path = std::env::var_os(var).map(PathBuf::from).unwrap_or_else(|| PathBuf::from(default));
    path.exists().then_some(path)
}

/// Starts chromedriver and a headless Chromium, or says why not: `None` (skip) locally, a panic in CI.
pub async fn start() -> Option<Browser> {
    let (Some(driver), Some(chromium)) =
        (find("STEPSTONE_CHROMEDRIVER", "/usr/bin/chromedriver"), find("STEPSTONE_CHROMIUM", "/usr/bin/chromium"))
    else {
        let why = "Chromium or chromedriver not found (apt-get install chromium chromium-driver, \
                   or set STEPSTONE_CHROMIUM and STEPSTONE_CHROMEDRIVER)";
        assert!(!super::ci(), "{why}");
        eprintln!("skipped: {why}");
        return None;
    };
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut child = Command::new(driver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let profile = tempfile::tempdir().unwrap();
    let capabilities = serde_json::json!({
        "goog:chromeOptions": {
            "binary": chromium,
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1280,900",
                format!("--user-data-dir={}", profile.path().display()),
            ]
        }
    });
    let capabilities = match capabilities {
        serde_json::Value::Object(map) => map,
        _ => unreachable!(),
    };
    // fantoccini's connector is built on rustls even for plain http: pick its crypto provider.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let url = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(20);
    let client = loop {
        match ClientBuilder::rustls().expect("TLS roots").capabilities(capabilities.clone()).connect(&url).await {
            Ok(client) => break client,
            Err(e) if Instant::now() < deadline => {
                let _ = e;
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(e) => {
                let _ = child.kill();
                panic!("no Chromium session through chromedriver: {e}");
            }
        }
    };
    Some(Browser { client, driver: child, _profile: profile })
}

impl Browser {
    /// Saves a PNG of the page as `target/screenshots/NAME.png`.
    pub async fn screenshot(&self, name: &str) {
        let dir = screenshots();
        std::fs::create_dir_all(&dir).unwrap();
        let png = self.client.screenshot().await.expect("screenshot");
        std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
    }

    /// Waits (up to 10 s) until `css` matches an element, and returns it.
    pub async fn wait_for(&self, css: &str) -> fantoccini::elements::Element {
        self.client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no element {css} within 10 s: {e}"))
    }

    /// Waits (up to 10 s) until the script `js` (a function body returning a value) returns true.
    pub async fn wait_until(&self, what: &str, js: &str) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let value = self.client.execute(js, vec![]).await.unwrap_or(serde_json::Value::Null);
            if value == serde_json::Value::Bool(true) {
                return;
            }
            assert!(Instant::now() < deadline, "not true within 10 s: {what}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Ends the WebDriver session.
    pub async fn close(self) {
        let _ = self.client.clone().close().await;
    }
}

/// Where screenshots are kept: `target/screenshots` of the workspace.
pub fn screenshots() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/screenshots")
}
