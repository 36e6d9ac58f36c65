//! The console's state machine pages in real Chromium against the real `stepstone serve`: the editor with its live
//! graph and refused saves, the Start execution dialog, activities, and screenshots of each page (laptop, phone, dark).

mod support;

use fantoccini::Locator;
use serde_json::{json, Value};
use support::browser::{self, Browser};

const TWO_STATES: &str = r#"{
  "StartAt": "Alpha",
  "States": {
    "Alpha": {"Type": "Pass", "Next": "Beta"},
    "Beta": {"Type": "Succeed"}
  }
}"#;

/// Sets the text of the page's (first) CodeMirror editor, as typing would.
async fn set_code(browser: &Browser, text: &str) {
    browser
        .client
        .execute(
            "document.querySelector('.CodeMirror').CodeMirror.setValue(arguments[0]); return true;",
            vec![json!(text)],
        )
        .await
        .unwrap();
}

async fn js(browser: &Browser, script: &str) -> Value {
    browser.client.execute(script, vec![]).await.unwrap()
}

async fn path(browser: &Browser) -> String {
    browser.client.current_url().await.unwrap().path().to_string()
}

/// Waits (up to 10 s) until the browser is at `expected` (a page of another helper may hold no script).
async fn wait_path(browser: &Browser, expected: &str) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while path(browser).await != expected {
        assert!(std::time::Instant::now() < deadline, "not at {expected} within 10 s: {}", path(browser).await);
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// The page is no wider than the window (no sideways scrolling on a phone); else the elements sticking out.
async fn assert_fits(browser: &Browser) {
    let wide = js(
        browser,
        "if (document.documentElement.scrollWidth <= innerWidth) return [];
         return Array.from(document.querySelectorAll('body *'))
           .filter(e => e.getBoundingClientRect().right > innerWidth + 1)
           .map(e => e.tagName + '#' + e.id + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))
           .slice(0, 10);",
    )
    .await;
    assert_eq!(wide, json!([]), "sticking out at {}", path(browser).await);
}

