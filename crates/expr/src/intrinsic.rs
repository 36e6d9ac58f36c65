//! The 18 intrinsic functions (`States.Format`, `States.Array`, ...): parsing a call and
//! evaluating it.
//!
//! The parser lives in `intrinsic/parse.rs`; each function family has its own file
//! (`array.rs`, `string.rs`, `math.rs`, `encoding.rs`, `json.rs`, `id.rs`).

mod array;
mod encoding;
mod json;
mod math;
mod parse;
mod string;

use crate::Value;
use crate::{path::ParseError, Failure, Path, Scope};

/// How deeply calls may nest inside each other (AWS: 10).
const MAX_DEPTH: usize = 10;

/// An intrinsic function call, parsed (`States.Format('{}', $.x)`). Arguments may be
/// literals (strings in single quotes, numbers, booleans, null), paths (`$.x`, `$$.x`) and
/// nested calls.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    /// The call as written (trimmed), for cause texts.
    text: String,
    func: Func,
    args: Vec<Arg>,
}

/// One argument of a call, as written.
#[derive(Debug, Clone, PartialEq)]
enum Arg {
    /// A number, boolean or null.
    Literal(Value),
    /// A string in single quotes: `raw` keeps the escapes (for `States.Format`'s `\{`),
    /// `value` has them resolved.
    Str {
        raw: String,
        value: String,
    },
    Path(Path),
    Call(Call),
}

/// The intrinsic functions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Func {
    Format,
    StringToJson,
    JsonToString,
    Array,
    ArrayPartition,
    ArrayContains,
    ArrayRange,
    ArrayGetItem,
    ArrayLength,
    ArrayUnique,
    Base64Encode,
    Base64Decode,
    Hash,
    JsonMerge,
    MathRandom,
    MathAdd,
    StringSplit,
    Uuid,
}

impl Func {
    const ALL: [Func; 18] = [
        Func::Format,
        Func::StringToJson,
        Func::JsonToString,
        Func::Array,
        Func::ArrayPartition,
        Func::ArrayContains,
        Func::ArrayRange,
        Func::ArrayGetItem,
        Func::ArrayLength,
        Func::ArrayUnique,
        Func::Base64Encode,
        Func::Base64Decode,
        Func::Hash,
        Func::JsonMerge,
        Func::MathRandom,
        Func::MathAdd,
        Func::StringSplit,
        Func::Uuid,
    ];

    fn name(self) -> &'static str {
        match self {
            Func::Format => "States.Format",
            Func::StringToJson => "States.StringToJson",
            Func::JsonToString => "States.JsonToString",
            Func::Array => "States.Array",
            Func::ArrayPartition => "States.ArrayPartition",
            Func::ArrayContains => "States.ArrayContains",
            Func::ArrayRange => "States.ArrayRange",
            Func::ArrayGetItem => "States.ArrayGetItem",
            Func::ArrayLength => "States.ArrayLength",
            Func::ArrayUnique => "States.ArrayUnique",
            Func::Base64Encode => "States.Base64Encode",
            Func::Base64Decode => "States.Base64Decode",
            Func::Hash => "States.Hash",
            Func::JsonMerge => "States.JsonMerge",
            Func::MathRandom => "States.MathRandom",
            Func::MathAdd => "States.MathAdd",
            Func::StringSplit => "States.StringSplit",
            Func::Uuid => "States.UUID",
        }
    }

    fn from_name(name: &str) -> Option<Func> {
        Func::ALL.into_iter().find(|f| f.name() == name)
    }

    /// The number of arguments accepted: minimum and maximum (`None`: no maximum).
    fn arity(self) -> (usize, Option<usize>) {
        match self {
            Func::Format => (1, None),
            Func::Array => (0, None),
            Func::Uuid => (0, Some(0)),
            Func::StringToJson
            | Func::JsonToString
            | Func::ArrayLength
            | Func::ArrayUnique
            | Func::Base64Encode
            | Func::Base64Decode => (1, Some(1)),
            Func::ArrayPartition
            | Func::ArrayContains
            | Func::ArrayGetItem
            | Func::Hash
            | Func::MathAdd
            | Func::StringSplit => (2, Some(2)),
            Func::ArrayRange | Func::JsonMerge => (3, Some(3)),
            Func::MathRandom => (2, Some(3)),
        }
    }
}

/// What a function body sees: the evaluated arguments, the literal form of the first
/// argument when it was a string literal, and the scope (for randomness).
struct Ctx<'s, 'v> {
    func: Func,
    args: Vec<Value>,
    /// The raw text of the first argument when it is a string literal (escapes kept).
    raw_first: Option<&'s str>,
    scope: &'s Scope<'v>,
}

/// A failure inside a function body, before it is wrapped with the call text.
struct Problem(String);

type Outcome = Result<Value, Problem>;

impl Call {
    /// Parses a call. Unknown functions, argument counts that are wrong statically, and
    /// syntax errors are parse errors.
    pub fn parse(text: &str) -> Result<Call, ParseError> {
        parse::parse(text)
    }

    /// The call as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Evaluates the call. `field` is the template key as written (e.g. `value.$`), for cause
    /// texts. Failures are `States.IntrinsicFailure` (bad arguments) or `States.Runtime`
    /// (a path argument that is missing), with AWS's cause texts.
    pub fn eval(&self, field: &str, scope: &Scope) -> Result<Value, Failure> {
        // AWS names the path, not the template key, in an intrinsic's cause.
        let _ = field;
        self.eval_within(&self.text, scope)
    }

