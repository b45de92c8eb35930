//! A small HTTP/1.1 keep-alive client over one TCP connection: just enough to
//! drive the service's JSON API, and cheap, so that on a small machine the
//! benchmark spends as little of the CPU it shares with the server as it can.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

/// The largest response accepted: the service's answers are a few KiB, so
/// anything bigger means something is wrong, not a slow read.
const MAX_RESPONSE_BYTES: usize = 1024 * 1024;

/// One answer: its status and its body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The status code.
    pub status: u16,
    /// The body, de-chunked.
    pub body: Vec<u8>,
    /// Whether the server said it closes the connection after this answer.
    pub close: bool,
}

impl Response {
    /// The body as JSON.
    pub fn json(&self) -> Result<serde_json::Value, String> {
        serde_json::from_slice(&self.body).map_err(|e| format!("the answer is not JSON: {e}"))
    }

    /// The body as text, cut short, for error messages.
    pub fn snippet(&self) -> String {
        let text = String::from_utf8_lossy(&self.body);
        text.chars().take(300).collect()
    }

    /// `Ok(self)` if the status is `expected`, else an error naming the request.
    pub fn expect_status(self, expected: u16, what: &str) -> Result<Self, String> {
        if self.status == expected {
            Ok(self)
        } else {
            Err(format!(
                "{what} answered {} (expected {expected}): {}",
                self.status,
                self.snippet()
            ))
        }
    }
}

/// What parsing the bytes read so far gave.
#[derive(Debug, PartialEq, Eq)]
pub enum Parsed {
    /// More bytes are needed.
    Incomplete,
    /// A whole response, which used the first `consumed` bytes.
    Complete {
        /// The response.
        response: Response,
        /// How many bytes of the buffer it took.
        consumed: usize,
    },
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Parses one response from the start of `buf`. The body is framed by
/// `Content-Length` or chunked encoding; a response framed by closing the
/// connection is refused, since no answer of this service is.
pub fn parse_response(buf: &[u8]) -> Result<Parsed, String> {
    let Some(head_end) = find(buf, b"\r\n\r\n") else {
        if buf.len() > MAX_RESPONSE_BYTES {
            return Err("the response head is too large".into());
        }
        return Ok(Parsed::Incomplete);
    };
    let head = std::str::from_utf8(buf.get(..head_end).unwrap_or_default())
        .map_err(|_| "the response head is not UTF-8".to_owned())?;
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let mut parts = status_line.splitn(3, ' ');
    let version = parts.next().unwrap_or_default();
    if !version.starts_with("HTTP/1.") {
        return Err(format!("not an HTTP/1 response: {status_line:?}"));
    }
    let status = parts
        .next()
        .and_then(|s| s.parse::<u16>().ok())
        .ok_or_else(|| format!("bad status line {status_line:?}"))?;
    let mut length = None;
    let mut chunked = false;
    let mut close = false;
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            return Err(format!("bad header line {line:?}"));
        };
        let value = value.trim();
        if name.eq_ignore_ascii_case("content-length") {
            let n = value
                .parse::<usize>()
                .map_err(|_| format!("bad Content-Length {value:?}"))?;
            if n > MAX_RESPONSE_BYTES {
                return Err(format!("a {n}-byte response is too large"));
            }
            length = Some(n);
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            chunked = value.eq_ignore_ascii_case("chunked");
        } else if name.eq_ignore_ascii_case("connection") {
            close = value.eq_ignore_ascii_case("close");
        }
    }
    let body_start = head_end + 4;
    let rest = buf.get(body_start..).unwrap_or_default();
    // 1xx, 204 and 304 answers have no body whatever the headers say.
    if (100..200).contains(&status) || status == 204 || status == 304 {
        return Ok(Parsed::Complete {
            response: Response {
                status,
                body: Vec::new(),
                close,
            },
            consumed: body_start,
        });
    }
    if chunked {
        return Ok(match parse_chunked(rest)? {
            None => Parsed::Incomplete,
            Some((body, used)) => Parsed::Complete {
                response: Response {
                    status,
                    body,
                    close,
                },
                consumed: body_start + used,
            },
        });
    }
    let length = length.ok_or("a response with neither Content-Length nor chunked encoding")?;
    Ok(match rest.get(..length) {
        None => Parsed::Incomplete,
        Some(body) => Parsed::Complete {
            response: Response {
                status,
                body: body.to_vec(),
                close,
            },
            consumed: body_start + length,
        },
    })
}

