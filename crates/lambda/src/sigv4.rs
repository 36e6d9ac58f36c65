//! SigV4 for functions forwarded to real AWS Lambda: which endpoint, region and credentials a
//! function uses (resolved from its configuration and an environment lookup given by the
//! caller), and the signature headers of an Invoke request (service `lambda`, via `aws-sigv4`).

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{self, SignableBody, SignableRequest, SigningSettings};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use std::fmt;
use std::time::SystemTime;

/// The credentials and region a forwarded function signs its Invoke requests with.
#[derive(Clone, PartialEq)]
pub struct AwsSigning {
    pub region: String,
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: Option<String>,
}

impl fmt::Debug for AwsSigning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AwsSigning")
            .field("region", &self.region)
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"** redacted **")
            .field("session_token", &self.session_token.as_ref().map(|_| "** redacted **"))
            .finish()
    }
}

/// The AWS keys of a `[functions.NAME]` table.
#[derive(Debug, Default, Clone)]
pub struct AwsKeys {
    /// `aws = true`: the function is on AWS (the endpoint defaults to `https://lambda.REGION.amazonaws.com`).
    pub aws: bool,
    pub region: Option<String>,
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<String>,
    pub session_token: Option<String>,
}

/// The region in an AWS Lambda endpoint's host: `https://lambda.eu-west-1.amazonaws.com` gives
/// `eu-west-1` (also `lambda-fips.REGION.amazonaws.com` and `.amazonaws.com.cn`); None otherwise.
pub fn region_from_endpoint(endpoint: &str) -> Option<String> {
    let rest = endpoint.split_once("://").map_or(endpoint, |(_, rest)| rest);
    let host = rest.split(['/', '?', '#']).next()?.rsplit('@').next()?;
    let host = host.split(':').next()?.to_ascii_lowercase();
    let host = host.strip_suffix(".amazonaws.com").or_else(|| host.strip_suffix(".amazonaws.com.cn"))?;
    let (service, region) = host.split_once('.')?;
    let valid = !region.is_empty() && region.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    (matches!(service, "lambda" | "lambda-fips") && valid).then(|| region.to_string())
}

/// A function's endpoint and signing from its `endpoint` and AWS keys; `env` looks up
/// `AWS_REGION`, `AWS_DEFAULT_REGION`, `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and
/// `AWS_SESSION_TOKEN`. A function is on AWS when `aws = true`, when its endpoint is an AWS
/// Lambda host, or when it names a region or credentials; it is signed when it is on AWS and
/// credentials are found (the keys first, else the environment), unsigned otherwise.
pub fn resolve(
    endpoint: Option<&str>,
    keys: &AwsKeys,
    env: impl Fn(&str) -> Option<String>,
) -> Result<(String, Option<AwsSigning>), String> {
    let given = |v: &Option<String>| v.clone().filter(|s| !s.is_empty());
    let on_aws = keys.aws
        || endpoint.and_then(region_from_endpoint).is_some()
        || [&keys.region, &keys.access_key_id, &keys.secret_access_key, &keys.session_token]
            .iter()
            .any(|v| v.is_some());
    let region = given(&keys.region)
        .or_else(|| endpoint.and_then(region_from_endpoint))
        .or_else(|| env("AWS_REGION").filter(|s| !s.is_empty()))
        .or_else(|| env("AWS_DEFAULT_REGION").filter(|s| !s.is_empty()));
    let endpoint = match (endpoint, keys.aws, &region) {
        (Some(endpoint), _, _) => endpoint.to_string(),
        (None, true, Some(region)) => format!("https://lambda.{region}.amazonaws.com"),
        (None, true, None) => return Err("aws = true needs region (or AWS_REGION) or endpoint".into()),
        (None, false, _) => return Err("endpoint is required".into()),
    };
    if !(endpoint.starts_with("http://") || endpoint.starts_with("https://")) {
        return Err("endpoint must be an http:// or https:// URL".into());
    }
    if !on_aws {
        return Ok((endpoint, None));
    }
    let credentials = match (given(&keys.access_key_id), given(&keys.secret_access_key)) {
        (Some(id), Some(secret)) => Some((id, secret, given(&keys.session_token))),
        (None, None) if keys.session_token.is_some() => {
            return Err("session_token needs access_key_id and secret_access_key".into())
        }
        (None, None) => match (env("AWS_ACCESS_KEY_ID"), env("AWS_SECRET_ACCESS_KEY")) {
            (Some(id), Some(secret)) if !id.is_empty() && !secret.is_empty() => {
                Some((id, secret, env("AWS_SESSION_TOKEN").filter(|s| !s.is_empty())))
            }
            _ => None,
        },
        _ => return Err("access_key_id and secret_access_key go together".into()),
    };
    let Some((access_key_id, secret_access_key, session_token)) = credentials else {
        return Ok((endpoint, None));
    };
    let region =
        region.ok_or("region is required to sign (give region, or an endpoint lambda.REGION.amazonaws.com)")?;
    Ok((endpoint, Some(AwsSigning { region, access_key_id, secret_access_key, session_token })))
}