    /// Evaluates this call as part of the top-level expression `top` (causes name `top`).
    fn eval_within(&self, top: &str, scope: &Scope) -> Result<Value, Failure> {
        let mut args = Vec::with_capacity(self.args.len());
        for arg in &self.args {
            args.push(match arg {
                Arg::Literal(v) => v.clone(),
                Arg::Str { value, .. } => Value::from(value.as_str()),
                Arg::Call(call) => call.eval_within(top, scope)?,
                Arg::Path(path) => match path.select(scope) {
                    Some(v) => v.into_owned(),
                    None => {
                        return Err(Failure::runtime(format!(
                            "The function '{top}' had the following error: The JsonPath argument \
                             for the field '{}' could not be found in the input '{}'",
                            path.as_str(),
                            compact(scope.input)
                        )))
                    }
                },
            });
        }
        let raw_first = match self.args.first() {
            Some(Arg::Str { raw, .. }) => Some(raw.as_str()),
            _ => None,
        };
        let ctx = Ctx { func: self.func, args, raw_first, scope };
        run(ctx).map_err(|Problem(detail)| {
            Failure::intrinsic(format!("The function '{top}' had the following error: {detail}"))
        })
    }
}

fn run(ctx: Ctx) -> Outcome {
    match ctx.func {
        Func::Format => string::format(&ctx),
        Func::StringSplit => string::split(&ctx),
        Func::StringToJson => json::string_to_json(&ctx),
        Func::JsonToString => json::json_to_string(&ctx),
        Func::JsonMerge => json::merge(&ctx),
        Func::Array => Ok(Value::Array(ctx.args)),
        Func::ArrayPartition => array::partition(&ctx),
        Func::ArrayContains => array::contains(&ctx),
        Func::ArrayRange => array::range(&ctx),
        Func::ArrayGetItem => array::get_item(&ctx),
        Func::ArrayLength => array::length(&ctx),
        Func::ArrayUnique => array::unique(&ctx),
        Func::Base64Encode => encoding::base64_encode(&ctx),
        Func::Base64Decode => encoding::base64_decode(&ctx),
        Func::Hash => encoding::hash(&ctx),
        Func::MathRandom => math::random(&ctx),
        Func::MathAdd => math::add(&ctx),
        Func::Uuid => Ok(Value::from(ctx.scope.rng.uuid_v4())),
    }
}

impl Ctx<'_, '_> {
    fn invalid(&self, why: impl std::fmt::Display) -> Problem {
        Problem(format!("Invalid arguments in {}: {why}", self.func.name()))
    }

    fn string(&self, i: usize) -> Result<&str, Problem> {
        match self.args.get(i) {
            Some(Value::String(s)) => Ok(s),
            other => Err(self.invalid(format!("argument {} must be a string, got {}", i + 1, type_name(other)))),
        }
    }

    fn array(&self, i: usize) -> Result<&Vec<Value>, Problem> {
        match self.args.get(i) {
            Some(Value::Array(a)) => Ok(a),
            other => Err(self.invalid(format!("argument {} must be an array, got {}", i + 1, type_name(other)))),
        }
    }

    /// An integer argument: a JSON integer, or a number with no fractional part.
    fn integer(&self, i: usize) -> Result<i64, Problem> {
        let v = self.args.get(i);
        let n = v.and_then(|v| match v {
            Value::Number(n) => {
                n.as_i64().or_else(|| n.as_f64().filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15).map(|f| f as i64))
            }
            _ => None,
        });
        n.ok_or_else(|| self.invalid(format!("argument {} must be an integer, got {}", i + 1, type_name(v))))
    }

    /// A number argument, rounded half up to an integer as Java's `Math.round` does.
    fn rounded(&self, i: usize) -> Result<i64, Problem> {
        let v = self.args.get(i);
        let n = v.and_then(|v| match v {
            Value::Number(n) => n
                .as_i64()
                .or_else(|| n.as_f64().filter(|f| f.is_finite() && f.abs() < 9.0e15).map(|f| (f + 0.5).floor() as i64)),
            _ => None,
        });
        n.ok_or_else(|| self.invalid(format!("argument {} must be a number, got {}", i + 1, type_name(v))))
    }
}

/// A JSON type name for messages.
fn type_name(v: Option<&Value>) -> &'static str {
    match v {
        None => "nothing",
        Some(Value::Null) => "null",
        Some(Value::Bool(_)) => "a boolean",
        Some(Value::Number(_)) => "a number",
        Some(Value::String(_)) => "a string",
        Some(Value::Array(_)) => "an array",
        Some(Value::Object(_)) => "an object",
    }
}

/// Compact JSON text (AWS's form in cause texts and `States.JsonToString`).
fn compact(v: &Value) -> String {
    crate::json::to_string(v)
}

/// JSON equality with numbers compared by value (`1 == 1.0`).
fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64()) {
            (Some(x), Some(y)) => x == y,
            _ => match (x.as_u64(), y.as_u64()) {
                (Some(x), Some(y)) => x == y,
                _ => x.as_f64() == y.as_f64(),
            },
        },
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(a, b)| json_eq(a, b)),
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| json_eq(v, w)))
        }
        _ => a == b,
    }
}
