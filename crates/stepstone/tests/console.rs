//! The web console in real Chromium against the real `stepstone serve`: pages load, and what a
//! user does on them reaches the server. Screenshots are kept in `target/screenshots`.

mod support;

use support::browser;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_lists_state_machines() {
    let Some(browser) = browser::start().await else { return };
    let server = support::start();
    let (status, _) = support::call(
        &server,
        "CreateStateMachine",
        serde_json::json!({"name": "listed", "roleArn": support::ROLE,
            "definition": r#"{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}"#}),
    );
    assert_eq!(status, 200);
    browser.client.goto(&format!("http://{}/", server.address)).await.unwrap();
    let table = browser.wait_for("table.list").await;
    let text = table.text().await.unwrap();
    assert!(text.contains("listed"), "the list shows the machine: {text}");
    assert!(text.contains("STANDARD"), "{text}");
    browser.screenshot("machines-list").await;
    browser.close().await;
}
