//! State machine aliases: create, describe, update, delete, list; and the weighted pick of
//! a version when an execution starts through an alias.

use crate::request::*;
use crate::{Api, ApiError};
use serde_json::{json, Value};
use store::{Alias, Store};

/// AWS's pattern for alias names (`CharacterRestrictedName`).
const NAME_PATTERN: &str = r"^(?=.*[a-zA-Z_\-\.])[a-zA-Z0-9_\-\.]+$";

fn not_found() -> ApiError {
    ApiError::new("ResourceNotFound", "Request references a resource that does not exist.")
}

fn valid_alias_name(name: &str) -> bool {
    let allowed = |c: char| c.is_ascii_alphanumeric() || "_-.".contains(c);
    !name.is_empty() && name.chars().all(allowed) && name.chars().any(|c| !c.is_ascii_digit())
}

/// Reads and checks `routingConfiguration`: 1 or 2 distinct version ARNs with weights
/// summing to 100. Violations of the field constraints are added to `violations`; the
/// rules AWS checks after those come back as their own errors, in `rules`.
fn routing(request: &Request, violations: &mut Violations) -> Result<Option<Vec<(String, u32)>>, ApiError> {
    let Some(items) = optional_list(request, "routingConfiguration")? else { return Ok(None) };
    let mut routes = Vec::new();
    for (index, item) in items.iter().enumerate() {
        let Value::Object(item) = item else {
            return Err(ApiError::new("SerializationException", "Expected an object in 'routingConfiguration'"));
        };
        let field = format!("routingConfiguration.{}.member", index + 1);
        let arn = optional_string(item, "stateMachineVersionArn")?;
        match arn {
            None => violations.null(&format!("{field}.stateMachineVersionArn")),
            Some(arn) => violations.length(arn, &format!("{field}.stateMachineVersionArn"), 1, 256),
        }
        let weight = optional_int(item, "weight")?;
        match weight {
            None => violations.null(&format!("{field}.weight")),
            Some(weight) => violations.range(weight, &format!("{field}.weight"), 0, 100),
        }
        routes.push((arn.unwrap_or("").to_string(), weight.unwrap_or(0).clamp(0, 100) as u32));
    }
    if routes.len() > 2 || routes.is_empty() {
        let listed: Vec<String> = routes
            .iter()
            .map(|(arn, weight)| format!("RoutingConfigurationListItem(stateMachineVersionArn={arn}, weight={weight})"))
            .collect();
        let constraint = if routes.is_empty() {
            "Member must have length greater than or equal to 1"
        } else {
            "Member must have length less than or equal to 2"
        };
        violations.add(format!("[{}]", listed.join(", ")), "routingConfiguration", constraint);
    }
    Ok(Some(routes))
}

/// The rules checked after the field constraints: version ARNs, distinct, weights sum to 100.
fn check_routes(routes: &[(String, u32)]) -> Result<(), ApiError> {
    let arns: Vec<&str> = routes.iter().map(|(arn, _)| arn.as_str()).collect();
    let is_version = |arn: &&str| matches!(MachineArn::parse(arn), Ok(MachineArn::Version { .. }));
    if !arns.iter().all(is_version) {
        return Err(ApiError::validation(format!(
            "Routing configuration must contain state machine version ARNs. Received: [{}]",
            arns.join(", ")
        )));
    }
    if arns.len() == 2 && arns[0] == arns[1] {
        return Err(ApiError::validation(format!(
            "Routing configuration must contain distinct state machine version ARNs. Received: [{}]",
            arns.join(", ")
        )));
    }
    let machines: Vec<String> =
        arns.iter().filter_map(|arn| MachineArn::parse(arn).ok()).map(|m| m.machine().to_string()).collect();
    if machines.windows(2).any(|pair| pair[0] != pair[1]) {
        return Err(ApiError::validation(format!(
            "Routing configuration must contain state machine version ARNs of the same state machine. Received: [{}]",
            arns.join(", ")
        )));
    }
    if routes.iter().map(|(_, w)| w).sum::<u32>() != 100 {
        let weights: Vec<String> = routes.iter().map(|(_, w)| w.to_string()).collect();
        return Err(ApiError::validation(format!(
            "Sum of routing configuration weights must equal 100. Received: [{}]",
            weights.join(", ")
        )));
    }
    Ok(())
}

