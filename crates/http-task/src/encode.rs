//! URL encoding for the HTTP Task: the form body of `Transform.RequestBodyEncoding:
//! URL_ENCODED` with AWS's four array formats, and query strings.

use serde_json::Value;

/// `Transform.RequestEncodingOptions.ArrayFormat`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArrayFormat {
    /// `a[0]=x&a[1]=y` (the default).
    Indices,
    /// `a=x&a=y`.
    Repeat,
    /// `a=x,y`.
    Commas,
    /// `a[]=x&a[]=y`.
    Brackets,
}

impl ArrayFormat {
    pub fn parse(name: &str) -> Option<ArrayFormat> {
        Some(match name {
            "INDICES" => ArrayFormat::Indices,
            "REPEAT" => ArrayFormat::Repeat,
            "COMMAS" => ArrayFormat::Commas,
            "BRACKETS" => ArrayFormat::Brackets,
            _ => return None,
        })
    }
}

/// Percent-encodes everything but RFC 3986's unreserved characters (a space is `%20`, as in
/// AWS's examples).
pub fn percent(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// A scalar as form text: strings bare, null empty, numbers and booleans as JSON writes them.
fn scalar(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// The pairs (unencoded) of a JSON value under `prefix`, nested objects as `a[b]`.
fn pairs(prefix: &str, value: &Value, format: ArrayFormat, out: &mut Vec<(String, String)>) {
    match value {
        Value::Object(map) => {
            for (key, item) in map {
                let name = if prefix.is_empty() { key.clone() } else { format!("{prefix}[{key}]") };
                pairs(&name, item, format, out);
            }
        }
        Value::Array(items) => {
            let all_scalars = items.iter().all(|i| !i.is_object() && !i.is_array());
            match format {
                ArrayFormat::Commas if all_scalars => {
                    out.push((prefix.to_string(), items.iter().map(scalar).collect::<Vec<_>>().join(",")));
                }
                ArrayFormat::Repeat => items.iter().for_each(|i| pairs(prefix, i, format, out)),
                ArrayFormat::Brackets => items.iter().for_each(|i| pairs(&format!("{prefix}[]"), i, format, out)),
                _ => {
                    for (index, item) in items.iter().enumerate() {
                        pairs(&format!("{prefix}[{index}]"), item, format, out);
                    }
                }
            }
        }
        other => out.push((prefix.to_string(), scalar(other))),
    }
}

/// A JSON object as `application/x-www-form-urlencoded` text.
pub fn form(body: &Value, format: ArrayFormat) -> String {
    let mut out = Vec::new();
    pairs("", body, format, &mut out);
    join(&out, format)
}

fn join(pairs: &[(String, String)], format: ArrayFormat) -> String {
    let value = |v: &str| {
        if format == ArrayFormat::Commas {
            // The commas that join an array stay literal, as in AWS's `array=a,b,c,d`.
            v.split(',').map(percent).collect::<Vec<_>>().join(",")
        } else {
            percent(v)
        }
    };
    pairs.iter().map(|(k, v)| format!("{}={}", percent(k), value(v))).collect::<Vec<_>>().join("&")
}

/// Query pairs (unencoded) of `QueryParameters` (an object; an array value repeats its key).
pub fn query_pairs(parameters: &Value) -> Result<Vec<(String, String)>, String> {
    let Value::Object(map) = parameters else {
        return Err("QueryParameters must be a JSON object".into());
    };
    let mut out = Vec::new();
    for (key, value) in map {
        match value {
            Value::Array(items) => items.iter().for_each(|i| out.push((key.clone(), scalar_or_json(i)))),
            other => out.push((key.clone(), scalar_or_json(other))),
        }
    }
    Ok(out)
}

fn scalar_or_json(value: &Value) -> String {
    if value.is_object() || value.is_array() {
        value.to_string()
    } else {
        scalar(value)
    }
}

/// The query string of the pairs.
pub fn query(pairs: &[(String, String)]) -> String {
    pairs.iter().map(|(k, v)| format!("{}={}", percent(k), percent(v))).collect::<Vec<_>>().join("&")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn arrays_follow_each_format_as_aws_documents() {
        let body = json!({"array": ["a", "b", "c", "d"]});
        assert_eq!(form(&body, ArrayFormat::Indices), "array%5B0%5D=a&array%5B1%5D=b&array%5B2%5D=c&array%5B3%5D=d");
        assert_eq!(form(&body, ArrayFormat::Repeat), "array=a&array=b&array=c&array=d");
        assert_eq!(form(&body, ArrayFormat::Commas), "array=a,b,c,d");
        assert_eq!(form(&body, ArrayFormat::Brackets), "array%5B%5D=a&array%5B%5D=b&array%5B%5D=c&array%5B%5D=d");
    }

    #[test]
    fn nested_objects_and_spaces_match_the_stripe_example() {
        let body = json!({"description": "Monthly subscription", "metadata": {"order_details": "monthly report data"}, "customer": "1234567890"});
        assert_eq!(
            form(&body, ArrayFormat::Indices),
            "description=Monthly%20subscription&metadata%5Border_details%5D=monthly%20report%20data&customer=1234567890"
        );
    }

    #[test]
    fn scalars_and_query_arrays() {
        assert_eq!(form(&json!({"n": 1.5, "b": true, "z": null}), ArrayFormat::Indices), "n=1.5&b=true&z=");
        let pairs = query_pairs(&json!({"tag": ["x y", "z"], "id": 7})).expect("object");
        assert_eq!(query(&pairs), "tag=x%20y&tag=z&id=7");
        assert!(query_pairs(&json!("a=b")).is_err());
    }
}
