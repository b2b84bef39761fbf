//! A webhook receiver for the test-notification tests, the server's and the end-to-end ones:
//! HTTPS on loopback with a self-signed certificate for `localhost` (made by rcgen): `/hook`
//! answers 204 and keeps the body it received, `/fail` answers 500. While [`Webhook::hold`]
//! is in force, answers wait (the bodies are kept at once): a test can act while a delivery
//! is still under way.

use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::watch;

/// A running receiver.
pub struct Webhook {
    /// `https://localhost:<port>/hook`.
    pub url: String,
    /// `https://localhost:<port>/fail`, which answers 500.
    pub failing_url: String,
    /// The certificate to trust, PEM.
    pub certificate_pem: String,
    /// Every request body received, in order.
    received: Arc<Mutex<Vec<String>>>,
    held: watch::Sender<bool>,
}

impl Webhook {
    /// The request bodies received so far, in order.
    pub fn bodies(&self) -> Vec<String> {
        self.received
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// From now on, answers wait until [`Webhook::release`].
    pub fn hold(&self) {
        self.held.send_replace(true);
    }

    /// Sends the answers that waited, and answers at once again.
    pub fn release(&self) {
        self.held.send_replace(false);
    }
}

/// Starts a receiver.
pub async fn start() -> Webhook {
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let certificate_pem = cert.cert.pem();
    let identity = native_tls::Identity::from_pkcs8(
        certificate_pem.as_bytes(),
        cert.key_pair.serialize_pem().as_bytes(),
    )
    .unwrap();
    let acceptor =
        tokio_native_tls::TlsAcceptor::from(native_tls::TlsAcceptor::new(identity).unwrap());
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let received = Arc::new(Mutex::new(Vec::new()));
    let kept = received.clone();
    let held = watch::channel(false).0;
    let hold = held.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            let kept = kept.clone();
            let mut hold = hold.subscribe();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(socket).await else {
                    return;
                };
                let mut request = Vec::new();
                let mut status = 204;
                let mut buf = [0u8; 4096];
                // Headers, then as many body bytes as Content-Length says.
                loop {
                    let Ok(n) = tls.read(&mut buf).await else {
                        return;
                    };
                    if n == 0 {
                        return;
                    }
                    request.extend_from_slice(&buf[..n]);
                    let text = String::from_utf8_lossy(&request).into_owned();
                    if let Some(end) = text.find("\r\n\r\n") {
                        let length = text[..end]
                            .lines()
                            .find_map(|l| {
                                let (k, v) = l.split_once(':')?;
                                k.eq_ignore_ascii_case("content-length")
                                    .then(|| v.trim().parse::<usize>().ok())?
                            })
                            .unwrap_or(0);
                        if request.len() >= end + 4 + length {
                            if text.starts_with("POST /fail ") {
                                status = 500;
                            } else {
                                let body = &request[end + 4..end + 4 + length];
                                kept.lock()
                                    .unwrap()
                                    .push(String::from_utf8_lossy(body).into());
                            }
                            break;
                        }
                    }
                }
                let _ = hold.wait_for(|held| !*held).await;
                let answer = format!(
                    "HTTP/1.1 {status} Test\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
                );
                let _ = tls.write_all(answer.as_bytes()).await;
                let _ = tls.shutdown().await;
            });
        }
    });
    Webhook {
        url: format!("https://localhost:{port}/hook"),
        failing_url: format!("https://localhost:{port}/fail"),
        certificate_pem,
        received,
        held,
    }
}