/// Every routed version must exist.
async fn check_versions_exist<S: Store>(api: &Api<S>, routes: &[(String, u32)]) -> Result<(), ApiError> {
    for (arn, _) in routes {
        if api.runtime.store().version(arn).await?.is_none() {
            return Err(not_found());
        }
    }
    Ok(())
}

pub async fn create_state_machine_alias<S: Store>(api: &Api<S>, request: &Request) -> Reply {
    let mut violations = Violations::default();
    let name = optional_string(request, "name")?;
    match name {
        None => violations.null("name"),
        Some(name) if name.chars().count() > 80 || name.is_empty() => violations.length(name, "name", 1, 80),
        Some(name) if !valid_alias_name(name) => {
            violations.add(name, "name", &format!("Member must satisfy regular expression pattern: {NAME_PATTERN}"))
        }
        Some(_) => {}
    }
    let description = string_within(request, "description", 0, 256, &mut violations)?;
    let routes = routing(request, &mut violations)?;
    if routes.is_none() {
        violations.null("routingConfiguration");
    }
    violations.finish()?;
    let (Some(name), Some(routes)) = (name, routes) else { return Err(ApiError::internal("checked above")) };
    check_routes(&routes)?;
    let machine_arn = MachineArn::parse(&routes[0].0)?.machine().to_string();
    check_versions_exist(api, &routes).await?;
    let now = now_millis();
    let alias = Alias {
        arn: format!("{machine_arn}:{name}"),
        state_machine_arn: machine_arn,
        name: name.to_string(),
        description: description.unwrap_or("").to_string(),
        routing: routes,
        created: now,
        updated: now,
    };
    match api.runtime.store().create_alias(alias).await {
        Ok(created) => {
            Ok(json!({"stateMachineAliasArn": created.value.arn, "creationDate": timestamp(created.value.created)}))
        }
        Err(store::Error::AlreadyExists { .. }) => Err(ApiError::new(
            "ConflictException",
            "Failed to create alias because an alias with the same name and a different routing configuration already exists.",
        )),
        Err(store::Error::NotFound { .. }) => Err(not_found()),
        Err(e) => Err(e.into()),
    }
}

/// The alias named by `stateMachineAliasArn`, checked.
fn alias_arn(request: &Request) -> Result<&str, ApiError> {
    let arn = required_string(request, "stateMachineAliasArn")?;
    let mut violations = Violations::default();
    violations.length(arn, "stateMachineAliasArn", 1, 256);
    violations.finish()?;
    match MachineArn::parse(arn)? {
        MachineArn::Alias { .. } => Ok(arn),
        _ => Err(ApiError::new("InvalidArn", format!("Invalid Arn: 'Resource type not valid in this context: {arn}'"))),
    }
}

pub fn routing_json(routes: &[(String, u32)]) -> Value {
    Value::Array(routes.iter().map(|(arn, w)| json!({"stateMachineVersionArn": arn, "weight": w})).collect())
}

pub async fn describe_state_machine_alias<S: Store>(api: &Api<S>, request: &Request) -> Reply {
    let arn = alias_arn(request)?;
    let alias = api.runtime.store().alias(arn).await?.ok_or_else(not_found)?;
    let mut reply = json!({
        "stateMachineAliasArn": alias.arn,
        "name": alias.name,
        "routingConfiguration": routing_json(&alias.routing),
        "creationDate": timestamp(alias.created),
        "updateDate": timestamp(alias.updated),
    });
    if !alias.description.is_empty() {
        reply["description"] = json!(alias.description);
    }
    Ok(reply)
}

