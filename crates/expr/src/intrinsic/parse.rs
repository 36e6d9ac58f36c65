//! The parser of intrinsic calls: `States.Name(arg, ...)`, with string literals in single
//! quotes, numbers, booleans, null, paths and nested calls.

use super::{Arg, Call, Func, MAX_DEPTH};
use crate::Value;
use crate::{path::ParseError, Path};

pub(super) fn parse(text: &str) -> Result<Call, ParseError> {
    let mut p = Parser { src: text, pos: 0 };
    p.skip_ws();
    let call = p.call(1)?;
    p.skip_ws();
    if p.pos != text.len() {
        return Err(p.error("unexpected text after the closing parenthesis"));
    }
    Ok(call)
}

struct Parser<'a> {
    src: &'a str,
    pos: usize,
}

impl<'a> Parser<'a> {
    fn rest(&self) -> &'a str {
        &self.src[self.pos..]
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn skip_ws(&mut self) {
        let trimmed = self.rest().trim_start();
        self.pos = self.src.len() - trimmed.len();
    }

    fn error(&self, what: &str) -> ParseError {
        ParseError {
            message: format!("Invalid intrinsic function call '{}': {what} at position {}", self.src, self.pos),
        }
    }

    fn call(&mut self, depth: usize) -> Result<Call, ParseError> {
        if depth > MAX_DEPTH {
            return Err(self.error("intrinsic functions nest more than 10 deep"));
        }
        let start = self.pos;
        let name_len = self
            .rest()
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '_'))
            .unwrap_or(self.rest().len());
        let name = &self.rest()[..name_len];
        let func = Func::from_name(name).ok_or_else(|| ParseError {
            message: format!("Unsupported intrinsic function '{name}' in '{}'", self.src),
        })?;
        self.pos += name_len;
        self.skip_ws();
        if self.peek() != Some('(') {
            return Err(self.error("expected '('"));
        }
        self.pos += 1;
        let mut args = Vec::new();
        self.skip_ws();
        if self.peek() == Some(')') {
            self.pos += 1;
        } else {
            loop {
                self.skip_ws();
                args.push(self.arg(depth)?);
                self.skip_ws();
                match self.peek() {
                    Some(',') => self.pos += 1,
                    Some(')') => {
                        self.pos += 1;
                        break;
                    }
                    _ => return Err(self.error("expected ',' or ')'")),
                }
            }
        }
        let (min, max) = func.arity();
        if args.len() < min || max.is_some_and(|max| args.len() > max) {
            let expected = match max {
                None => format!("at least {min}"),
                Some(max) if max == min => format!("{min}"),
                Some(max) => format!("{min} to {max}"),
            };
            return Err(ParseError {
                message: format!("{} takes {expected} argument(s), got {} in '{}'", func.name(), args.len(), self.src),
            });
        }
        let text = self.src[start..self.pos].to_string();
        Ok(Call { text, func, args })
    }

    fn arg(&mut self, depth: usize) -> Result<Arg, ParseError> {
        match self.peek() {
            Some('\'') => self.string(),
            Some('$') => self.path(),
            Some(c) if c == '-' || c.is_ascii_digit() => self.number(),
            Some(_) => {
                for (word, value) in [("true", Value::Bool(true)), ("false", Value::Bool(false)), ("null", Value::Null)]
                {
                    if self.keyword(word) {
                        return Ok(Arg::Literal(value));
                    }
                }
                if self.rest().starts_with("States.") {
                    return Ok(Arg::Call(self.call(depth + 1)?));
                }
                Err(self.error("expected an argument"))
            }
            None => Err(self.error("unexpected end")),
        }
    }

    /// Consumes `word` when it stands alone (followed by a delimiter).
    fn keyword(&mut self, word: &str) -> bool {
        let rest = self.rest();
        let ends =
            rest[word.len().min(rest.len())..].chars().next().is_none_or(|c| c == ',' || c == ')' || c.is_whitespace());
        if rest.starts_with(word) && ends {
            self.pos += word.len();
            true
        } else {
            false
        }
    }

    fn string(&mut self) -> Result<Arg, ParseError> {
        self.pos += 1; // opening quote
        let body_start = self.pos;
        let mut value = String::new();
        let mut chars = self.rest().char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                '\'' => {
                    let raw = self.src[body_start..body_start + i].to_string();
                    self.pos = body_start + i + 1;
                    return Ok(Arg::Str { raw, value });
                }
                '\\' => match chars.next() {
                    Some((_, e @ ('\'' | '{' | '}' | '\\'))) => value.push(e),
                    Some((_, e)) => {
                        value.push('\\');
                        value.push(e);
                    }
                    None => break,
                },
                c => value.push(c),
            }
        }
        Err(self.error("unterminated string literal"))
    }

    fn number(&mut self) -> Result<Arg, ParseError> {
        let len = self
            .rest()
            .find(|c: char| !(c.is_ascii_digit() || matches!(c, '-' | '+' | '.' | 'e' | 'E')))
            .unwrap_or(self.rest().len());
        let token = &self.rest()[..len];
        let mut value: Value =
            crate::json::from_str(token).ok().filter(Value::is_number).ok_or_else(|| self.error("invalid number"))?;
        super::json::zero_for_negative_zero(&mut value);
        self.pos += len;
        Ok(Arg::Literal(value))
    }

    /// A path runs to the next `,` or `)` outside brackets, parentheses and quotes.
    fn path(&mut self) -> Result<Arg, ParseError> {
        let rest = self.rest();
        let mut depth = 0usize;
        let mut quote: Option<char> = None;
        let mut end = rest.len();
        let mut escaped = false;
        for (i, c) in rest.char_indices() {
            if let Some(q) = quote {
                if escaped {
                    escaped = false;
                } else if c == '\\' {
                    escaped = true;
                } else if c == q {
                    quote = None;
                }
                continue;
            }
            match c {
                '\'' | '"' if depth > 0 => quote = Some(c),
                '[' | '(' => depth += 1,
                ']' | ')' if depth > 0 => depth -= 1,
                ',' | ')' => {
                    end = i;
                    break;
                }
                _ => {}
            }
        }
        let text = rest[..end].trim_end();
        let path = Path::parse(text)
            .map_err(|e| ParseError { message: format!("Invalid path '{text}' in '{}': {}", self.src, e.message) })?;
        self.pos += end;
        Ok(Arg::Path(path))
    }
}
