//! The path parser: text to a root and a list of segments.
//!
//! Dialect notes (AWS runs Jayway JsonPath):
//! - dot names run to the next `.` or `[` and may hold `-`, `@`, digits and any unicode;
//! - in a quoted bracket name a backslash only stops the next character from closing the
//!   quote; both characters are kept, as AWS does (`$['a\"b']` reads the key `a\"b`).

use super::{filter, ParseError, Root, Segment};

/// A cursor over the path text.
pub(super) struct Cursor<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Cursor<'a> {
    pub(super) fn new(text: &'a str) -> Self {
        Cursor { text, pos: 0 }
    }

    pub(super) fn peek(&self) -> Option<char> {
        self.text[self.pos..].chars().next()
    }

    pub(super) fn peek2(&self) -> Option<char> {
        let mut it = self.text[self.pos..].chars();
        it.next();
        it.next()
    }

    pub(super) fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    pub(super) fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.pos += c.len_utf8();
            true
        } else {
            false
        }
    }

    pub(super) fn rest(&self) -> &'a str {
        &self.text[self.pos..]
    }

    pub(super) fn advance(&mut self, bytes: usize) {
        self.pos = (self.pos + bytes).min(self.text.len());
    }

    pub(super) fn skip_ws(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.bump();
        }
    }

    pub(super) fn expect(&mut self, c: char) -> Result<(), ParseError> {
        if self.eat(c) {
            Ok(())
        } else {
            Err(self.error(&format!("expected '{c}'")))
        }
    }

    pub(super) fn error(&self, what: &str) -> ParseError {
        match self.peek() {
            Some(c) => ParseError::new(format!("{what} at position {}, found '{c}'", self.pos)),
            None => ParseError::new(format!("{what} at the end of the path")),
        }
    }
}

/// Parses a whole path.
pub(super) fn parse(text: &str) -> Result<(Root, Vec<Segment>), ParseError> {
    let mut cur = Cursor::new(text);
    if !cur.eat('$') {
        return Err(ParseError::new("a path must start with '$'"));
    }
    let root = if cur.eat('$') {
        Root::Context
    } else if cur.peek().is_some_and(|c| c.is_alphabetic() || c == '_') {
        let mut name = String::new();
        while let Some(c) = cur.peek().filter(|&c| c.is_alphanumeric() || c == '_') {
            name.push(c);
            cur.bump();
        }
        Root::Variable(name.into())
    } else {
        Root::Input
    };
    let segments = segments(&mut cur, false)?;
    if cur.peek().is_some() {
        return Err(cur.error("unexpected character"));
    }
    Ok((root, segments))
}

/// Parses segments until the text ends (or, inside a filter, until a character that can't
/// continue a path).
pub(super) fn segments(cur: &mut Cursor, in_filter: bool) -> Result<Vec<Segment>, ParseError> {
    let mut out = Vec::new();
    loop {
        match cur.peek() {
            Some('.') => {
                cur.bump();
                if cur.eat('.') {
                    let inner = match cur.peek() {
                        Some('*') => {
                            cur.bump();
                            Segment::Wildcard
                        }
                        Some('[') => {
                            cur.bump();
                            bracket(cur)?
                        }
                        _ => Segment::Name(name(cur, in_filter)?.into()),
                    };
                    out.push(Segment::Scan(Box::new(inner)));
                } else if cur.eat('*') {
                    out.push(Segment::Wildcard);
                } else {
                    out.push(Segment::Name(name(cur, in_filter)?.into()));
                }
            }
            Some('[') => {
                cur.bump();
                out.push(bracket(cur)?);
            }
            _ => return Ok(out),
        }
    }
}