/// Decodes a chunked body: `None` until the last chunk and its trailer are in.
fn parse_chunked(mut rest: &[u8]) -> Result<Option<(Vec<u8>, usize)>, String> {
    let total = rest.len();
    let mut body = Vec::new();
    loop {
        let Some(line_end) = find(rest, b"\r\n") else {
            return Ok(None);
        };
        let size_line = std::str::from_utf8(rest.get(..line_end).unwrap_or_default())
            .map_err(|_| "bad chunk size line".to_owned())?;
        let size_text = size_line.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size_text, 16)
            .map_err(|_| format!("bad chunk size {size_text:?}"))?;
        if body.len() + size > MAX_RESPONSE_BYTES {
            return Err("the chunked response is too large".into());
        }
        let data_start = line_end + 2;
        if size == 0 {
            // Trailers, if any, end with an empty line.
            let after = rest.get(data_start..).unwrap_or_default();
            if after.starts_with(b"\r\n") {
                let used = total - after.len() + 2;
                return Ok(Some((body, used)));
            }
            return Ok(find(after, b"\r\n\r\n").map(|end| (body, total - after.len() + end + 4)));
        }
        let Some(data) = rest.get(data_start..data_start + size) else {
            return Ok(None);
        };
        body.extend_from_slice(data);
        match rest.get(data_start + size..data_start + size + 2) {
            None => return Ok(None),
            Some(b"\r\n") => {}
            Some(_) => return Err("a chunk does not end with CRLF".into()),
        }
        rest = rest.get(data_start + size + 2..).unwrap_or_default();
    }
}

/// Writes a request with a JSON body (or none) into `out`.
pub fn write_request(out: &mut Vec<u8>, host: &str, method: &str, path: &str, body: &[u8]) {
    out.clear();
    out.extend_from_slice(method.as_bytes());
    out.push(b' ');
    out.extend_from_slice(path.as_bytes());
    out.extend_from_slice(b" HTTP/1.1\r\nHost: ");
    out.extend_from_slice(host.as_bytes());
    if body.is_empty() && method == "GET" {
        out.extend_from_slice(b"\r\n\r\n");
        return;
    }
    out.extend_from_slice(b"\r\nContent-Type: application/json\r\nContent-Length: ");
    out.extend_from_slice(body.len().to_string().as_bytes());
    out.extend_from_slice(b"\r\n\r\n");
    out.extend_from_slice(body);
}

/// One keep-alive connection to the server, used for one request at a time.
#[derive(Debug)]
pub struct Conn {
    addr: SocketAddr,
    host: String,
    stream: Option<TcpStream>,
    read: Vec<u8>,
    write: Vec<u8>,
}

impl Conn {
    /// A connection to `addr`, opened now so that a refused connection shows
    /// at once.
    pub async fn open(addr: SocketAddr) -> Result<Self, String> {
        let mut conn = Self {
            addr,
            host: addr.to_string(),
            stream: None,
            read: Vec::new(),
            write: Vec::new(),
        };
        conn.connect().await?;
        Ok(conn)
    }

    async fn connect(&mut self) -> Result<(), String> {
        let stream = TcpStream::connect(self.addr)
            .await
            .map_err(|e| format!("cannot connect to {}: {e}", self.addr))?;
        // Requests are single small writes; waiting for Nagle would add
        // latency that is the client's, not the server's.
        stream
            .set_nodelay(true)
            .map_err(|e| format!("TCP_NODELAY: {e}"))?;
        self.stream = Some(stream);
        self.read.clear();
        Ok(())
    }

    /// Sends a request without reading the answer (for long polls held open).
    pub async fn send(&mut self, method: &str, path: &str, body: &[u8]) -> Result<(), String> {
        if self.stream.is_none() {
            self.connect().await?;
        }
        write_request(&mut self.write, &self.host, method, path, body);
        let stream = self.stream.as_mut().ok_or("not connected")?;
        stream
            .write_all(&self.write)
            .await
            .map_err(|e| format!("{method} {path}: cannot send: {e}"))
    }

