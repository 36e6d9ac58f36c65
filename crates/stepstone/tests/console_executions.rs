//! The console's execution page and task inbox in real Chromium against the real `stepstone
//! serve`: an execution's states turn green live, a failed state's panel shows its error, and a
//! callback approved from the inbox lets its execution finish. Screenshots in `target/screenshots`.

mod support;

use serde_json::{json, Value};
use support::browser;

fn create(server: &support::Server, name: &str, definition: Value) -> String {
    let (status, created) = support::call(
        server,
        "CreateStateMachine",
        json!({"name": name, "roleArn": support::ROLE, "definition": definition.to_string()}),
    );
    assert_eq!(status, 200, "{created}");
    created["stateMachineArn"].as_str().unwrap().to_string()
}

fn start(server: &support::Server, machine: &str, name: &str, input: Value) -> String {
    let (status, started) = support::call(
        server,
        "StartExecution",
        json!({"stateMachineArn": machine, "name": name, "input": input.to_string()}),
    );
    assert_eq!(status, 200, "{started}");
    started["executionArn"].as_str().unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_executions_states_turn_green_live() {
    let Some(browser) = browser::start().await else { return };
    let server = support::start();
    let machine = create(
        &server,
        "waits",
        json!({"StartAt": "Prepare", "States": {
            "Prepare": {"Type": "Pass", "Next": "Wait"},
            "Wait": {"Type": "Wait", "Seconds": 2, "Next": "Done"},
            "Done": {"Type": "Pass", "End": true}}}),
    );
    let execution = start(&server, &machine, "live-run", json!({"hello": "world"}));
    browser.client.goto(&format!("http://{}/executions/waits/live-run", server.address)).await.unwrap();
    browser.wait_for(r#"#graph g.state-in-progress[data-state="Wait"]"#).await;
    browser.wait_for(r#"#graph g.state-succeeded[data-state="Prepare"]"#).await;
    // A mark the page keeps only if it is never reloaded.
    browser.client.execute("window.stepstoneMark = 42; return true;", vec![]).await.unwrap();
    browser.screenshot("execution-running").await;
    browser
        .wait_until(
            "Done turns green and the status reads SUCCEEDED",
            r#"return !!document.querySelector('#graph g.state-succeeded[data-state="Done"]')
                && document.getElementById('status').textContent === 'SUCCEEDED';"#,
        )
        .await;
    let kept = browser.client.execute("return window.stepstoneMark === 42;", vec![]).await.unwrap();
    assert_eq!(kept, Value::Bool(true), "the page updated without a reload");
    let wait = browser
        .client
        .execute(r#"return document.querySelector('#graph g[data-state="Wait"]').getAttribute('class');"#, vec![]);
    assert!(wait.await.unwrap().as_str().unwrap().contains("state-succeeded"));
    let summary = browser.wait_for("#summary").await.text().await.unwrap();
    assert!(summary.contains(&execution), "{summary}");
    assert!(summary.contains("State transitions"), "{summary}");
    let history = browser.wait_for("#history table.events").await.text().await.unwrap();
    assert!(history.contains("ExecutionSucceeded"), "the event table was refreshed too: {history}");
    browser.screenshot("execution-succeeded").await;
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_click_on_a_failed_state_shows_its_error() {
    let Some(browser) = browser::start().await else { return };
    let server = support::start();
    let machine = create(
        &server,
        "sends",
        json!({"StartAt": "Prepare", "States": {
            "Prepare": {"Type": "Pass", "Result": {"queue": "orders"}, "Next": "Send"},
            "Send": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage",
                     "Parameters": {"QueueUrl.$": "$.queue", "MessageBody": "hi"}, "End": true}}}),
    );
    let execution = start(&server, &machine, "fails", json!({}));
    assert_eq!(support::ended(&server, &execution)["status"], "FAILED");
    browser.client.goto(&format!("http://{}/executions/sends/fails", server.address)).await.unwrap();
    let banner = browser.wait_for(".banner.failure").await.text().await.unwrap();
    assert!(banner.contains("States.TaskFailed"), "{banner}");
    browser.wait_for(r#"#graph g.state-failed[data-state="Send"]"#).await.click().await.unwrap();
    let error = browser.wait_for("#panel .error-name").await.text().await.unwrap();
    assert_eq!(error, "States.TaskFailed");
    browser.wait_for("#panel .flow[data-recomputed]").await;
    let panel = browser.wait_for("#panel").await.text().await.unwrap();
    assert!(panel.contains("recomputed with TestState"), "{panel}");
    assert!(panel.contains("Send"), "{panel}");
    assert!(panel.contains("\"QueueUrl\": \"orders\""), "the task's request is in the data flow: {panel}");
    browser.screenshot("execution-failed-panel").await;
    // On a phone, in the dark theme, the panel comes under the graph.
    browser.client.set_window_size(390, 844).await.unwrap();
    browser.wait_for("button[data-action=theme]").await.click().await.unwrap();
    browser.client.execute("document.getElementById('panel').scrollIntoView(); return true;", vec![]).await.unwrap();
    browser.screenshot("execution-failed-phone-dark").await;
    browser
        .wait_until(
            "the page fits a phone's width",
            "return document.documentElement.scrollWidth <= window.innerWidth;",
        )
        .await;
    browser.client.set_window_size(1280, 900).await.unwrap();
    // The banner's link selects the failing step too.
    browser.wait_for("[data-action=close-panel]").await.click().await.unwrap();
    browser.wait_until("the panel closes", "return document.getElementById('panel').hidden;").await;
    browser.wait_for("[data-select-state]").await.click().await.unwrap();
    browser
        .wait_until(
            "the banner's link opens the failed state",
            "return !document.getElementById('panel').hidden && \
             document.querySelector('#panel h2').textContent === 'Send';",
        )
        .await;
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_callback_approved_from_the_inbox_lets_its_execution_finish() {
    let Some(browser) = browser::start().await else { return };
    let server = support::start();
    let child =
        create(&server, "notify", json!({"StartAt": "Note", "States": {"Note": {"Type": "Pass", "End": true}}}));
    let machine = create(
        &server,
        "approval",
        json!({"StartAt": "Approve", "States": {
            "Approve": {"Type": "Task", "Resource": "arn:aws:states:::states:startExecution.waitForTaskToken",
                        "Parameters": {"StateMachineArn": child, "Input": {"token.$": "$$.Task.Token", "order.$": "$.order"}},
                        "Next": "Ship"},
            "Ship": {"Type": "Pass", "End": true}}}),
    );
    // The inbox is open before the task exists: it shows up without a reload.
    browser.client.goto(&format!("http://{}/inbox", server.address)).await.unwrap();
    browser.wait_until("the inbox is empty", "return !document.getElementById('inbox-empty').hidden;").await;
    let execution = start(&server, &machine, "order-7", json!({"order": 7}));
    let task = browser.wait_for("ul.inbox li.task").await;
    let text = task.text().await.unwrap();
    assert!(text.contains("approval / order-7"), "{text}");
    assert!(text.contains("Approve"), "{text}");
    assert!(text.contains("waitForTaskToken"), "{text}");
    browser.screenshot("inbox-waiting").await;
    browser.wait_for("ul.inbox li.task form.approve button").await.click().await.unwrap();
    browser
        .wait_until(
            "the row goes and a message confirms",
            "return !document.querySelector('ul.inbox li.task') && \
             document.getElementById('message').textContent.startsWith('Approved');",
        )
        .await;
    browser.screenshot("inbox-approved").await;
    assert!(browser.wait_for("#inbox-empty").await.is_displayed().await.unwrap());
    let described = support::ended(&server, &execution);
    assert_eq!(described["status"], "SUCCEEDED", "{described}");
    browser.client.goto(&format!("http://{}/executions/approval/order-7", server.address)).await.unwrap();
    let status = browser.wait_for("#status").await.text().await.unwrap();
    assert_eq!(status, "SUCCEEDED");
    browser.wait_for(r#"#graph g.state-succeeded[data-state="Ship"]"#).await;
    browser.screenshot("inbox-execution-finished").await;
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_map_iteration_picker_recolours_the_graph() {
    let Some(browser) = browser::start().await else { return };
    let server = support::start();
    let machine = create(
        &server,
        "sorts",
        json!({"StartAt": "Each", "States": {
            "Each": {"Type": "Map", "ItemsPath": "$.numbers", "End": true,
                "ItemProcessor": {"StartAt": "Parity", "States": {
                    "Parity": {"Type": "Choice", "Choices": [
                        {"Variable": "$.even", "BooleanEquals": true, "Next": "Even"}], "Default": "Odd"},
                    "Even": {"Type": "Pass", "End": true},
                    "Odd": {"Type": "Pass", "End": true}}}}}}),
    );
    let items = json!({"numbers": [{"even": false}, {"even": true}, {"even": false}]});
    let execution = start(&server, &machine, "numbers", items);
    assert_eq!(support::ended(&server, &execution)["status"], "SUCCEEDED");
    browser.client.goto(&format!("http://{}/executions/sorts/numbers", server.address)).await.unwrap();
    // All iterations together: both ways were taken.
    browser.wait_for(r#"#graph g.state-succeeded[data-state="Even"]"#).await;
    browser.wait_for(r#"#graph g.state-succeeded[data-state="Odd"]"#).await;
    let picker = browser.wait_for(r#"select[data-map="Each"]"#).await;
    picker.select_by_value("1").await.unwrap();
    browser
        .wait_until(
            "iteration 1 took Even only",
            r#"const odd = document.querySelector('#graph g[data-state="Odd"]');
               return !!document.querySelector('#graph g.state-succeeded[data-state="Even"]')
                   && !odd.getAttribute('class').includes('state-succeeded');"#,
        )
        .await;
    assert!(browser.client.current_url().await.unwrap().as_str().contains("sel=Each%3A1"));
    browser.wait_for(r#"#graph g[data-state="Parity"]"#).await.click().await.unwrap();
    let panel = browser.wait_for("#panel").await.text().await.unwrap();
    assert!(panel.contains("\"even\": true"), "the panel shows iteration 1's input: {panel}");
    browser.screenshot("execution-map-iteration").await;
    // The keyboard opens a state too: Escape closes the panel, Enter on a focused state opens it.
    browser.wait_for("#panel").await.send_keys("\u{E00C}").await.unwrap();
    browser.wait_until("Escape closes the panel", "return document.getElementById('panel').hidden;").await;
    let each = browser.wait_for(r#"#graph g.state[data-state="Each"]"#).await;
    browser
        .client
        .execute(r#"document.querySelector('#graph g[data-state="Each"]').focus(); return true;"#, vec![])
        .await
        .unwrap();
    each.send_keys("\u{E007}").await.unwrap();
    browser
        .wait_until(
            "Enter opens the focused state",
            "return !document.getElementById('panel').hidden && document.querySelector('#panel h2').textContent === 'Each';",
        )
        .await;
    // On a phone, in the dark theme.
    browser.client.set_window_size(390, 844).await.unwrap();
    browser.wait_for("button[data-action=theme]").await.click().await.unwrap();
    browser.screenshot("execution-map-phone").await;
    let wide = browser.client.execute(
        "return [...document.querySelectorAll('body *')].filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1)
            .map((e) => e.tagName + '.' + e.className + '#' + e.id).slice(0, 8).join(' ');",
        vec![],
    );
    let wide = wide.await.unwrap();
    let fits = browser.client.execute("return document.documentElement.scrollWidth <= window.innerWidth;", vec![]);
    assert_eq!(fits.await.unwrap(), Value::Bool(true), "the page fits a phone's width; too wide: {wide}");
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_activity_task_rejected_from_the_inbox_fails_its_execution() {
    let Some(browser) = browser::start().await else { return };
    let server = support::start();
    let (status, activity) = support::call(&server, "CreateActivity", json!({"name": "review"}));
    assert_eq!(status, 200, "{activity}");
    let activity = activity["activityArn"].as_str().unwrap().to_string();
    let machine = create(
        &server,
        "reviews",
        json!({"StartAt": "Review", "States": {"Review": {"Type": "Task", "Resource": activity, "End": true}}}),
    );
    let execution = start(&server, &machine, "doc-9", json!({"doc": 9}));
    browser.client.goto(&format!("http://{}/inbox", server.address)).await.unwrap();
    let task = browser.wait_for("ul.inbox li.task").await;
    assert!(task.text().await.unwrap().contains("activity"));
    browser.wait_for("form.reject input[name=cause]").await.send_keys("not this one").await.unwrap();
    browser.wait_for("form.reject button").await.click().await.unwrap();
    browser
        .wait_until(
            "the row goes and a message confirms",
            "return !document.querySelector('ul.inbox li.task') && \
             document.getElementById('message').textContent.startsWith('Rejected');",
        )
        .await;
    let described = support::ended(&server, &execution);
    assert_eq!(described["status"], "FAILED", "{described}");
    assert_eq!(described["error"], "Rejected");
    assert_eq!(described["cause"], "not this one");
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stop_redrive_and_new_execution_buttons_work() {
    let Some(browser) = browser::start().await else { return };
    let server = support::start();
    let machine = create(
        &server,
        "sleeps",
        json!({"StartAt": "Sleep", "States": {"Sleep": {"Type": "Wait", "Seconds": 30, "End": true}}}),
    );
    let execution = start(&server, &machine, "long", json!({"again": true}));
    browser.client.goto(&format!("http://{}/executions/sleeps/long", server.address)).await.unwrap();
    browser.wait_for(r#"#graph g.state-in-progress[data-state="Sleep"]"#).await;
    // The confirmation is answered yes (a WebDriver session would dismiss it).
    browser.client.execute("window.confirm = () => true; return true;", vec![]).await.unwrap();
    browser.wait_for("button[data-action=stop]").await.click().await.unwrap();
    browser
        .wait_until(
            "the execution is aborted, its state too, and Redrive is offered",
            r#"return document.getElementById('status').textContent === 'ABORTED'
                && !!document.querySelector('#graph g.state-aborted[data-state="Sleep"]')
                && !document.querySelector('button[data-action=redrive]').hidden
                && document.querySelector('button[data-action=stop]').hidden;"#,
        )
        .await;
    browser.screenshot("execution-stopped").await;
    browser.wait_for("button[data-action=redrive]").await.click().await.unwrap();
    browser
        .wait_until(
            "the execution runs again",
            r#"return document.getElementById('status').textContent === 'RUNNING'
                && !!document.querySelector('#graph g.state-in-progress[data-state="Sleep"]');"#,
        )
        .await;
    let (_, described) = support::call(&server, "DescribeExecution", json!({"executionArn": execution}));
    assert_eq!(described["status"], "RUNNING");
    assert_eq!(described["redriveCount"], 1);
    browser.wait_for("button[data-action=new-execution]").await.click().await.unwrap();
    // The machine's page opens its start dialog (`?start=1`) with the input left in sessionStorage.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let url = browser.client.current_url().await.unwrap();
        if url.path() == "/machines/sleeps" {
            assert_eq!(url.query(), Some("start=1"));
            break;
        }
        assert!(std::time::Instant::now() < deadline, "no navigation to the machine's page: {url}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    // There the Start dialog is open, its input editor holding the execution's input.
    browser.wait_for("#start-dialog[open]").await;
    browser
        .wait_until(
            "the Start dialog holds the execution's input",
            "const cm = document.querySelector('#start-dialog .CodeMirror'); \
             const text = cm ? cm.CodeMirror.getValue() : document.querySelector('#execution-input').value; \
             return JSON.stringify(JSON.parse(text)) === '{\"again\":true}';",
        )
        .await;
    browser.screenshot("execution-new-from-input").await;
    // Starting from the dialog leads to the new execution's page, with the same input.
    browser.wait_for("#start-dialog [data-action=start-execution]").await.click().await.unwrap();
    browser
        .wait_until(
            "the new execution's page, with the same input",
            "const root = document.getElementById('execution');
             return !!root && root.dataset.name !== 'long' && JSON.parse(root.dataset.input).again === true;",
        )
        .await;
    browser.close().await;
}
