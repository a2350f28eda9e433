//! A real SMTP server for the tests: speaks enough of RFC 5321 for a
//! client (EHLO, MAIL, RCPT, DATA, RSET, NOOP, QUIT), keeps every message it
//! accepted, and can refuse the first `refuse` transactions with 451.

use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// A running test SMTP server.
pub struct SmtpServer {
    /// `smtp://127.0.0.1:PORT`.
    pub url: String,
    messages: Arc<Mutex<Vec<String>>>,
}

impl SmtpServer {
    /// Starts one on a free port; the first `refuse` MAIL commands get 451.
    pub async fn start(refuse: usize) -> SmtpServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("smtp://{}", listener.local_addr().unwrap());
        let messages: Arc<Mutex<Vec<String>>> = Arc::default();
        let refusals = Arc::new(Mutex::new(refuse));
        let kept = messages.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let kept = kept.clone();
                let refusals = refusals.clone();
                tokio::spawn(async move {
                    let (read, mut write) = stream.into_split();
                    let mut lines = BufReader::new(read).lines();
                    let _ = write.write_all(b"220 test ESMTP\r\n").await;
                    while let Ok(Some(line)) = lines.next_line().await {
                        let verb = line.get(..4).unwrap_or("").to_ascii_uppercase();
                        let reply: &[u8] = match verb.as_str() {
                            "EHLO" | "HELO" => b"250-test\r\n250 8BITMIME\r\n",
                            "MAIL" => {
                                let mut left = refusals.lock().unwrap();
                                if *left > 0 {
                                    *left -= 1;
                                    b"451 4.3.0 try again later\r\n"
                                } else {
                                    b"250 OK\r\n"
                                }
                            }
                            "DATA" => {
                                let _ = write.write_all(b"354 go on\r\n").await;
                                let mut message = String::new();
                                while let Ok(Some(l)) = lines.next_line().await {
                                    if l == "." {
                                        break;
                                    }
                                    message.push_str(l.strip_prefix('.').unwrap_or(&l));
                                    message.push_str("\r\n");
                                }
                                kept.lock().unwrap().push(message);
                                b"250 OK queued\r\n"
                            }
                            "QUIT" => {
                                let _ = write.write_all(b"221 bye\r\n").await;
                                break;
                            }
                            _ => b"250 OK\r\n",
                        };
                        if write.write_all(reply).await.is_err() {
                            break;
                        }
                    }
                });
            }
        });
        SmtpServer { url, messages }
    }

    /// The messages accepted so far, as received (headers and body).
    pub fn messages(&self) -> Vec<String> {
        self.messages.lock().unwrap().clone()
    }

    /// Waits up to ten seconds until `count` messages arrived; returns them
    /// with quoted-printable bodies decoded, as a mail program shows them.
    pub async fn wait_for(&self, count: usize) -> Vec<String> {
        for _ in 0..100 {
            let got = self.messages();
            if got.len() >= count {
                return got.iter().map(|m| decoded(m)).collect();
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("expected {count} mails, got {:?}", self.messages());
    }
}

/// `mail` with a quoted-printable body decoded (soft line breaks joined,
/// `=XX` escapes of ASCII undone); other mail as it is.
pub fn decoded(mail: &str) -> String {
    let Some((head, body)) = mail.split_once("\r\n\r\n") else {
        return mail.to_owned();
    };
    if !head.contains("Content-Transfer-Encoding: quoted-printable") {
        return mail.to_owned();
    }
    let joined = body.replace("=\r\n", "");
    let mut out = String::new();
    let mut rest = joined.as_str();
    while let Some(at) = rest.find('=') {
        out.push_str(&rest[..at]);
        let code = rest
            .get(at + 1..at + 3)
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match code {
            Some(byte) if byte.is_ascii() => {
                out.push(byte as char);
                rest = &rest[at + 3..];
            }
            _ => {
                out.push('=');
                rest = &rest[at + 1..];
            }
        }
    }
    out.push_str(rest);
    format!("{head}\r\n\r\n{out}")
}
