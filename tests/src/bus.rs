//! Session buses: a private one that can start no service (so no secret service is ever
//! reachable on it), and who owns a name on a bus.

use anyhow::{bail, Context, Result};
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, ChildStdout, Command, Stdio};
use tempfile::TempDir;

/// The well-known name of the freedesktop Secret Service.
pub const SECRETS: &str = "org.freedesktop.secrets";

/// The session's bus, from `DBUS_SESSION_BUS_ADDRESS` (set by `dbus-run-session`).
pub fn session_bus() -> Result<String> {
    std::env::var("DBUS_SESSION_BUS_ADDRESS").context(
        "DBUS_SESSION_BUS_ADDRESS is not set: run the end-to-end tests inside dbus-run-session",
    )
}

/// The process id of the owner of `name` on the bus at `address`, if it has one. Asking
/// never starts (activates) a service.
pub fn owner_pid(address: &str, name: &str) -> Option<u32> {
    let out = Command::new("dbus-send")
        .arg(format!("--bus={address}"))
        .args(["--print-reply", "--dest=org.freedesktop.DBus", "/"])
        .arg("org.freedesktop.DBus.GetConnectionUnixProcessID")
        .arg(format!("string:{name}"))
        .stderr(Stdio::null())
        .output()
        .ok()?;
    let reply = String::from_utf8_lossy(&out.stdout);
    let pid = reply.split_once("uint32 ")?.1.trim().parse().ok()?;
    out.status.success().then_some(pid)
}

// Like the standard session bus, but without service directories: nothing is activated.
const CONFIG: &str = r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=SOCKET</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"#;

/// A private session bus on which no service can be started: an app given its address
/// (`Device::use_session_bus`) finds no secret service. Killed on drop.
pub struct PrivateBus {
    address: String,
    child: Child,
    // Held so that the daemon never writes into a closed pipe.
    _stdout: BufReader<ChildStdout>,
    _dir: TempDir,
}

impl PrivateBus {
    /// Starts `dbus-daemon` with a configuration that names no service directory.
    pub fn start() -> Result<Self> {
        let dir = tempfile::Builder::new()
            .prefix("acure-e2e-bus-")
            .tempdir()?;
        let socket = dir.path().join("bus");
        let config = dir.path().join("bus.conf");
        std::fs::write(
            &config,
            CONFIG.replace("SOCKET", &socket.display().to_string()),
        )?;
        let log = File::create(dir.path().join("dbus-daemon.log"))?;
        let mut child = Command::new("dbus-daemon")
            .arg(format!("--config-file={}", config.display()))
            .args(["--nofork", "--print-address=1"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .context("starting dbus-daemon (package dbus)")?;
        let mut stdout = BufReader::new(child.stdout.take().context("dbus-daemon's stdout")?);
        let mut address = String::new();
        let read = stdout.read_line(&mut address);
        let address = address.trim().to_owned();
        if read.is_err() || address.is_empty() {
            let _ = child.kill();
            let _ = child.wait();
            let log = std::fs::read_to_string(dir.path().join("dbus-daemon.log"));
            bail!(
                "dbus-daemon printed no address: {}",
                log.unwrap_or_default()
            );
        }
        Ok(Self {
            address,
            child,
            _stdout: stdout,
            _dir: dir,
        })
    }

    /// The bus's address, for `DBUS_SESSION_BUS_ADDRESS`.
    pub fn address(&self) -> &str {
        &self.address
    }
}

impl Drop for PrivateBus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Process ids of running `binary`s whose environment holds `var=value` (Linux: /proc).
pub fn processes_with_env(binary: &Path, var: &str, value: &str) -> Vec<u32> {
    let wanted = format!("{var}={value}").into_bytes();
    crate::running_instances(binary)
        .into_iter()
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/environ"))
                .is_ok_and(|env| env.split(|b| *b == 0).any(|entry| entry == wanted))
        })
        .collect()
}
