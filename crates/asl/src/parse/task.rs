//! The Task state, and which `Resource` strings AWS recognises.

use super::errors::{catchers, retriers};
use super::paths::{self, PathKind};
use super::state::{transition, Cx};
use super::util::{is_jsonata, Ctx, MAX_SECONDS};
use super::Scope;
use crate::{Count, Kind, MachineType, PathField, Task};
use serde_json::Value;

pub(crate) fn task(ctx: &mut Ctx, scope: &mut Scope, cx: &Cx) -> Option<Kind> {
    let obj = cx.obj;
    let transition = transition(ctx, scope, obj);
    let mut ok = obj.require(ctx, &["Resource"]);
    let resource = obj.str(ctx, "Resource");
    if let Some(r) = resource {
        ok &= check_resource(ctx, r, &obj.at("Resource"));
    }
    let (parameters, result_selector, result_path) = if cx.jsonata() {
        (None, None, PathField::Default)
    } else {
        let p = paths::template(ctx, obj, "Parameters");
        let s = paths::template(ctx, obj, "ResultSelector");
        ok &= obj.has("Parameters") == p.is_some() && obj.has("ResultSelector") == s.is_some();
        (p, s, paths::path_field(ctx, obj, "ResultPath", PathKind::Result))
    };
    let timeout = seconds(ctx, cx, "TimeoutSeconds");
    let heartbeat = seconds(ctx, cx, "HeartbeatSeconds");
    if let (Some(Count::Value(t)), Some(Count::Value(h))) = (&timeout, &heartbeat) {
        if h >= t {
            ctx.schema("HeartbeatSeconds must be smaller than TimeoutSeconds", obj.at("HeartbeatSeconds"));
        }
    }
    let credentials = credentials(ctx, cx);
    let retry = retriers(ctx, obj);
    let catch = catchers(ctx, scope, cx);
    if !ok {
        return None;
    }
    Some(Kind::Task(Task {
        resource: resource?.to_owned(),
        parameters,
        result_selector,
        result_path,
        timeout,
        heartbeat,
        credentials: credentials.map(expr::Value::from),
        retry: retry?,
        catch: catch?,
        transition: transition?,
    }))
}

/// `TimeoutSeconds`/`HeartbeatSeconds` and their `Path` forms: positive integers.
fn seconds(ctx: &mut Ctx, cx: &Cx, key: &str) -> Option<Count> {
    if cx.jsonata() && cx.obj.get(key).is_some_and(is_jsonata) {
        return None; // kept in State::jsonata
    }
    paths::count(ctx, cx.obj, key, 1, MAX_SECONDS)
}

/// `Credentials`: an object with `RoleArn` (or `RoleArn.$` in JSONPath mode), kept as written.
fn credentials(ctx: &mut Ctx, cx: &Cx) -> Option<Value> {
    let map = cx.obj.object(ctx, "Credentials")?;
    let ptr = cx.obj.at("Credentials");
    let has_role = map.contains_key("RoleArn") || (!cx.jsonata() && map.contains_key("RoleArn.$"));
    if !has_role {
        ctx.schema("The field 'RoleArn' is required but was missing", ptr.as_str());
    } else if !cx.jsonata() {
        paths::compile(ctx, &Value::Object(map.clone()), &ptr);
    }
    Some(Value::Object(map.clone()))
}