pub async fn update_state_machine_alias<S: Store>(api: &Api<S>, request: &Request) -> Reply {
    let arn = alias_arn(request)?;
    let mut violations = Violations::default();
    let description = string_within(request, "description", 0, 256, &mut violations)?;
    let routes = routing(request, &mut violations)?;
    violations.finish()?;
    if description.is_none() && routes.is_none() {
        return Err(ApiError::new(
            "MissingRequiredParameter",
            "Either the description or the RoutingConfiguration must be specified",
        ));
    }
    if let Some(routes) = &routes {
        check_routes(routes)?;
    }
    let store = api.runtime.store();
    let mut alias = store.alias(arn).await?.ok_or_else(not_found)?;
    if let Some(routes) = routes {
        if MachineArn::parse(&routes[0].0)?.machine() != alias.state_machine_arn {
            return Err(ApiError::validation(format!(
                "Routing configuration must contain state machine version ARNs of the aliased state machine: '{}'",
                alias.state_machine_arn
            )));
        }
        check_versions_exist(api, &routes).await?;
        alias.routing = routes;
    }
    if let Some(description) = description {
        alias.description = description.to_string();
    }
    alias.updated = now_millis();
    if !store.update_alias(alias.clone()).await? {
        return Err(not_found());
    }
    Ok(json!({"updateDate": timestamp(alias.updated)}))
}

pub async fn delete_state_machine_alias<S: Store>(api: &Api<S>, request: &Request) -> Reply {
    let arn = alias_arn(request)?;
    // AWS answers success for an alias that does not exist.
    api.runtime.store().delete_alias(arn).await?;
    Ok(json!({}))
}

pub async fn list_state_machine_aliases<S: Store>(api: &Api<S>, request: &Request) -> Reply {
    let arn = required_within(request, "stateMachineArn", 1, 256)?;
    let page_request = page(request, TOKEN_LENGTH)?;
    check_arn(arn, "stateMachine")?;
    let store = api.runtime.store();
    if store.state_machine(arn).await?.is_none() {
        return Err(ApiError::state_machine_does_not_exist(arn));
    }
    let page = match store.list_aliases(arn, page_request).await {
        Ok(page) => page,
        Err(store::Error::InvalidCursor(_)) => {
            return Err(ApiError::new("InvalidToken", "Invalid Token: 'Invalid token'"))
        }
        Err(e) => return Err(e.into()),
    };
    let aliases: Vec<Value> = page
        .items
        .iter()
        .map(|a| json!({"stateMachineAliasArn": a.arn, "creationDate": timestamp(a.created)}))
        .collect();
    let mut reply = json!({"stateMachineAliases": aliases});
    if let Some(next) = page.next {
        reply["nextToken"] = json!(next);
    }
    Ok(reply)
}

/// Picks a version of the alias's routing at random, by weight (`roll` in `0..100`).
pub fn pick_version(alias: &Alias, roll: u32) -> Option<&str> {
    let mut left = roll;
    for (arn, weight) in &alias.routing {
        if left < *weight {
            return Some(arn);
        }
        left -= weight;
    }
    alias.routing.iter().rev().find(|(_, w)| *w > 0).map(|(arn, _)| arn.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pick_follows_the_weights() {
        let alias = Alias {
            arn: "a".into(),
            state_machine_arn: "m".into(),
            name: "a".into(),
            description: String::new(),
            routing: vec![("v1".into(), 30), ("v2".into(), 70)],
            created: 0,
            updated: 0,
        };
        let picks: Vec<&str> = (0..100).filter_map(|roll| pick_version(&alias, roll)).collect();
        assert_eq!(picks.iter().filter(|v| **v == "v1").count(), 30);
        assert_eq!(picks.iter().filter(|v| **v == "v2").count(), 70);
        assert!(valid_alias_name("a-1.b_") && !valid_alias_name("123") && !valid_alias_name("a b"));
    }
}
