//! A throw-away GNOME Keyring (the freedesktop Secret Service) on the test run's session
//! bus, for the app to keep its server session secret in; `secret-tool` reads it back.

use crate::bus::{owner_pid, processes_with_env, session_bus, SECRETS};
use crate::PATIENCE;
use anyhow::{bail, Context, Result};
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};
use tempfile::TempDir;

const DAEMON: &str = "gnome-keyring-daemon";

// An empty password leaves the login keyring uncreated, and the first write then asks a
// prompter (a window under Xvfb, which nobody answers) to create one. Any other unlocks it.
const LOGIN_PASSWORD: &str = "acure-e2e";

/// A running `gnome-keyring-daemon` with an unlocked login keyring in a throw-away HOME,
/// owning `org.freedesktop.secrets` on the session bus. Killed on drop, with any daemon
/// left behind with its HOME.
pub struct Keychain {
    dir: TempDir,
    bus: String,
    child: Child,
}

impl Keychain {
    /// Starts the daemon and waits until it owns the Secret Service name on the session bus.
    /// One at a time per bus: a second one would find the name taken and fail.
    pub fn start() -> Result<Self> {
        let bus = session_bus()?;
        if let Some(pid) = owner_pid(&bus, SECRETS) {
            // The test run's own bus starts a keyring by itself when anything asks for the
            // Secret Service (the desktop portal does): that one, locked, is replaced.
            if !is_keyring_daemon(pid) {
                bail!("process {pid} already serves {SECRETS} on the session bus");
            }
            let _ = Command::new("kill")
                .args(["-s", "KILL", "--", &pid.to_string()])
                .status();
            let deadline = Instant::now() + Duration::from_secs(5);
            while owner_pid(&bus, SECRETS).is_some() {
                if Instant::now() > deadline {
                    bail!("the auto-started keyring {pid} did not leave the session bus");
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        let dir = tempfile::Builder::new()
            .prefix("acure-e2e-keyring-")
            .tempdir()?;
        let home = dir.path().join("home");
        let runtime = dir.path().join("run");
        std::fs::create_dir_all(home.join(".local/share"))?;
        std::fs::create_dir_all(&runtime)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&runtime, std::fs::Permissions::from_mode(0o700))?;
        }
        let log = File::create(dir.path().join("daemon.log"))?;
        let mut cmd = Command::new(DAEMON);
        // Its own process group: drop ends whatever it starts along with it.
        #[cfg(unix)]
        std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
        cmd.args(["--unlock", "--components=secrets", "--foreground"])
            .env("DBUS_SESSION_BUS_ADDRESS", &bus)
            .env("HOME", &home)
            .env("XDG_DATA_HOME", home.join(".local/share"))
            .env("XDG_CONFIG_HOME", home.join(".config"))
            .env("XDG_CACHE_HOME", home.join(".cache"))
            // Its control socket goes here, not into the caller's runtime directory.
            .env("XDG_RUNTIME_DIR", &runtime)
            .stdin(Stdio::piped())
            .stdout(log.try_clone()?)
            .stderr(log);
        let mut child = cmd
            .spawn()
            .with_context(|| format!("starting {DAEMON} (package gnome-keyring)"))?;
        let mut stdin = child.stdin.take().context("the daemon's stdin")?;
        // --unlock reads the password up to end of input.
        let written = stdin.write_all(LOGIN_PASSWORD.as_bytes());
        drop(stdin);
        let keychain = Self { dir, bus, child };
        written.context("writing the keyring password")?;
        keychain.wait_on_bus()?;
        Ok(keychain)
    }

    /// The daemon's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The daemon's throw-away HOME (its keyrings are under `.local/share/keyrings`).
    pub fn home(&self) -> PathBuf {
        self.dir.path().join("home")
    }

    /// The secret stored under exactly these attributes, if any (`secret-tool lookup`).
    pub fn lookup(&self, attributes: &[(&str, &str)]) -> Result<Option<String>> {
        let out = self.secret_tool(&["lookup"], attributes, None)?;
        if out.status.success() {
            return Ok(Some(String::from_utf8(out.stdout)?));
        }
        // Nothing found is exit status 1 with nothing said.
        if out.stderr.is_empty() {
            return Ok(None);
        }
        bail!(
            "secret-tool lookup failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )
    }

    /// Stores `secret` under `attributes` in the default keyring (`secret-tool store`).
    pub fn store(&self, label: &str, attributes: &[(&str, &str)], secret: &str) -> Result<()> {
        let label = format!("--label={label}");
        let out = self.secret_tool(&["store", &label], attributes, Some(secret))?;
        if !out.status.success() {
            bail!(
                "secret-tool store failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
        Ok(())
    }

    /// Runs `secret-tool <args> <attributes>` on our bus with `stdin` as its input.
    fn secret_tool(
        &self,
        args: &[&str],
        attributes: &[(&str, &str)],
        stdin: Option<&str>,
    ) -> Result<Output> {
        let mut cmd = Command::new("secret-tool");
        cmd.args(args)
            .args(attributes.iter().flat_map(|(k, v)| [*k, *v]))
            .env("DBUS_SESSION_BUS_ADDRESS", &self.bus)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd
            .spawn()
            .context("starting secret-tool (package libsecret-tools)")?;
        let mut input = child.stdin.take().context("secret-tool's stdin")?;
        if let Some(secret) = stdin {
            input.write_all(secret.as_bytes())?;
        }
        drop(input);
        Ok(child.wait_with_output()?)
    }

    fn wait_on_bus(&self) -> Result<()> {
        let deadline = Instant::now() + PATIENCE;
        loop {
            match owner_pid(&self.bus, SECRETS) {
                Some(pid) if pid == self.pid() => return Ok(()),
                Some(pid) => bail!("process {pid}, not our keyring, took {SECRETS}"),
                None => {}
            }
            if Instant::now() > deadline {
                let log = std::fs::read_to_string(self.dir.path().join("daemon.log"));
                bail!(
                    "{DAEMON} did not take {SECRETS} on the bus within {PATIENCE:?}: {}",
                    log.unwrap_or_default().trim()
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Keychain {
    fn drop(&mut self) {
        #[cfg(unix)]
        let _ = Command::new("kill")
            .args(["-s", "KILL", "--", &format!("-{}", self.child.id())])
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
        for pid in daemons_with_home(&self.home()) {
            let _ = Command::new("kill")
                .args(["-s", "KILL", "--", &pid.to_string()])
                .status();
        }
        // The bus notices the exit on its own time; the next keychain needs the name free.
        let deadline = Instant::now() + Duration::from_secs(5);
        while owner_pid(&self.bus, SECRETS).is_some() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// Whether process `pid` is a GNOME keyring daemon (its command name, cut to 15 bytes).
fn is_keyring_daemon(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/comm"))
        .is_ok_and(|comm| DAEMON.starts_with(comm.trim()))
}

/// Running keyring daemons whose HOME is `home` (none should outlive their [`Keychain`]).
pub fn daemons_with_home(home: &Path) -> Vec<u32> {
    let Some(binary) = on_path(DAEMON) else {
        return Vec::new();
    };
    processes_with_env(&binary, "HOME", &home.display().to_string())
}

fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}