/// Optimized integrations: service, API, and which of `.sync` / `.waitForTaskToken` AWS offers.
const SYNC: u8 = 1;
const TOKEN: u8 = 2;
const INTEGRATIONS: &[(&str, &[(&str, u8)])] = &[
    ("lambda", &[("invoke", TOKEN)]),
    ("dynamodb", &[("getItem", 0), ("putItem", 0), ("updateItem", 0), ("deleteItem", 0)]),
    ("sns", &[("publish", TOKEN)]),
    ("sqs", &[("sendMessage", TOKEN)]),
    ("states", &[("startExecution", SYNC | TOKEN)]),
    ("events", &[("putEvents", TOKEN)]),
    ("apigateway", &[("invoke", TOKEN)]),
    ("ecs", &[("runTask", SYNC | TOKEN)]),
    ("batch", &[("submitJob", SYNC)]),
    ("glue", &[("startJobRun", SYNC)]),
    ("databrew", &[("startJobRun", SYNC)]),
    (
        "athena",
        &[("startQueryExecution", SYNC), ("stopQueryExecution", 0), ("getQueryExecution", 0), ("getQueryResults", 0)],
    ),
    (
        "codebuild",
        &[
            ("startBuild", SYNC),
            ("stopBuild", 0),
            ("batchDeleteBuilds", 0),
            ("batchGetReports", 0),
            ("startBuildBatch", SYNC),
            ("stopBuildBatch", 0),
            ("retryBuildBatch", SYNC),
            ("retryBuild", SYNC),
            ("deleteBuildBatch", 0),
        ],
    ),
    (
        "eks",
        &[
            ("createCluster", SYNC),
            ("deleteCluster", SYNC),
            ("createFargateProfile", SYNC),
            ("deleteFargateProfile", SYNC),
            ("createNodegroup", SYNC),
            ("deleteNodegroup", SYNC),
            ("runJob", SYNC),
            ("call", 0),
        ],
    ),
    (
        "elasticmapreduce",
        &[
            ("createCluster", SYNC),
            ("terminateCluster", SYNC),
            ("addStep", SYNC),
            ("cancelStep", 0),
            ("setClusterTerminationProtection", 0),
            ("modifyInstanceFleetByName", 0),
            ("modifyInstanceGroupByName", 0),
        ],
    ),
    ("emr-containers", &[("startJobRun", SYNC), ("createVirtualCluster", 0), ("deleteVirtualCluster", SYNC)]),
    (
        "emr-serverless",
        &[
            ("createApplication", SYNC),
            ("startApplication", SYNC),
            ("stopApplication", SYNC),
            ("deleteApplication", SYNC),
            ("startJobRun", SYNC),
            ("cancelJobRun", SYNC),
        ],
    ),
    (
        "sagemaker",
        &[
            ("createTrainingJob", SYNC),
            ("createTransformJob", SYNC),
            ("createProcessingJob", SYNC),
            ("createHyperParameterTuningJob", SYNC),
            ("createLabelingJob", SYNC),
            ("createModel", 0),
            ("createEndpointConfig", 0),
            ("createEndpoint", 0),
            ("updateEndpoint", 0),
        ],
    ),
    ("mediaconvert", &[("createJob", SYNC)]),
    ("bedrock", &[("invokeModel", 0), ("createModelCustomizationJob", SYNC | TOKEN)]),
    ("http", &[("invoke", 0)]),
];

const PARTITIONS: &[&str] = &["aws", "aws-cn", "aws-us-gov"];

/// Checks a Task `Resource`; true when AWS would accept it for this machine type.
pub(crate) fn check_resource(ctx: &mut Ctx, resource: &str, ptr: &str) -> bool {
    match classify(resource) {
        Resource::Unknown => {
            ctx.schema(
                format!(
                    "The resource provided {resource} is not recognized. The value is not a valid resource ARN, or the resource is not available in this region."
                ),
                ptr,
            );
            false
        }
        Resource::Activity if ctx.machine_type == MachineType::Express => {
            ctx.schema("Express state machine does not support Activity ARN", ptr);
            false
        }
        Resource::Integration(Pattern::Sync) if ctx.machine_type == MachineType::Express => {
            ctx.schema("Express state machine does not support '.sync' service integration", ptr);
            false
        }
        Resource::Integration(Pattern::Token) if ctx.machine_type == MachineType::Express => {
            // AWS's text has two spaces before "at".
            ctx.schema("Express state machine does not support '.waitForTaskToken' service integration ", ptr);
            false
        }
        _ => true,
    }
}

#[derive(Debug, PartialEq, Eq)]
enum Pattern {
    RequestResponse,
    Sync,
    Token,
}

#[derive(Debug, PartialEq, Eq)]
enum Resource {
    Lambda,
    Activity,
    Integration(Pattern),
    Unknown,
}

