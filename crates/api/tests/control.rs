//! The control plane over real HTTP (a raw HTTP/1.1 client on an ephemeral port, a
//! `MemoryStore` and a real `Runtime`): versions, aliases with weighted routing, tags,
//! activities, UpdateStateMachine and the request size limit.

mod support;

use serde_json::{json, Value};
use support::{call, error, ok, raw, serve_default, until_closed, ROLE};

const MACHINE: &str = "arn:aws:states:us-east-1:123456789012:stateMachine:m";

fn pass(result: &str) -> String {
    json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": result, "End": true}}}).to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn versions_are_snapshots_numbered_once_and_updates_keep_revisions() {
    let addr = serve_default().await.addr;
    let created = ok(
        addr,
        "CreateStateMachine",
        json!({"name": "m", "definition": pass("one"), "roleArn": ROLE, "publish": true}),
    )
    .await;
    let v1 = format!("{MACHINE}:1");
    assert_eq!(created["stateMachineVersionArn"], v1);
    let described = ok(addr, "DescribeStateMachine", json!({"stateMachineArn": MACHINE})).await;
    assert!(described.get("revisionId").is_none(), "no revision before an update: {described}");

    assert_eq!(
        call(addr, "UpdateStateMachine", json!({"stateMachineArn": MACHINE, "publish": true})).await,
        error(
            "MissingRequiredParameter",
            "Either the definition, the role ARN, the LoggingConfiguration, or the TracingConfiguration must be specified"
        )
    );
    let updated = ok(addr, "UpdateStateMachine", json!({"stateMachineArn": MACHINE, "definition": pass("two")})).await;
    let revision = updated["revisionId"].as_str().expect("a revision").to_string();
    // The same definition again: nothing changes, the revision stays.
    let same = ok(addr, "UpdateStateMachine", json!({"stateMachineArn": MACHINE, "definition": pass("two")})).await;
    assert_eq!(same["revisionId"], revision.as_str());

    let published =
        ok(addr, "PublishStateMachineVersion", json!({"stateMachineArn": MACHINE, "description": "d2"})).await;
    let v2 = format!("{MACHINE}:2");
    assert_eq!(published["stateMachineVersionArn"], v2);
    let again = ok(addr, "PublishStateMachineVersion", json!({"stateMachineArn": MACHINE})).await;
    assert_eq!(again["stateMachineVersionArn"], v2, "publishing the same revision is idempotent");
    assert_eq!(
        call(addr, "PublishStateMachineVersion", json!({"stateMachineArn": MACHINE, "revisionId": "stale"})).await,
        error(
            "ConflictException",
            &format!(
                "Failed to publish the State Machine version for revision stale. The current State Machine revision is {revision}."
            )
        )
    );

    let version = ok(addr, "DescribeStateMachine", json!({"stateMachineArn": v1})).await;
    assert_eq!(
        (version["stateMachineArn"].as_str(), version["definition"].as_str()),
        (Some(v1.as_str()), Some(pass("one").as_str()))
    );
    let version = ok(addr, "DescribeStateMachine", json!({"stateMachineArn": v2})).await;
    assert_eq!(version["description"], "d2");
    assert_eq!(version["revisionId"], revision.as_str());

    let listed = ok(addr, "ListStateMachineVersions", json!({"stateMachineArn": MACHINE, "maxResults": 1})).await;
    assert_eq!(listed["stateMachineVersions"][0]["stateMachineVersionArn"], v2, "newest first");
    let token = listed["nextToken"].as_str().expect("a second page").to_string();
    let rest = ok(addr, "ListStateMachineVersions", json!({"stateMachineArn": MACHINE, "nextToken": token})).await;
    assert_eq!(rest["stateMachineVersions"][0]["stateMachineVersionArn"], v1);

    // A version runs its own definition, whatever the machine has now.
    let started = ok(addr, "StartExecution", json!({"stateMachineArn": v1, "name": "on-v1"})).await;
    let described = until_closed(addr, started["executionArn"].as_str().unwrap()).await;
    assert_eq!(described["output"], "\"one\"");
    assert_eq!(described["stateMachineVersionArn"], v1);
    assert_eq!(described["stateMachineArn"], MACHINE);
    assert!(described.get("stateMachineAliasArn").is_none());

    ok(addr, "DeleteStateMachineVersion", json!({"stateMachineVersionArn": v2})).await;
    assert_eq!(
        call(addr, "ListExecutions", json!({"stateMachineArn": v2})).await,
        error("StateMachineDoesNotExist", &format!("State Machine Does Not Exist: '{v2}'"))
    );
    let on_v1 = ok(addr, "ListExecutions", json!({"stateMachineArn": v1})).await;
    assert_eq!(on_v1["executions"][0]["stateMachineVersionArn"], v1.as_str());
    ok(addr, "UpdateStateMachine", json!({"stateMachineArn": MACHINE, "definition": pass("three")})).await;
    let v3 = ok(addr, "PublishStateMachineVersion", json!({"stateMachineArn": MACHINE})).await;
    assert_eq!(v3["stateMachineVersionArn"], format!("{MACHINE}:3"), "a deleted number is not reused");

    ok(addr, "DeleteStateMachine", json!({"stateMachineArn": MACHINE})).await;
    assert_eq!(
        call(addr, "DescribeStateMachine", json!({"stateMachineArn": v1})).await,
        error("StateMachineDoesNotExist", &format!("State Machine Does Not Exist: '{v1}'")),
        "versions go with their machine"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn aliases_route_executions_by_weight() {
    let addr = serve_default().await.addr;
    ok(addr, "CreateStateMachine", json!({"name": "m", "definition": pass("one"), "roleArn": ROLE, "publish": true}))
        .await;
    let v2 =
        ok(addr, "UpdateStateMachine", json!({"stateMachineArn": MACHINE, "definition": pass("two"), "publish": true}))
            .await["stateMachineVersionArn"]
            .as_str()
            .unwrap()
            .to_string();
    let v1 = format!("{MACHINE}:1");
    let routing = json!([{"stateMachineVersionArn": v1, "weight": 50}, {"stateMachineVersionArn": v2, "weight": 50}]);

    assert_eq!(
        call(
            addr,
            "CreateStateMachineAlias",
            json!({"name": "live", "routingConfiguration": [
            {"stateMachineVersionArn": v1, "weight": 70}, {"stateMachineVersionArn": v2, "weight": 29}]})
        )
        .await,
        error("ValidationException", "Sum of routing configuration weights must equal 100. Received: [70, 29]")
    );
    assert_eq!(
        call(addr, "CreateStateMachineAlias", json!({"name": "123", "routingConfiguration": routing})).await.1
            ["__type"],
        "ValidationException"
    );
    let created = ok(addr, "CreateStateMachineAlias", json!({"name": "live", "routingConfiguration": routing})).await;
    let alias = format!("{MACHINE}:live");
    assert_eq!(created["stateMachineAliasArn"], alias);
    let repeated = ok(addr, "CreateStateMachineAlias", json!({"name": "live", "routingConfiguration": routing})).await;
    assert_eq!(repeated["creationDate"], created["creationDate"], "the same alias again is the stored one");
    assert_eq!(
        call(addr, "DeleteStateMachineVersion", json!({"stateMachineVersionArn": v1})).await,
        error(
            "ConflictException",
            "Version to be deleted must not be referenced by an alias. Current list of aliases referencing this version: [live]"
        )
    );

    let mut outputs = std::collections::BTreeMap::new();
    for i in 0..40 {
        let started = ok(addr, "StartExecution", json!({"stateMachineArn": alias, "name": format!("e{i}")})).await;
        let described = until_closed(addr, started["executionArn"].as_str().unwrap()).await;
        assert_eq!(described["stateMachineAliasArn"], alias);
        let version = described["stateMachineVersionArn"].as_str().unwrap().to_string();
        let expected = if version == v1 { "\"one\"" } else { "\"two\"" };
        assert_eq!(described["output"], expected, "the execution runs the picked version's definition");
        *outputs.entry(version).or_insert(0) += 1;
    }
    // 40 fair coin flips all landing on one side: about 2e-12.
    assert_eq!(outputs.len(), 2, "both versions get executions: {outputs:?}");

    let on_alias = ok(addr, "ListExecutions", json!({"stateMachineArn": alias, "maxResults": 100})).await;
    assert_eq!(on_alias["executions"].as_array().unwrap().len(), 40);

    ok(
        addr,
        "UpdateStateMachineAlias",
        json!({"stateMachineAliasArn": alias,
        "routingConfiguration": [{"stateMachineVersionArn": v2, "weight": 100}], "description": "all on two"}),
    )
    .await;
    let described = ok(addr, "DescribeStateMachineAlias", json!({"stateMachineAliasArn": alias})).await;
    assert_eq!(described["routingConfiguration"], json!([{"stateMachineVersionArn": v2, "weight": 100}]));
    assert_eq!(described["description"], "all on two");
    for i in 0..5 {
        let started = ok(addr, "StartExecution", json!({"stateMachineArn": alias, "name": format!("f{i}")})).await;
        let described = until_closed(addr, started["executionArn"].as_str().unwrap()).await;
        assert_eq!(described["stateMachineVersionArn"], v2);
    }
    let listed = ok(addr, "ListStateMachineAliases", json!({"stateMachineArn": MACHINE})).await;
    assert_eq!(listed["stateMachineAliases"][0]["stateMachineAliasArn"], alias);
    ok(addr, "DeleteStateMachineAlias", json!({"stateMachineAliasArn": alias})).await;
    assert_eq!(
        call(addr, "DescribeStateMachineAlias", json!({"stateMachineAliasArn": alias})).await,
        error("ResourceNotFound", "Request references a resource that does not exist.")
    );
    ok(addr, "DeleteStateMachineVersion", json!({"stateMachineVersionArn": v1})).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn tags_and_activities() {
    let addr = serve_default().await.addr;
    ok(
        addr,
        "CreateStateMachine",
        json!({"name": "m", "definition": pass("x"), "roleArn": ROLE,
        "tags": [{"key": "team", "value": "a"}]}),
    )
    .await;
    ok(
        addr,
        "TagResource",
        json!({"resourceArn": MACHINE, "tags": [{"key": "team", "value": "b"}, {"key": "env", "value": ""}]}),
    )
    .await;
    let listed = ok(addr, "ListTagsForResource", json!({"resourceArn": MACHINE})).await;
    assert_eq!(listed["tags"], json!([{"key": "team", "value": "b"}, {"key": "env", "value": ""}]));
    ok(addr, "UntagResource", json!({"resourceArn": MACHINE, "tagKeys": ["team", "nope"]})).await;
    let listed = ok(addr, "ListTagsForResource", json!({"resourceArn": MACHINE})).await;
    assert_eq!(listed["tags"], json!([{"key": "env", "value": ""}]));
    let many: Vec<Value> = (0..50).map(|i| json!({"key": format!("k{i}"), "value": "v"})).collect();
    let (status, body) = call(addr, "TagResource", json!({"resourceArn": MACHINE, "tags": many})).await;
    assert_eq!((status, body["__type"].as_str()), (400, Some("TooManyTags")), "51 tags: {body}");
    let long_key = "k".repeat(129);
    assert_eq!(
        call(addr, "TagResource", json!({"resourceArn": MACHINE, "tags": [{"key": long_key, "value": "v"}]})).await,
        error(
            "ValidationException",
            &format!("1 validation error detected: Value '{long_key}' at 'tags.1.member.key' failed to satisfy constraint: Member must have length less than or equal to 128")
        )
    );
    let version = format!("{MACHINE}:1");
    assert_eq!(
        call(addr, "ListTagsForResource", json!({"resourceArn": version})).await,
        error("ResourceNotFound", &format!("Resource not found: '{version}'"))
    );

    let created = ok(addr, "CreateActivity", json!({"name": "work", "tags": [{"key": "k", "value": "v"}]})).await;
    let activity = created["activityArn"].as_str().unwrap().to_string();
    assert_eq!(activity, "arn:aws:states:us-east-1:123456789012:activity:work");
    let again = ok(addr, "CreateActivity", json!({"name": "work"})).await;
    assert_eq!(again, created, "CreateActivity is idempotent");
    assert_eq!(call(addr, "CreateActivity", json!({"name": "a b"})).await, error("InvalidName", "Invalid Name: 'a b'"));
    let described = ok(addr, "DescribeActivity", json!({"activityArn": activity})).await;
    assert_eq!(described["name"], "work");
    assert_eq!(
        ok(addr, "ListTagsForResource", json!({"resourceArn": activity})).await["tags"],
        json!([{"key": "k", "value": "v"}])
    );
    let listed = ok(addr, "ListActivities", json!({})).await;
    assert_eq!(listed["activities"][0]["activityArn"], activity.as_str());
    ok(addr, "DeleteActivity", json!({"activityArn": activity})).await;
    assert_eq!(
        call(addr, "DescribeActivity", json!({"activityArn": activity})).await,
        error("ActivityDoesNotExist", &format!("Activity Does Not Exist: '{activity}'"))
    );
    assert_eq!(
        call(addr, "DescribeActivity", json!({"activityArn": "no_an_activity_arn"})).await,
        error("InvalidArn", "Invalid Arn: 'Invalid ARN prefix: no_an_activity_arn'")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_oversized_request_is_refused_before_any_work() {
    let addr = serve_default().await.addr;
    let body = json!({"name": "big", "definition": "x".repeat(api::MAX_REQUEST_BYTES), "roleArn": ROLE}).to_string();
    let (status, reply) = raw(addr, "CreateStateMachine", body).await;
    assert_eq!((status, reply["__type"].as_str()), (413, Some("RequestEntityTooLargeException")), "{reply}");
    let listed = ok(addr, "ListStateMachines", json!({})).await;
    assert_eq!(listed["stateMachines"], json!([]));
}

#[tokio::test(flavor = "multi_thread")]
async fn logging_and_tracing_configurations_are_kept_and_checked() {
    let addr = serve_default().await.addr;
    let base = json!({"name": "m", "definition": pass("x"), "roleArn": ROLE});
    let mut no_destination = base.clone();
    no_destination["loggingConfiguration"] = json!({"level": "ALL"});
    assert_eq!(
        call(addr, "CreateStateMachine", no_destination).await,
        error(
            "InvalidLoggingConfiguration",
            "Invalid Logging Configuration: Must specify exactly one Log Destination."
        )
    );
    let mut bad_level = base.clone();
    bad_level["loggingConfiguration"] = json!({"level": "LOUD"});
    assert_eq!(
        call(addr, "CreateStateMachine", bad_level).await,
        error(
            "ValidationException",
            "1 validation error detected: Value 'LOUD' at 'loggingConfiguration.level' failed to satisfy constraint: Member must satisfy enum value set: [ALL, ERROR, FATAL, OFF]"
        )
    );
    let group =
        json!([{"cloudWatchLogsLogGroup": {"logGroupArn": "arn:aws:logs:us-east-1:123456789012:log-group:g:*"}}]);
    let mut logged = base.clone();
    logged["loggingConfiguration"] = json!({"level": "ERROR", "includeExecutionData": true, "destinations": group});
    logged["tracingConfiguration"] = json!({"enabled": true});
    ok(addr, "CreateStateMachine", logged.clone()).await;
    ok(addr, "CreateStateMachine", logged).await;
    assert_eq!(
        call(addr, "CreateStateMachine", base).await.1["__type"],
        "StateMachineAlreadyExists",
        "the configuration is part of the machine's identity"
    );
    let described = ok(addr, "DescribeStateMachine", json!({"stateMachineArn": MACHINE})).await;
    assert_eq!(
        described["loggingConfiguration"],
        json!({"level": "ERROR", "includeExecutionData": true, "destinations": group})
    );
    assert_eq!(described["tracingConfiguration"], json!({"enabled": true}));
    let updated =
        ok(addr, "UpdateStateMachine", json!({"stateMachineArn": MACHINE, "loggingConfiguration": {"level": "OFF"}}))
            .await;
    assert!(updated["revisionId"].is_string(), "a new configuration is a new revision: {updated}");
    let described = ok(addr, "DescribeStateMachine", json!({"stateMachineArn": MACHINE})).await;
    assert_eq!(described["loggingConfiguration"], json!({"level": "OFF", "includeExecutionData": false}));
    assert_eq!(described["tracingConfiguration"], json!({"enabled": true}), "tracing stays as it was");
}