/// A dot name: up to the next `.` or `[` (inside a filter also up to an operator or `)`).
fn name(cur: &mut Cursor, in_filter: bool) -> Result<String, ParseError> {
    let mut out = String::new();
    while let Some(c) = cur.peek() {
        let stop = match c {
            '.' | '[' => true,
            '=' | '!' | '<' | '>' | '&' | '|' | ')' | ',' => in_filter,
            c if c.is_whitespace() => in_filter,
            _ => false,
        };
        if stop {
            break;
        }
        if c.is_whitespace() || matches!(c, '(' | ')' | ']' | '\'' | '"') {
            return Err(cur.error("unexpected character in a property name"));
        }
        out.push(c);
        cur.bump();
    }
    if out.is_empty() {
        return Err(cur.error("expected a property name after '.'"));
    }
    Ok(out)
}

/// The inside of `[...]`, after the `[`.
fn bracket(cur: &mut Cursor) -> Result<Segment, ParseError> {
    cur.skip_ws();
    let seg = match cur.peek() {
        Some('*') => {
            cur.bump();
            Segment::Wildcard
        }
        Some('?') => {
            cur.bump();
            cur.skip_ws();
            cur.expect('(')?;
            let expr = filter::parse(cur)?;
            cur.skip_ws();
            cur.expect(')')?;
            Segment::Filter(Box::new(expr))
        }
        Some('\'' | '"') => {
            let mut names = vec![quoted(cur)?];
            cur.skip_ws();
            while cur.eat(',') {
                cur.skip_ws();
                names.push(quoted(cur)?);
                cur.skip_ws();
            }
            if names.len() == 1 {
                Segment::Name(names.remove(0).into())
            } else {
                Segment::Names(names.into_iter().map(Into::into).collect())
            }
        }
        Some(c) if c == '-' || c == ':' || c.is_ascii_digit() => numbers(cur)?,
        _ => return Err(cur.error("expected '*', '?', a quoted name or an index after '['")),
    };
    cur.skip_ws();
    cur.expect(']')?;
    Ok(seg)
}

/// A quoted name, kept as written (see the module notes on backslashes).
fn quoted(cur: &mut Cursor) -> Result<String, ParseError> {
    let Some(quote) = cur.bump() else {
        return Err(cur.error("expected a quoted name"));
    };
    let mut out = String::new();
    loop {
        match cur.bump() {
            None => return Err(ParseError::new("unterminated quoted name")),
            Some('\\') => {
                out.push('\\');
                match cur.bump() {
                    Some(c) => out.push(c),
                    None => return Err(ParseError::new("unterminated quoted name")),
                }
            }
            Some(c) if c == quote => return Ok(out),
            Some(c) => out.push(c),
        }
    }
}

/// `[3]`, `[-1]`, `[0,2]`, `[1:3]`, `[:2]`, `[-2:]`.
fn numbers(cur: &mut Cursor) -> Result<Segment, ParseError> {
    let first = int(cur)?;
    cur.skip_ws();
    if cur.eat(':') {
        cur.skip_ws();
        let end = int(cur)?;
        return Ok(Segment::Slice { start: first, end });
    }
    let Some(first) = first else {
        return Err(cur.error("expected an index"));
    };
    let mut all = vec![first];
    while cur.eat(',') {
        cur.skip_ws();
        match int(cur)? {
            Some(i) => all.push(i),
            None => return Err(cur.error("expected an index after ','")),
        }
        cur.skip_ws();
    }
    Ok(if all.len() == 1 { Segment::Index(first) } else { Segment::Indexes(all.into()) })
}

/// An optional integer.
fn int(cur: &mut Cursor) -> Result<Option<i64>, ParseError> {
    let rest = cur.rest();
    let len = rest
        .char_indices()
        .take_while(|&(i, c)| c.is_ascii_digit() || (i == 0 && c == '-'))
        .map(|(i, c)| i + c.len_utf8())
        .last()
        .unwrap_or(0);
    if len == 0 {
        return Ok(None);
    }
    let n = rest[..len].parse::<i64>().map_err(|_| cur.error("bad index"))?;
    cur.advance(len);
    Ok(Some(n))
}
