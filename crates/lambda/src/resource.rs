//! Which Lambda call a Task state makes: its resource (a function ARN, or
//! `arn:aws:states:::lambda:invoke`) and its effective input give the function and the payload.

use expr::Value;

/// The resource of the optimised Lambda integration.
pub const LAMBDA_INVOKE: &str = "arn:aws:states:::lambda:invoke";

/// One Lambda call of a Task state.
#[derive(Debug, Clone, PartialEq)]
pub enum Call {
    /// `arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]`: the effective input is the
    /// event; the result is the function's result.
    Direct { name: String },
    /// `arn:aws:states:::lambda:invoke`: `FunctionName` and `Payload` from the effective input;
    /// the result is wrapped like Lambda's Invoke response. `payload` is None when `Payload`
    /// is absent or null (Lambda then gets `{}`).
    Invoke { name: String, payload: Option<String>, log_tail: bool },
}

/// What a Task resource asks of Lambda: None when it is not a Lambda resource; `Err` (an ASL
/// error) when it is one with an unusable input.
pub fn parse(resource: &str, input: &Value) -> Option<Result<Call, (String, String)>> {
    if let Some(rest) = resource.strip_prefix(LAMBDA_INVOKE) {
        if !(rest.is_empty() || rest == ".waitForTaskToken") {
            return None;
        }
        let Some(name) = input.get("FunctionName").and_then(Value::as_str).and_then(function_name) else {
            return Some(Err((
                "States.Runtime".into(),
                "The field 'FunctionName' is required by 'arn:aws:states:::lambda:invoke'".into(),
            )));
        };
        let payload = match input.get("Payload") {
            None | Some(Value::Null) => None,
            Some(Value::String(text)) => Some(text.as_str().to_string()),
            Some(other) => Some(expr::json::to_string(other)),
        };
        let log_tail = input.get("LogType").and_then(Value::as_str) == Some("Tail");
        return Some(Ok(Call::Invoke { name: name.to_string(), payload, log_tail }));
    }
    let rest = resource.strip_prefix("arn:aws:lambda:")?;
    let parts: Vec<&str> = rest.split(':').collect();
    match parts.as_slice() {
        [_, _, "function", name] | [_, _, "function", name, _] if !name.is_empty() => {
            Some(Ok(Call::Direct { name: name.to_string() }))
        }
        _ => None,
    }
}

/// The function name in `NAME`, `NAME:QUALIFIER`, `ACCOUNT:function:NAME[:QUALIFIER]` or a
/// full ARN (`arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]`).
pub fn function_name(text: &str) -> Option<&str> {
    let text = text.strip_prefix("arn:aws:lambda:").unwrap_or(text);
    let parts: Vec<&str> = text.split(':').collect();
    let name = match parts.iter().position(|p| *p == "function") {
        Some(i) => parts.get(i + 1)?,
        None => parts.first()?,
    };
    (!name.is_empty()).then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn function_names_come_from_names_and_arns() {
        assert_eq!(function_name("f"), Some("f"));
        assert_eq!(function_name("f:prod"), Some("f"));
        assert_eq!(function_name("arn:aws:lambda:us-east-1:123456789012:function:f:prod"), Some("f"));
        assert_eq!(function_name("123456789012:function:f"), Some("f"));
        assert_eq!(function_name("arn:aws:lambda:us-east-1:123456789012:function:"), None);
    }

    #[test]
    fn resources_give_calls() {
        let input = expr::json!({"FunctionName": "arn:aws:lambda:us-east-1:1:function:f", "Payload": {"a": 1}});
        assert_eq!(
            parse(LAMBDA_INVOKE, &input),
            Some(Ok(Call::Invoke { name: "f".into(), payload: Some("{\"a\":1}".into()), log_tail: false }))
        );
        let raw = expr::json!({"FunctionName": "f", "Payload": "not json"});
        assert_eq!(
            parse(LAMBDA_INVOKE, &raw),
            Some(Ok(Call::Invoke { name: "f".into(), payload: Some("not json".into()), log_tail: false }))
        );
        let direct = parse("arn:aws:lambda:us-east-1:1:function:g:live", &Value::Null);
        assert_eq!(direct, Some(Ok(Call::Direct { name: "g".into() })));
        assert!(parse("arn:aws:states:::sqs:sendMessage", &Value::Null).is_none());
        assert!(parse("arn:aws:states:us-east-1:1:activity:a", &Value::Null).is_none());
        assert!(parse("arn:aws:lambda:us-east-1:1:layer:x", &Value::Null).is_none());
        let missing = parse(LAMBDA_INVOKE, &expr::json!({}));
        assert!(matches!(missing, Some(Err((e, _))) if e == "States.Runtime"));
    }
}
