//! Conformance: updates, versions (numbering, idempotent publish), aliases and tags.

use super::machine;
use crate::{Activity, Alias, Error, PageRequest, StateMachine, Store, Version};

/// A version of `machine` to publish, at its current revision.
pub fn version_of(machine: &StateMachine, created: i64) -> Version {
    Version {
        arn: String::new(),
        state_machine_arn: machine.arn.clone(),
        number: 0,
        definition: machine.definition.clone(),
        role_arn: machine.role_arn.clone(),
        revision_id: machine.revision_id.clone(),
        description: String::new(),
        configuration: machine.configuration.clone(),
        created,
    }
}

/// An alias `name` of `machine` routing to `routing`.
pub fn alias(machine: &StateMachine, name: &str, routing: &[(&str, u32)]) -> Alias {
    Alias {
        arn: format!("{}:{name}", machine.arn),
        state_machine_arn: machine.arn.clone(),
        name: name.to_string(),
        description: "d".to_string(),
        routing: routing.iter().map(|(v, w)| (v.to_string(), *w)).collect(),
        created: 1_700_000_000_000,
        updated: 1_700_000_000_000,
    }
}

/// An update replaces the machine's fields but keeps its name and creation time.
pub async fn update_replaces_the_machine<S: Store>(store: &S) {
    let original = machine("u");
    store.create_state_machine(original.clone()).await.expect("create");
    let mut changed = original.clone();
    changed.definition.push(' ');
    changed.role_arn = "arn:aws:iam::123456789012:role/new".into();
    changed.revision_id = "r2".into();
    changed.created += 99;
    assert!(store.update_state_machine(changed.clone()).await.expect("update"));
    let stored = store.state_machine(&original.arn).await.expect("get").expect("exists");
    assert_eq!(stored.definition, changed.definition);
    assert_eq!(stored.role_arn, changed.role_arn);
    assert_eq!(stored.revision_id, "r2");
    assert_eq!(stored.created, original.created, "the creation time stays");
    assert!(!store.update_state_machine(machine("none")).await.expect("update of nothing"));
}

/// Numbers count up and are never reused; publishing the newest revision again is a no-op.
pub async fn versions_number_and_publish_idempotently<S: Store>(store: &S) {
    let mut m = machine("v");
    let missing = store.publish_version(version_of(&m, 1)).await.expect_err("no machine");
    assert!(matches!(missing, Error::NotFound { .. }), "{missing:?}");
    store.create_state_machine(m.clone()).await.expect("create");

    let v1 = store.publish_version(version_of(&m, 1)).await.expect("publish v1");
    assert!(v1.created);
    assert_eq!((v1.value.number, v1.value.arn.clone()), (1, format!("{}:1", m.arn)));
    let again = store.publish_version(version_of(&m, 2)).await.expect("publish the same revision");
    assert!(!again.created, "the same revision gives the same version");
    assert_eq!(again.value, v1.value);

    m.revision_id = "r2".into();
    store.update_state_machine(m.clone()).await.expect("update");
    let v2 = store.publish_version(version_of(&m, 3)).await.expect("publish v2").value;
    assert_eq!(v2.number, 2);
    assert!(store.delete_version(&v2.arn).await.expect("delete v2"));
    assert!(!store.delete_version(&v2.arn).await.expect("delete v2 again"));
    assert_eq!(store.version(&v2.arn).await.expect("get"), None);
    let v3 = store.publish_version(version_of(&m, 4)).await.expect("publish v3").value;
    assert_eq!(v3.number, 3, "a deleted number is not reused");
    assert_eq!(store.version(&v3.arn).await.expect("get"), Some(v3.clone()));

    let first = store.list_versions(&m.arn, PageRequest::first(1)).await.expect("list");
    assert_eq!(first.items, vec![v3.clone()], "newest first");
    let cursor = first.next.expect("a second page");
    let second = store.list_versions(&m.arn, PageRequest { cursor: Some(cursor), limit: 1 }).await.expect("page 2");
    assert_eq!(second.items, vec![v1.value.clone()]);
    assert_eq!(second.next, None);
    let other = store.list_versions("arn:aws:states:us-east-1:123456789012:stateMachine:x", PageRequest::first(5));
    assert!(other.await.expect("list of none").items.is_empty());
}

