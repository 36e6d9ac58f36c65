//! A minimal HTTP/1.1 keep-alive client for `bench-http`: one connection sends AWS JSON 1.0
//! requests back to back and reads `Content-Length` framed answers (what `stepstone serve`
//! sends). Small on purpose, so that the client costs the machine little next to the server.

use std::io;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// `http://host:port` split into what a connection needs.
#[derive(Debug, Clone)]
pub struct Endpoint {
    /// `host:port`, to connect to.
    pub address: String,
    /// The `Host` header (`host:port`).
    pub host: String,
}

impl Endpoint {
    pub fn parse(url: &str) -> Result<Endpoint, String> {
        let rest =
            url.strip_prefix("http://").ok_or_else(|| format!("only http:// endpoints are supported, not {url}"))?;
        let authority = rest.split('/').next().unwrap_or("");
        if authority.is_empty() {
            return Err(format!("no host in {url}"));
        }
        let address = if authority.contains(':') { authority.to_string() } else { format!("{authority}:80") };
        Ok(Endpoint { address, host: authority.to_string() })
    }
}

/// A whole request, ready to write: the same bytes can be sent many times.
pub fn request(host: &str, action: &str, body: &str) -> Vec<u8> {
    format!(
        "POST / HTTP/1.1\r\nHost: {host}\r\nX-Amz-Target: AWSStepFunctions.{action}\r\n\
         Content-Type: application/x-amz-json-1.0\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// One answer: the status and the body.
pub struct Response {
    pub status: u16,
    pub body: Vec<u8>,
}

impl Response {
    pub fn json(&self) -> Result<serde_json::Value, String> {
        serde_json::from_slice(&self.body).map_err(|e| format!("an answer that is not JSON ({e})"))
    }
}

/// One keep-alive connection.
pub struct Connection {
    stream: TcpStream,
    buffer: Vec<u8>,
}

impl Connection {
    pub async fn open(endpoint: &Endpoint) -> io::Result<Connection> {
        let stream = TcpStream::connect(&endpoint.address).await?;
        stream.set_nodelay(true)?;
        Ok(Connection { stream, buffer: Vec::with_capacity(4096) })
    }

    /// Sends one request (from [`request`]) and reads its answer.
    pub async fn send(&mut self, request: &[u8]) -> io::Result<Response> {
        self.stream.write_all(request).await?;
        self.buffer.clear();
        let (head_end, status, length) = loop {
            if let Some(end) = find(&self.buffer, b"\r\n\r\n") {
                let (status, length) = parse_head(&self.buffer[..end])?;
                break (end + 4, status, length);
            }
            self.fill().await?;
        };
        while self.buffer.len() < head_end + length {
            self.fill().await?;
        }
        let body = self.buffer[head_end..head_end + length].to_vec();
        Ok(Response { status, body })
    }

    async fn fill(&mut self) -> io::Result<()> {
        let start = self.buffer.len();
        self.buffer.resize(start + 16 * 1024, 0);
        let read = self.stream.read(&mut self.buffer[start..]).await;
        let read = match read {
            Ok(n) => n,
            Err(e) => {
                self.buffer.truncate(start);
                return Err(e);
            }
        };
        self.buffer.truncate(start + read);
        if read == 0 {
            return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "the server closed the connection"));
        }
        Ok(())
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The status code and `Content-Length` of a response head.
fn parse_head(head: &[u8]) -> io::Result<(u16, usize)> {
    let bad = |why: &str| io::Error::new(io::ErrorKind::InvalidData, why.to_string());
    let text = std::str::from_utf8(head).map_err(|_| bad("a response head that is not UTF-8"))?;
    let mut lines = text.split("\r\n");
    let status_line = lines.next().unwrap_or("");
    let status = status_line.split(' ').nth(1).and_then(|s| s.parse().ok()).ok_or_else(|| bad("no status code"))?;
    let mut length = None;
    for line in lines {
        let Some((name, value)) = line.split_once(':') else { continue };
        if name.eq_ignore_ascii_case("content-length") {
            length = value.trim().parse().ok();
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            return Err(bad("chunked responses are not supported"));
        }
    }
    Ok((status, length.ok_or_else(|| bad("a response without Content-Length"))?))
}

#[cfg(test)]
mod tests {
    use super::{parse_head, Endpoint};

    #[test]
    fn endpoints_and_heads_parse() {
        let e = Endpoint::parse("http://127.0.0.1:8083/").unwrap();
        assert_eq!((e.address.as_str(), e.host.as_str()), ("127.0.0.1:8083", "127.0.0.1:8083"));
        assert_eq!(Endpoint::parse("http://localhost").unwrap().address, "localhost:80");
        assert!(Endpoint::parse("https://x").is_err());
        let head = b"HTTP/1.1 400 Bad Request\r\ncontent-type: x\r\nContent-Length: 12";
        assert_eq!(parse_head(head).unwrap(), (400, 12));
        assert!(parse_head(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked").is_err());
        assert!(parse_head(b"HTTP/1.1 200 OK").is_err());
    }
}
