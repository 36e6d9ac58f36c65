//! Conformance: state machines and activities (idempotent creation, listing, deletion).

use super::machine;
use crate::{Activity, Error, Kind, PageRequest, Store};

/// Same name, definition, type and configuration: the stored machine comes back, with its
/// role and tags (AWS ignores theirs). Anything else under the name is `AlreadyExists`.
pub async fn state_machine_create_is_idempotent<S: Store>(store: &S) {
    let original = machine("m");
    let created = store.create_state_machine(original.clone()).await.expect("create");
    assert!(created.created);
    assert_eq!(created.value, original);

    let mut again = original.clone();
    again.role_arn = "arn:aws:iam::123456789012:role/other".into();
    again.tags = vec![];
    again.created += 5;
    let repeated = store.create_state_machine(again).await.expect("idempotent create");
    assert!(!repeated.created, "a repeated create must not create");
    assert_eq!(repeated.value, original, "the stored machine, role and tags unchanged");

    for change in 0..3 {
        let mut other = original.clone();
        match change {
            0 => other.definition.push(' '),
            1 => other.kind = Kind::Express,
            _ => other.configuration = r#"{"tracingConfiguration":{"enabled":true}}"#.into(),
        }
        let err = store.create_state_machine(other).await.expect_err("a different machine under the name");
        assert!(matches!(err, Error::AlreadyExists { .. }), "change {change}: {err:?}");
    }
    assert_eq!(store.state_machine(&original.arn).await.expect("get"), Some(original));
    assert_eq!(
        store.state_machine("arn:aws:states:us-east-1:123456789012:stateMachine:nope").await.expect("get"),
        None
    );
}

/// Pages in creation order, a cursor per page, none after the last; deletion.
pub async fn state_machines_list_in_pages<S: Store>(store: &S) {
    let names = ["g", "b", "e", "a", "f", "c", "d"];
    for name in names {
        store.create_state_machine(machine(name)).await.expect("create");
    }
    let mut seen = Vec::new();
    let mut page = PageRequest::first(3);
    let mut sizes = Vec::new();
    loop {
        let got = store.list_state_machines(page.clone()).await.expect("list");
        sizes.push(got.items.len());
        seen.extend(got.items.into_iter().map(|m| m.name));
        match got.next {
            Some(next) => page.cursor = Some(next),
            None => break,
        }
    }
    assert_eq!(sizes, [3, 3, 1]);
    assert_eq!(seen, names, "creation order, each once");

    let exact = store.list_state_machines(PageRequest::first(7)).await.expect("list");
    assert_eq!((exact.items.len(), exact.next), (7, None), "a full last page has no cursor");

    let bad = PageRequest { cursor: Some("not a cursor".into()), limit: 3 };
    assert!(matches!(store.list_state_machines(bad).await, Err(Error::InvalidCursor(_))));

    assert!(store.delete_state_machine(&machine("e").arn).await.expect("delete"));
    assert!(!store.delete_state_machine(&machine("e").arn).await.expect("delete again"));
    assert_eq!(store.state_machine(&machine("e").arn).await.expect("get"), None);
    let left = store.list_state_machines(PageRequest::first(100)).await.expect("list");
    let left: Vec<String> = left.items.into_iter().map(|m| m.name).collect();
    assert_eq!(left, ["g", "b", "a", "f", "c", "d"]);
    // A deleted name can be created again, and then lists last.
    assert!(store.create_state_machine(machine("e")).await.expect("create again").created);
    let last = store.list_state_machines(PageRequest::first(100)).await.expect("list").items.pop();
    assert_eq!(last.map(|m| m.name).as_deref(), Some("e"));
}

fn activity(name: &str, created: i64) -> Activity {
    Activity {
        arn: format!("arn:aws:states:us-east-1:123456789012:activity:{name}"),
        name: name.to_string(),
        created,
        tags: vec![("k".into(), name.into())],
    }
}

/// Activities: idempotent on the name, listed in pages, deleted.
pub async fn activities_are_idempotent_and_listed<S: Store>(store: &S) {
    let first = activity("work", 1);
    assert!(store.create_activity(first.clone()).await.expect("create").created);
    let mut differing = activity("work", 2);
    differing.tags.clear();
    let again = store.create_activity(differing).await.expect("idempotent create");
    assert_eq!((again.created, &again.value), (false, &first));
    for name in ["b", "c", "d"] {
        store.create_activity(activity(name, 3)).await.expect("create");
    }
    let page1 = store.list_activities(PageRequest::first(3)).await.expect("list");
    let names: Vec<&str> = page1.items.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["work", "b", "c"]);
    let page2 = store.list_activities(PageRequest { cursor: page1.next, limit: 3 }).await.expect("list");
    let names: Vec<&str> = page2.items.iter().map(|a| a.name.as_str()).collect();
    assert_eq!((names, page2.next), (vec!["d"], None));
    assert_eq!(store.activity(&first.arn).await.expect("get"), Some(first.clone()));
    assert!(store.delete_activity(&first.arn).await.expect("delete"));
    assert!(!store.delete_activity(&first.arn).await.expect("delete again"));
    assert_eq!(store.activity(&first.arn).await.expect("get"), None);
}