/// The headers to add to a request so that it is signed: `Authorization`, `X-Amz-Date` and
/// `X-Amz-Security-Token` with a session token. `headers` are the request's headers to sign
/// (with `host`); `url` is the full, already encoded URL.
pub fn sign(
    signing: &AwsSigning,
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: &[u8],
    time: SystemTime,
) -> Result<Vec<(String, String)>, String> {
    let identity: Identity = Credentials::new(
        &signing.access_key_id,
        &signing.secret_access_key,
        signing.session_token.clone(),
        None,
        "stepstone",
    )
    .into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(&signing.region)
        .name("lambda")
        .time(time)
        .settings(SigningSettings::default())
        .build()
        .map_err(|e| format!("cannot sign: {e}"))?
        .into();
    let request = SignableRequest::new(method, url, headers.iter().copied(), SignableBody::Bytes(body))
        .map_err(|e| format!("cannot sign: {e}"))?;
    let (instructions, _) = http_request::sign(request, &params).map_err(|e| format!("cannot sign: {e}"))?.into_parts();
    Ok(instructions.headers().map(|(name, value)| (name.to_string(), value.to_string())).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn the_region_comes_from_an_aws_lambda_host() {
        let region = |e: &str| region_from_endpoint(e);
        assert_eq!(region("https://lambda.eu-west-1.amazonaws.com").as_deref(), Some("eu-west-1"));
        assert_eq!(region("https://lambda.us-east-1.amazonaws.com/").as_deref(), Some("us-east-1"));
        assert_eq!(region("https://LAMBDA.ap-southeast-2.amazonaws.com:443/x").as_deref(), Some("ap-southeast-2"));
        assert_eq!(region("https://lambda-fips.us-gov-west-1.amazonaws.com").as_deref(), Some("us-gov-west-1"));
        assert_eq!(region("https://lambda.cn-north-1.amazonaws.com.cn").as_deref(), Some("cn-north-1"));
        assert_eq!(region("http://127.0.0.1:3001"), None);
        assert_eq!(region("https://s3.eu-west-1.amazonaws.com"), None);
        assert_eq!(region("https://lambda.amazonaws.com"), None);
        assert_eq!(region("https://lambda.eu-west-1.amazonaws.com.evil.example"), None);
    }

    fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let vars: BTreeMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        move |k| vars.get(k).cloned()
    }

    #[test]
    fn signing_is_resolved_from_the_keys_then_the_environment() {
        let creds =
            [("AWS_ACCESS_KEY_ID", "ENVKEY"), ("AWS_SECRET_ACCESS_KEY", "envsecret"), ("AWS_SESSION_TOKEN", "tok")];
        // A local endpoint stays unsigned even with credentials in the environment.
        let (endpoint, signing) = resolve(Some("http://127.0.0.1:3001"), &AwsKeys::default(), env(&creds)).unwrap();
        assert_eq!((endpoint.as_str(), signing), ("http://127.0.0.1:3001", None));
        // An AWS host: region from the host, credentials from the environment.
        let (_, signing) =
            resolve(Some("https://lambda.eu-west-1.amazonaws.com"), &AwsKeys::default(), env(&creds)).unwrap();
        let signing = signing.expect("signed");
        assert_eq!((signing.region.as_str(), signing.access_key_id.as_str()), ("eu-west-1", "ENVKEY"));
        assert_eq!(signing.session_token.as_deref(), Some("tok"));
        // No credentials anywhere: unsigned.
        let (_, signing) =
            resolve(Some("https://lambda.eu-west-1.amazonaws.com"), &AwsKeys::default(), env(&[])).unwrap();
        assert_eq!(signing, None);
        // aws = true builds the endpoint; the table's keys win over the environment.
        let keys = AwsKeys {
            aws: true,
            region: Some("us-west-2".into()),
            access_key_id: Some("AKID".into()),
            secret_access_key: Some("secret".into()),
            ..AwsKeys::default()
        };
        let (endpoint, signing) = resolve(None, &keys, env(&creds)).unwrap();
        assert_eq!(endpoint, "https://lambda.us-west-2.amazonaws.com");
        let signing = signing.expect("signed");
        assert_eq!((signing.access_key_id.as_str(), signing.session_token.as_deref()), ("AKID", None));
        assert!(!format!("{signing:?}").contains("secret\""), "the secret is not printed");
        // Errors.
        let half = AwsKeys { access_key_id: Some("AKID".into()), ..AwsKeys::default() };
        assert!(resolve(Some("https://lambda.eu-west-1.amazonaws.com"), &half, env(&[])).is_err());
        assert!(resolve(None, &AwsKeys { aws: true, ..AwsKeys::default() }, env(&[])).is_err());
        assert!(resolve(Some("ftp://x"), &AwsKeys::default(), env(&[])).is_err());
        let no_region = AwsKeys { aws: true, ..AwsKeys::default() };
        assert!(resolve(Some("http://127.0.0.1:4566"), &no_region, env(&creds)).is_err(), "a region is needed to sign");
    }
}