    /// Reads the answer to the request sent last.
    pub async fn receive(&mut self) -> Result<Response, String> {
        let stream = self.stream.as_mut().ok_or("not connected")?;
        loop {
            if let Parsed::Complete { response, consumed } = parse_response(&self.read)? {
                self.read.drain(..consumed);
                if response.close {
                    self.stream = None;
                }
                return Ok(response);
            }
            if self.read.capacity() - self.read.len() < 4096 {
                self.read.reserve(8192);
            }
            let n = stream
                .read_buf(&mut self.read)
                .await
                .map_err(|e| format!("cannot read the answer: {e}"))?;
            if n == 0 {
                self.stream = None;
                return Err("the server closed the connection before answering".into());
            }
        }
    }

    /// Sends a request and reads its answer, within `limit`.
    pub async fn request(
        &mut self,
        method: &str,
        path: &str,
        body: &[u8],
        limit: Duration,
    ) -> Result<Response, String> {
        let exchange = async {
            self.send(method, path, body).await?;
            self.receive().await
        };
        match tokio::time::timeout(limit, exchange).await {
            Ok(answer) => answer.map_err(|e| format!("{method} {path}: {e}")),
            Err(_) => {
                // The connection is in an unknown state: start afresh.
                self.stream = None;
                Err(format!(
                    "{method} {path}: no answer within {} s",
                    limit.as_secs_f64()
                ))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn complete(buf: &[u8]) -> (Response, usize) {
        match parse_response(buf).unwrap() {
            Parsed::Complete { response, consumed } => (response, consumed),
            Parsed::Incomplete => panic!("incomplete"),
        }
    }

    #[test]
    fn parses_a_content_length_response_and_leaves_the_next() {
        let buf = b"HTTP/1.1 201 Created\r\ncontent-type: application/json\r\ncontent-length: 7\r\n\r\n{\"a\":1}HTTP/1.1";
        let (response, consumed) = complete(buf);
        assert_eq!(response.status, 201);
        assert_eq!(response.body, b"{\"a\":1}");
        assert!(!response.close);
        assert_eq!(&buf[consumed..], b"HTTP/1.1");
    }

    #[test]
    fn waits_for_the_whole_body_and_head() {
        let full = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
        for cut in 0..full.len() {
            assert_eq!(
                parse_response(&full[..cut]).unwrap(),
                Parsed::Incomplete,
                "cut at {cut}"
            );
        }
        assert_eq!(complete(full).0.body, b"ok");
    }

    #[test]
    fn decodes_chunked_bodies() {
        let full = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n2\r\nok\r\n3;x=y\r\n!!!\r\n0\r\n\r\nrest";
        let (response, consumed) = complete(full);
        assert_eq!(response.body, b"ok!!!");
        assert!(response.close);
        assert_eq!(&full[consumed..], b"rest");
        for cut in 0..full.len() - 4 {
            assert_eq!(parse_response(&full[..cut]).unwrap(), Parsed::Incomplete);
        }
    }

    #[test]
    fn refuses_what_it_cannot_frame() {
        assert!(parse_response(b"HTTP/1.1 200 OK\r\n\r\nok").is_err());
        assert!(parse_response(b"SSH-2.0-x\r\n\r\n").is_err());
        assert!(parse_response(b"HTTP/1.1 abc OK\r\n\r\n").is_err());
        let (no_body, _) = complete(b"HTTP/1.1 204 No Content\r\n\r\n");
        assert_eq!(no_body.status, 204);
    }

    #[test]
    fn writes_requests_with_and_without_bodies() {
        let mut out = Vec::new();
        write_request(&mut out, "127.0.0.1:1", "GET", "/x", b"");
        assert_eq!(out, b"GET /x HTTP/1.1\r\nHost: 127.0.0.1:1\r\n\r\n");
        write_request(&mut out, "h", "POST", "/y", b"{}");
        assert_eq!(
            out,
            b"POST /y HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"
        );
    }
}