/// Aliases: idempotent creation, updates, listing; a routed version cannot be deleted;
/// deleting the machine deletes its versions and aliases.
pub async fn aliases_route_to_versions<S: Store>(store: &S) {
    let m = machine("a");
    let missing = store.create_alias(alias(&m, "live", &[])).await.expect_err("no machine");
    assert!(matches!(missing, Error::NotFound { .. }), "{missing:?}");
    store.create_state_machine(m.clone()).await.expect("create");
    let v1 = store.publish_version(version_of(&m, 1)).await.expect("v1").value;

    let live = alias(&m, "live", &[(&v1.arn, 100)]);
    assert!(store.create_alias(live.clone()).await.expect("create alias").created);
    let again = store.create_alias(live.clone()).await.expect("same alias");
    assert!(!again.created);
    let mut different = live.clone();
    different.description = "other".into();
    let err = store.create_alias(different).await.expect_err("a different alias under the name");
    assert!(matches!(err, Error::AlreadyExists { .. }), "{err:?}");

    match store.delete_version(&v1.arn).await {
        Err(Error::InUse { by, .. }) => assert_eq!(by, vec!["live".to_string()]),
        other => panic!("a routed version must not be deleted: {other:?}"),
    }

    let beta = alias(&m, "beta", &[(&v1.arn, 100)]);
    store.create_alias(beta.clone()).await.expect("beta");
    let page = store.list_aliases(&m.arn, PageRequest::first(1)).await.expect("list");
    assert_eq!(page.items, vec![live.clone()]);
    let rest = store.list_aliases(&m.arn, PageRequest { cursor: page.next, limit: 1 }).await.expect("page 2");
    assert_eq!(rest.items, vec![beta.clone()]);

    let mut updated = live.clone();
    updated.description = "new".into();
    updated.routing = vec![];
    updated.updated += 10;
    assert!(store.update_alias(updated.clone()).await.expect("update"));
    assert_eq!(store.alias(&live.arn).await.expect("get"), Some(updated));
    assert!(store.delete_alias(&beta.arn).await.expect("delete beta"));
    assert!(!store.delete_alias(&beta.arn).await.expect("delete beta again"));
    assert!(!store.update_alias(beta.clone()).await.expect("update a deleted alias"));

    assert!(store.delete_state_machine(&m.arn).await.expect("delete the machine"));
    assert_eq!(store.version(&v1.arn).await.expect("get"), None, "versions go with the machine");
    assert_eq!(store.alias(&live.arn).await.expect("get"), None, "aliases go with the machine");
}

/// Tags are replaced on state machines and activities, and nowhere else.
pub async fn tags_are_set_on_machines_and_activities<S: Store>(store: &S) {
    let m = machine("t");
    store.create_state_machine(m.clone()).await.expect("create");
    let tags = vec![("k".to_string(), "v".to_string()), ("a".to_string(), String::new())];
    assert!(store.set_tags(&m.arn, tags.clone()).await.expect("tag"));
    assert_eq!(store.state_machine(&m.arn).await.expect("get").expect("exists").tags, tags);

    let activity = Activity {
        arn: "arn:aws:states:us-east-1:123456789012:activity:w".into(),
        name: "w".into(),
        created: 1,
        tags: vec![],
    };
    store.create_activity(activity.clone()).await.expect("activity");
    assert!(store.set_tags(&activity.arn, tags.clone()).await.expect("tag the activity"));
    assert_eq!(store.activity(&activity.arn).await.expect("get").expect("exists").tags, tags);
    assert!(!store.set_tags("arn:aws:states:us-east-1:123456789012:activity:none", tags).await.expect("no such"));
}