fn create_machine(server: &support::Server, name: &str, definition: &str) {
    let (status, reply) = support::call(
        server,
        "CreateStateMachine",
        json!({"name": name, "roleArn": support::ROLE, "definition": definition}),
    );
    assert_eq!(status, 200, "{reply}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_editor_draws_the_graph_as_you_type_and_refuses_an_invalid_save() {
    let Some(browser) = browser::start().await else { return };
    let server = support::start();
    let base = format!("http://{}", server.address);
    browser.client.goto(&format!("{base}/create")).await.unwrap();
    browser.wait_for(".CodeMirror").await;
    browser.wait_for("#graph svg [data-state=FirstState]").await;
    browser.client.find(Locator::Css("#machine-name")).await.unwrap().send_keys("typed-flow").await.unwrap();

    // The graph follows the text: one state, then a second one.
    set_code(&browser, r#"{"StartAt": "Alpha", "States": {"Alpha": {"Type": "Succeed"}}}"#).await;
    browser.wait_for("#graph svg [data-state=Alpha]").await;
    set_code(&browser, TWO_STATES).await;
    browser.wait_for("#graph svg [data-state=Beta]").await;
    browser.wait_until("valid", "return document.getElementById('parse-state').textContent === 'Valid'").await;
    browser.screenshot("console-editor").await;

    // Real keystrokes: the cursor after `"Beta` on line 5, then "Two" typed.
    js(
        &browser,
        "const cm = document.querySelector('.CodeMirror').CodeMirror; cm.focus(); cm.setCursor({line: 4, ch: 9})",
    )
    .await;
    browser.client.find(Locator::Css(".CodeMirror textarea")).await.unwrap().send_keys("Two").await.unwrap();
    browser.wait_for("#graph svg [data-state=BetaTwo]").await;

    // Text that is not JSON keeps the last good graph and says why.
    set_code(&browser, "{\"StartAt\": \"Alpha\", \"States\": {").await;
    browser.wait_until("stale graph", "return document.getElementById('graph').classList.contains('stale')").await;
    assert_eq!(js(&browser, "return !!document.querySelector('#graph [data-state=BetaTwo]')").await, true);

    // An invalid definition: its problem is marked in the text, and Save is refused with the reason.
    let invalid = TWO_STATES.replace(r#""Next": "Beta""#, r#""Next": "Gamma""#);
    set_code(&browser, &invalid).await;
    browser.wait_until("lint mark", "return !!document.querySelector('.CodeMirror .CodeMirror-lint-mark-error')").await;
    let marked = js(
        &browser,
        "return Array.from(document.querySelectorAll('.CodeMirror-lint-mark-error')).map(e => e.textContent).join('')",
    )
    .await;
    assert!(marked.as_str().unwrap().starts_with(r#""Next": "Gamma""#), "the missing target is marked: {marked}");
    browser.client.find(Locator::Css("[data-action=save]")).await.unwrap().click().await.unwrap();
    browser.wait_until("refusal shown", "return !document.getElementById('save-error').hidden").await;
    let refusal = js(&browser, "return document.getElementById('save-error').textContent").await;
    let refusal = refusal.as_str().unwrap();
    assert!(refusal.contains("Not saved") && refusal.contains("MISSING_TRANSITION_TARGET"), "{refusal}");
    let diagnostics = js(&browser, "return document.getElementById('diagnostics').textContent").await;
    assert!(diagnostics.as_str().unwrap().contains("Line 4"), "{diagnostics}");
    browser.screenshot("console-editor-invalid").await;
    assert_eq!(path(&browser).await, "/create");
    let (_, listed) = support::call(&server, "ListStateMachines", json!({}));
    assert_eq!(listed["stateMachines"], json!([]), "nothing saved");

    // Fixed, with a tag and a logging level: saved, then the machine's page.
    set_code(&browser, TWO_STATES).await;
    browser.client.find(Locator::Css("[data-action=add-tag]")).await.unwrap().click().await.unwrap();
    browser.client.find(Locator::Css(".tag-key")).await.unwrap().send_keys("team").await.unwrap();
    browser.client.find(Locator::Css(".tag-value")).await.unwrap().send_keys("blue").await.unwrap();
    js(&browser, "document.getElementById('logging-level').value = 'ERROR'").await;
    // Ctrl+S saves.
    browser.client.find(Locator::Css(".tag-value")).await.unwrap().send_keys("\u{E009}s").await.unwrap();
    wait_path(&browser, "/machines/typed-flow").await;
    browser.wait_for("#machine .graph-box [data-state=Beta]").await;
    let arn = "arn:aws:states:us-east-1:123456789012:stateMachine:typed-flow";
    let (status, described) = support::call(&server, "DescribeStateMachine", json!({"stateMachineArn": arn}));
    assert_eq!(status, 200, "{described}");
    assert_eq!(described["definition"], TWO_STATES);
    assert_eq!(described["loggingConfiguration"]["level"], "ERROR", "{described}");
    let (_, tags) = support::call(&server, "ListTagsForResource", json!({"resourceArn": arn}));
    assert_eq!(tags["tags"], json!([{"key": "team", "value": "blue"}]));
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_execution_starts_from_the_machine_page_dialog() {
    let Some(browser) = browser::start().await else { return };
    let server = support::start();
    let base = format!("http://{}", server.address);
    create_machine(&server, "starter", TWO_STATES);
    browser.client.goto(&format!("{base}/machines/starter")).await.unwrap();
    browser.wait_for("#machine .graph-box [data-state=Alpha]").await;
    browser.client.find(Locator::Css("[data-action=start]")).await.unwrap().click().await.unwrap();
    browser.wait_for("#start-dialog[open] .CodeMirror").await;
    browser.client.find(Locator::Css("#execution-name")).await.unwrap().send_keys("first-run").await.unwrap();
    browser
        .client
        .execute("document.getElementById('start-dialog').inputEditor.setValue('{\"order\": 42}')", vec![])
        .await
        .unwrap();
    browser.screenshot("console-start-dialog").await;
    browser.client.find(Locator::Css("[data-action=start-execution]")).await.unwrap().click().await.unwrap();
    wait_path(&browser, "/executions/starter/first-run").await;
    let execution = "arn:aws:states:us-east-1:123456789012:execution:starter:first-run";
    let described = support::ended(&server, execution);
    assert_eq!(described["status"], "SUCCEEDED", "{described}");
    assert_eq!(described["input"], r#"{"order": 42}"#);

    // The same name again: AWS's refusal is shown in the dialog.
    browser.client.goto(&format!("{base}/machines/starter")).await.unwrap();
    browser.wait_for("[data-action=start]").await.click().await.unwrap();
    browser.wait_for("#start-dialog[open]").await;
    browser.client.find(Locator::Css("#execution-name")).await.unwrap().send_keys("first-run").await.unwrap();
    browser
        .client
        .execute("document.getElementById('start-dialog').inputEditor.setValue('{\"other\": 1}')", vec![])
        .await
        .unwrap();
    browser.client.find(Locator::Css("[data-action=start-execution]")).await.unwrap().click().await.unwrap();
    browser.wait_until("refusal", "return !document.getElementById('start-error').hidden").await;
    let refusal = js(&browser, "return document.getElementById('start-error').textContent").await;
    assert!(refusal.as_str().unwrap().starts_with("ExecutionAlreadyExists"), "{refusal}");

    // "New execution" from an execution page: ?start=1 opens the dialog with the input it left.
    js(&browser, "sessionStorage.setItem('stepstone-start-input', '{\"again\": true}')").await;
    browser.client.goto(&format!("{base}/machines/starter?start=1")).await.unwrap();
    browser.wait_for("#start-dialog[open] .CodeMirror").await;
    let input = js(&browser, "return document.getElementById('start-dialog').inputEditor.getValue()").await;
    assert_eq!(input, json!(r#"{"again": true}"#));
    browser.client.goto(&format!("{base}/machines/starter?input=%7B%22given%22%3A1%7D")).await.unwrap();
    browser.wait_for("#start-dialog[open] .CodeMirror").await;
    let input = js(&browser, "return document.getElementById('start-dialog').inputEditor.getValue()").await;
    assert_eq!(input, json!(r#"{"given":1}"#));
    // The executions table lists the run with its status.
    browser.client.goto(&format!("{base}/machines/starter?status=SUCCEEDED")).await.unwrap();
    let table = browser.wait_for("#executions table").await.text().await.unwrap();
    assert!(table.contains("first-run") && table.contains("SUCCEEDED"), "{table}");
    browser.screenshot("console-machine").await;
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn activities_are_created_and_deleted() {
    let Some(browser) = browser::start().await else { return };
    let server = support::start();
    let base = format!("http://{}", server.address);
    browser.client.goto(&format!("{base}/activities")).await.unwrap();
    browser.wait_for("#activity-name").await.send_keys("approve-order").await.unwrap();
    browser.client.find(Locator::Css("#activity-form button[type=submit]")).await.unwrap().click().await.unwrap();
    browser.wait_for("tr[data-activity=approve-order]").await;
    let (_, listed) = support::call(&server, "ListActivities", json!({}));
    assert_eq!(listed["activities"][0]["name"], "approve-order", "{listed}");
    browser.screenshot("console-activities").await;

    // A name AWS refuses: its message is shown.
    browser.wait_for("#activity-name").await.send_keys("bad name").await.unwrap();
    browser.client.find(Locator::Css("#activity-form button[type=submit]")).await.unwrap().click().await.unwrap();
    browser.wait_until("refusal", "return !document.getElementById('activity-error').hidden").await;
    let refusal = js(&browser, "return document.getElementById('activity-error').textContent").await;
    assert!(refusal.as_str().unwrap().starts_with("InvalidName"), "{refusal}");

    js(&browser, "window.confirm = () => true").await;
    browser.client.find(Locator::Css("[data-action=delete-activity]")).await.unwrap().click().await.unwrap();
    browser
        .wait_until(
            "row gone",
            "return document.readyState === 'complete' && !document.querySelector('tr[data-activity]')",
        )
        .await;
    let (_, listed) = support::call(&server, "ListActivities", json!({}));
    assert_eq!(listed["activities"], json!([]));
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_list_creates_from_templates_deletes_and_looks_right_on_a_phone_and_in_the_dark() {
    let Some(browser) = browser::start().await else { return };
    let server = support::start();
    let base = format!("http://{}", server.address);
    create_machine(&server, "orders", TWO_STATES);
    create_machine(&server, "billing", TWO_STATES);
    let (_, started) = support::call(
        &server,
        "StartExecution",
        json!({"stateMachineArn": "arn:aws:states:us-east-1:123456789012:stateMachine:orders"}),
    );
    support::ended(&server, started["executionArn"].as_str().unwrap());
    browser.client.goto(&format!("{base}/")).await.unwrap();
    let table = browser.wait_for("#machines").await.text().await.unwrap();
    assert!(table.contains("orders") && table.contains("SUCCEEDED") && table.contains("None yet"), "{table}");
    browser.screenshot("console-machines").await;

    // `/` focuses the search; `n` opens Create, whose examples open the editor.
    js(&browser, "document.dispatchEvent(new KeyboardEvent('keydown', {key: '/'}))").await;
    assert_eq!(js(&browser, "return document.activeElement.name").await, json!("q"));
    js(&browser, "document.activeElement.blur(); document.dispatchEvent(new KeyboardEvent('keydown', {key: 'n'}))")
        .await;
    browser.wait_for("#create-dialog[open]").await;
    browser.screenshot("console-create-dialog").await;
    browser.client.find(Locator::Css("a[data-template=parallel]")).await.unwrap().click().await.unwrap();
    browser.wait_for("#graph svg [data-state=Both]").await;
    browser.screenshot("console-editor-parallel").await;
    assert_eq!(path(&browser).await, "/create");

    // Import: a JSON file opens the editor with its definition, named after the file.
    browser.client.goto(&format!("{base}/")).await.unwrap();
    browser.wait_for("#import-file").await;
    browser
        .client
        .execute(
            "const file = new File([arguments[0]], 'imported-flow.asl.json', {type: 'application/json'});
             const list = new DataTransfer(); list.items.add(file);
             const input = document.getElementById('import-file'); input.files = list.files;
             input.dispatchEvent(new Event('change', {bubbles: true}));",
            vec![json!(TWO_STATES.replace("Alpha", "Imported"))],
        )
        .await
        .unwrap();
    browser.wait_for("#graph svg [data-state=Imported]").await;
    let name = js(&browser, "return document.getElementById('machine-name').value").await;
    assert_eq!(name, json!("imported-flow"));
    let code = js(&browser, "return document.querySelector('.CodeMirror').CodeMirror.getValue()").await;
    assert!(code.as_str().unwrap().contains(r#""StartAt": "Imported""#), "{code}");

    // Delete from the list, after a confirmation.
    browser.client.goto(&format!("{base}/?q=bill")).await.unwrap();
    browser.wait_for("tr[data-machine=billing]").await;
    js(&browser, "window.confirm = () => true").await;
    browser.client.find(Locator::Css("[data-action=delete-machine]")).await.unwrap().click().await.unwrap();
    browser
        .wait_until("deleted", "return document.readyState === 'complete' && !!document.querySelector('.empty')")
        .await;
    let (_, listed) = support::call(&server, "ListStateMachines", json!({}));
    assert_eq!(listed["stateMachines"].as_array().unwrap().len(), 1, "{listed}");

    // A phone, then the dark theme (kept across pages).
    browser.client.set_window_size(390, 844).await.unwrap();
    browser.client.goto(&format!("{base}/")).await.unwrap();
    browser.wait_for("#machines").await;
    browser.screenshot("console-machines-phone").await;
    assert_fits(&browser).await;
    browser.client.goto(&format!("{base}/machines/orders")).await.unwrap();
    browser.wait_for("#machine .CodeMirror").await;
    browser.screenshot("console-machine-phone").await;
    assert_fits(&browser).await;
    browser.client.goto(&format!("{base}/machines/orders/edit")).await.unwrap();
    browser.wait_for("#editor .CodeMirror").await;
    browser.screenshot("console-editor-phone").await;
    assert_fits(&browser).await;
    browser.client.set_window_size(1280, 900).await.unwrap();
    browser.client.find(Locator::Css("[data-action=theme]")).await.unwrap().click().await.unwrap();
    let theme = js(&browser, "return document.documentElement.dataset.theme").await;
    if theme != json!("dark") {
        browser.client.find(Locator::Css("[data-action=theme]")).await.unwrap().click().await.unwrap();
    }
    browser.client.goto(&format!("{base}/machines/orders/edit")).await.unwrap();
    browser.wait_for("#editor .CodeMirror").await;
    assert_eq!(js(&browser, "return document.documentElement.dataset.theme").await, json!("dark"));
    browser.screenshot("console-editor-dark").await;
    browser.client.goto(&format!("{base}/")).await.unwrap();
    browser.wait_for("#machines").await;
    browser.screenshot("console-machines-dark").await;
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_editor_updates_a_machine_and_its_tags() {
    let Some(browser) = browser::start().await else { return };
    let server = support::start();
    let base = format!("http://{}", server.address);
    let arn = "arn:aws:states:us-east-1:123456789012:stateMachine:kept";
    let (status, reply) = support::call(
        &server,
        "CreateStateMachine",
        json!({"name": "kept", "roleArn": support::ROLE, "definition": TWO_STATES,
               "tags": [{"key": "old", "value": "1"}, {"key": "stays", "value": "2"}]}),
    );
    assert_eq!(status, 200, "{reply}");
    browser.client.goto(&format!("{base}/machines/kept")).await.unwrap();
    browser.wait_for("a[href='/machines/kept/edit']").await.click().await.unwrap();
    browser.wait_for("#editor .CodeMirror").await;
    assert_eq!(js(&browser, "return document.getElementById('machine-name').readOnly").await, json!(true));
    let changed = TWO_STATES.replace("Beta", "Gamma");
    set_code(&browser, &changed).await;
    browser.wait_for("#graph svg [data-state=Gamma]").await;
    // Remove the tag "old", change "stays", add "new".
    js(
        &browser,
        "const rows = document.querySelectorAll('#tags .tag-row');
         rows[0].querySelector('[data-action=remove-tag]').click();
         rows[1].querySelector('.tag-value').value = 'changed';",
    )
    .await;
    browser.client.find(Locator::Css("[data-action=add-tag]")).await.unwrap().click().await.unwrap();
    browser
        .client
        .find(Locator::Css("#tags .tag-row:last-child .tag-key"))
        .await
        .unwrap()
        .send_keys("new")
        .await
        .unwrap();
    browser.client.find(Locator::Css("[data-action=save]")).await.unwrap().click().await.unwrap();
    wait_path(&browser, "/machines/kept").await;
    browser.wait_for("#machine .graph-box [data-state=Gamma]").await;
    let (_, described) = support::call(&server, "DescribeStateMachine", json!({"stateMachineArn": arn}));
    assert_eq!(described["definition"], changed.as_str(), "{described}");
    let (_, tags) = support::call(&server, "ListTagsForResource", json!({"resourceArn": arn}));
    let mut tags: Vec<(String, String)> = tags["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["key"].as_str().unwrap().to_string(), t["value"].as_str().unwrap().to_string()))
        .collect();
    tags.sort();
    assert_eq!(tags, [("new".to_string(), String::new()), ("stays".to_string(), "changed".to_string())]);

    // Delete from the machine's page: back to the list, the machine gone.
    js(&browser, "window.confirm = () => true").await;
    browser.client.find(Locator::Css("#machine [data-action=delete-machine]")).await.unwrap().click().await.unwrap();
    wait_path(&browser, "/").await;
    let (status, _) = support::call(&server, "DescribeStateMachine", json!({"stateMachineArn": arn}));
    assert_eq!(status, 400, "deleted");
    browser.close().await;
}