fn classify(resource: &str) -> Resource {
    let parts: Vec<&str> = resource.splitn(6, ':').collect();
    if parts.len() < 6 || parts[0] != "arn" || !PARTITIONS.contains(&parts[1]) {
        return Resource::Unknown;
    }
    let (service, region, account, rest) = (parts[2], parts[3], parts[4], parts[5]);
    match service {
        "lambda" => {
            // AWS's exact rules on region and account are unknown; only the shape is checked.
            let _ = (region, account);
            let valid = rest.strip_prefix("function:").is_some_and(|f| {
                let mut it = f.splitn(2, ':');
                it.next().is_some_and(|name| !name.is_empty()) && it.next().is_none_or(|q| !q.is_empty())
            });
            if valid {
                Resource::Lambda
            } else {
                Resource::Unknown
            }
        }
        "states" if region.is_empty() && account.is_empty() => integration(rest),
        "states" if !region.is_empty() && !account.is_empty() => match rest.strip_prefix("activity:") {
            Some(name) if !name.is_empty() => Resource::Activity,
            _ => Resource::Unknown,
        },
        _ => Resource::Unknown,
    }
}

/// `<service>:<api>[.sync|.sync:2|.waitForTaskToken]` or `aws-sdk:<service>:<action>[...]`.
fn integration(rest: &str) -> Resource {
    let (base, pattern) = if let Some(b) = rest.strip_suffix(".sync:2").or_else(|| rest.strip_suffix(".sync")) {
        (b, Pattern::Sync)
    } else if let Some(b) = rest.strip_suffix(".waitForTaskToken") {
        (b, Pattern::Token)
    } else {
        (rest, Pattern::RequestResponse)
    };
    let Some((service, api)) = base.split_once(':') else { return Resource::Unknown };
    if service == "aws-sdk" {
        let valid = api
            .split_once(':')
            .is_some_and(|(svc, action)| !svc.is_empty() && !action.is_empty() && !action.contains(':'));
        return if valid && pattern != Pattern::Sync { Resource::Integration(pattern) } else { Resource::Unknown };
    }
    let Some((_, apis)) = INTEGRATIONS.iter().find(|(s, _)| *s == service) else { return Resource::Unknown };
    let Some((_, flags)) = apis.iter().find(|(a, _)| *a == api) else { return Resource::Unknown };
    let allowed = match pattern {
        Pattern::RequestResponse => true,
        Pattern::Sync => flags & SYNC != 0,
        Pattern::Token => flags & TOKEN != 0,
    };
    // `.sync:2` exists only for Step Functions.
    let sync2_ok = !rest.ends_with(".sync:2") || service == "states";
    if allowed && sync2_ok {
        Resource::Integration(pattern)
    } else {
        Resource::Unknown
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_resources() {
        let cases = [
            ("arn:aws:lambda:us-east-1:111111111111:function:fn1", Resource::Lambda),
            ("arn:aws:lambda:us-east-1:111111111111:function:fn1:$LATEST", Resource::Lambda),
            ("arn:aws:states:us-east-1:111111111111:activity:A", Resource::Activity),
            ("arn:aws:states:::lambda:invoke", Resource::Integration(Pattern::RequestResponse)),
            ("arn:aws:states:::lambda:invoke.waitForTaskToken", Resource::Integration(Pattern::Token)),
            ("arn:aws:states:::states:startExecution.sync:2", Resource::Integration(Pattern::Sync)),
            ("arn:aws:states:::aws-sdk:s3:listBuckets.waitForTaskToken", Resource::Integration(Pattern::Token)),
            ("arn:aws:states:::aws-sdk:s3:listBuckets.sync", Resource::Unknown),
            ("arn:aws:states:::dynamodb:query", Resource::Unknown),
            ("arn:aws:states:::dynamodb:getItem.sync", Resource::Unknown),
            ("arn:aws:states:::http:invoke", Resource::Integration(Pattern::RequestResponse)),
            ("arn:aws:lambda:us-east-1:111111111111:fn1", Resource::Unknown),
            ("not an arn", Resource::Unknown),
        ];
        for (text, want) in cases {
            assert_eq!(classify(text), want, "{text}");
        }
    }
}
