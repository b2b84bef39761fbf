//! The real `profile-server` on loopback, on a SQLite file in a throw-away directory.

use crate::{free_port, required_path, PATIENCE};
use anyhow::{bail, Context, Result};
use std::fs::File;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tempfile::TempDir;

/// The built server binary (`ACURE_E2E_SERVER`).
pub fn server_binary() -> Result<PathBuf> {
    required_path("ACURE_E2E_SERVER")
}

/// A running `profile-server serve`; stopped and started again on the same port and
/// database, killed on drop.
pub struct Server {
    dir: TempDir,
    port: u16,
    child: Option<Child>,
    /// Flags `serve` gets at every start, besides the address.
    serve_flags: Vec<String>,
}

impl Server {
    /// Starts a server on a free loopback port with a new, empty database.
    pub fn new() -> Result<Self> {
        Self::with_flags(&[])
    }

    /// Like [`Server::new`], with `serve` given `flags` too (at every start).
    pub fn with_flags(flags: &[&str]) -> Result<Self> {
        let mut server = Self {
            dir: tempfile::Builder::new()
                .prefix("acure-e2e-server-")
                .tempdir()?,
            port: free_port()?,
            child: None,
            serve_flags: flags.iter().map(|f| (*f).to_owned()).collect(),
        };
        server.start()?;
        Ok(server)
    }

    /// The base URL, e.g. `http://127.0.0.1:41234`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The SQLite database file.
    pub fn database(&self) -> PathBuf {
        self.dir.path().join("server.sqlite3")
    }

    /// The server's log (every start appends to it).
    pub fn log(&self) -> PathBuf {
        self.dir.path().join("server.log")
    }

    /// Whether the server process is running.
    pub fn is_running(&mut self) -> bool {
        self.child
            .as_mut()
            .is_some_and(|c| matches!(c.try_wait(), Ok(None)))
    }

    /// Starts the server (again) on its port and database and waits until `/health` answers.
    pub fn start(&mut self) -> Result<()> {
        if self.is_running() {
            bail!("the server is already running on {}", self.url());
        }
        let log = File::options().create(true).append(true).open(self.log())?;
        let mut cmd = self.command()?;
        cmd.arg("serve")
            .args(["--listen", &format!("127.0.0.1:{}", self.port)])
            .args(&self.serve_flags)
            .stdin(Stdio::null())
            // To a file, never our stdout: see `App::launch`.
            .stdout(log.try_clone()?)
            .stderr(log);
        let child = cmd.spawn().context("starting profile-server serve")?;
        self.child = Some(child);
        self.wait_healthy()
            .with_context(|| format!("the server's log: {}", self.log_tail()))
    }

    /// Kills the server and waits until it has exited; the port then refuses connections.
    pub fn stop(&mut self) -> Result<()> {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            child.wait().context("waiting for the server to exit")?;
        }
        Ok(())
    }

    /// Adds a user through the administration CLI (`user add --password-stdin`).
    pub fn add_user(&self, email: &str, password: &str, name: &str) -> Result<()> {
        let mut child = self
            .command()?
            .args(["user", "add", "--email", email, "--name", name])
            .arg("--password-stdin")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .context("starting profile-server user add")?;
        let mut stdin = child.stdin.take().context("the CLI's stdin")?;
        writeln!(stdin, "{password}").context("writing the password to the CLI")?;
        drop(stdin);
        let out = child.wait_with_output()?;
        if !out.status.success() {
            bail!(
                "profile-server user add {email} failed ({}): {}",
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
        Ok(())
    }

    /// Adds a notification channel as an administrator does: `channel add --file` with
    /// `definition` written to a file.
    pub fn add_channel(&self, definition: &serde_json::Value) -> Result<()> {
        let file = self.dir.path().join("channel.json");
        std::fs::write(&file, definition.to_string())?;
        let out = self
            .command()?
            .args(["channel", "add", "--file"])
            .arg(&file)
            .stdin(Stdio::null())
            .output()
            .context("starting profile-server channel add")?;
        if !out.status.success() {
            bail!(
                "profile-server channel add failed ({}): {}",
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
        Ok(())
    }

    /// The server binary on this database, with none of the caller's server settings.
    fn command(&self) -> Result<Command> {
        let mut cmd = Command::new(server_binary()?);
        cmd.arg("--database")
            .arg(self.database())
            .env_remove("DATABASE_URL")
            .env_remove("PROFILE_SERVER_DATABASE")
            .env_remove("PROFILE_SERVER_LISTEN")
            .env("RUST_LOG", "info,sqlx=warn");
        Ok(cmd)
    }

    fn wait_healthy(&mut self) -> Result<()> {
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Some(status) = self.child.as_mut().and_then(|c| c.try_wait().ok()?) {
                bail!("the server exited at start ({status})");
            }
            if health(self.port).is_ok_and(|ok| ok) {
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!("GET {}/health did not answer 200 in time", self.url());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Something else answering on the stopped server's port: the address now reaches a
    /// plain web site. Gone when the returned guard is dropped.
    pub fn impostor(&mut self) -> Result<Impostor> {
        self.stop()?;
        Impostor::start(self.port)
    }

    fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(self.log()).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.stop();
    }
}

/// Whether `GET /health` answers 200 (plain HTTP/1.1: no client runtime needed here).
fn health(port: u16) -> Result<bool> {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_millis(200))?;
    stream.set_read_timeout(Some(Duration::from_secs(2)))?;
    write!(
        stream,
        "GET /health HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"
    )?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer)?;
    Ok(answer.starts_with("HTTP/1.1 200"))
}

/// A web server that is not Acure: every request gets an HTML «404 Not Found» page.
pub struct Impostor {
    port: u16,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Impostor {
    fn start(port: u16) -> Result<Self> {
        let listener = TcpListener::bind(("127.0.0.1", port))
            .with_context(|| format!("binding 127.0.0.1:{port} for the impostor"))?;
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = stop.clone();
        let thread = std::thread::spawn(move || {
            for stream in listener.incoming() {
                if stopped.load(Ordering::SeqCst) {
                    return;
                }
                if let Ok(stream) = stream {
                    let _ = answer_not_found(stream);
                }
            }
        });
        Ok(Self {
            port,
            stop,
            thread: Some(thread),
        })
    }
}

impl Drop for Impostor {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the accept loop so that it sees the flag.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Reads one request (head and body, so the client sees an answer, not a reset) and
/// answers it with a 404 page.
fn answer_not_found(mut stream: TcpStream) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    let mut request = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        let n = stream.read(&mut chunk)?;
        if n == 0 {
            return Ok(());
        }
        request.extend_from_slice(&chunk[..n]);
        if let Some(at) = request.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
    };
    let head = String::from_utf8_lossy(&request[..head_end]).to_ascii_lowercase();
    let length: usize = head
        .lines()
        .find_map(|line| line.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    while request.len() < head_end + length {
        let n = stream.read(&mut chunk)?;
        if n == 0 {
            break;
        }
        request.extend_from_slice(&chunk[..n]);
    }
    let page = "<!doctype html><title>Not Found</title><h1>Not Found</h1>";
    write!(
        stream,
        "HTTP/1.1 404 Not Found\r\nContent-Type: text/html\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{page}",
        page.len()
    )
}
