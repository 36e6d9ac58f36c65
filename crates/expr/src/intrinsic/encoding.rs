//! Encoding functions: `States.Base64Encode`, `States.Base64Decode` and `States.Hash`.

use super::{Ctx, Outcome};
use crate::Value;
use base64::Engine as _;

/// The longest input (in characters) that these functions accept.
const MAX_INPUT_CHARS: usize = 10_000;

fn bounded<'c>(ctx: &'c Ctx, i: usize) -> Result<&'c str, super::Problem> {
    let s = ctx.string(i)?;
    if s.chars().count() > MAX_INPUT_CHARS {
        return Err(ctx.invalid(format!("the input must have at most {MAX_INPUT_CHARS} characters")));
    }
    Ok(s)
}

pub(super) fn base64_encode(ctx: &Ctx) -> Outcome {
    let s = bounded(ctx, 0)?;
    Ok(Value::String(base64::engine::general_purpose::STANDARD.encode(s.as_bytes()).into()))
}

pub(super) fn base64_decode(ctx: &Ctx) -> Outcome {
    let s = bounded(ctx, 0)?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(s.as_bytes())
        .map_err(|e| ctx.invalid(format!("the input is not valid base64: {e}")))?;
    String::from_utf8(bytes).map(Value::from).map_err(|_| ctx.invalid("the decoded data is not UTF-8 text"))
}

/// `States.Hash(data, algorithm)`: the lowercase hex digest of the UTF-8 data.
pub(super) fn hash(ctx: &Ctx) -> Outcome {
    use sha2::Digest as _;
    let data = bounded(ctx, 0)?.as_bytes();
    let algorithm = ctx.string(1)?;
    let digest: Vec<u8> = match algorithm {
        "MD5" => md5::Md5::digest(data).to_vec(),
        "SHA-1" => sha1::Sha1::digest(data).to_vec(),
        "SHA-256" => sha2::Sha256::digest(data).to_vec(),
        "SHA-384" => sha2::Sha384::digest(data).to_vec(),
        "SHA-512" => sha2::Sha512::digest(data).to_vec(),
        other => {
            return Err(ctx.invalid(format!(
                "the hash algorithm '{other}' is not supported; use MD5, SHA-1, SHA-256, SHA-384 or SHA-512"
            )))
        }
    };
    Ok(Value::String(digest.iter().map(|b| format!("{b:02x}")).collect::<String>().into()))
}
