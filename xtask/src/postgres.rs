//! A private PostgreSQL for the server tests: its own cluster in a temporary directory,
//! listening on loopback only, stopped and removed when dropped (also when tests fail).

use crate::process::run;
use crate::setup;
use anyhow::{bail, Context, Result};
use std::io::Read;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The variable that hands the database URL to the server tests.
pub const URL_VAR: &str = "ACURE_TEST_POSTGRES_URL";

/// Where Debian installs each PostgreSQL version's programs.
const DEBIAN_LIB: &str = "/usr/lib/postgresql";

/// A running private cluster; stopped and deleted on drop.
pub struct PrivatePostgres {
    bin: PathBuf,
    data: PathBuf,
    /// Whether the programs run as the `postgres` user (we are root; PostgreSQL refuses root).
    as_postgres: bool,
    url: String,
    // Last, so it is removed after the server has stopped.
    dir: tempfile::TempDir,
}

impl PrivatePostgres {
    /// Installs Debian's `postgresql` if missing, then starts a fresh cluster with one
    /// database, `acure_test`.
    pub fn start() -> Result<Self> {
        if !cfg!(target_os = "linux") {
            bail!(
                "the server layer starts PostgreSQL from Debian's packages; elsewhere, set \
                 {URL_VAR} to the URL of a database the tests may fill"
            );
        }
        setup::ensure_debian_packages(&["postgresql"])?;
        let bin = newest_bin_dir()?;
        let as_postgres = setup::is_root();
        let dir = tempfile::Builder::new()
            .prefix("acure-postgres-")
            .tempdir()
            .context("creating the PostgreSQL directory")?;
        let password = random_hex(16)?;
        let pwfile = dir.path().join("pwfile");
        std::fs::write(&pwfile, &password)?;
        if as_postgres {
            run(Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(dir.path()))?;
        }
        let mut cluster = Self {
            data: dir.path().join("data"),
            bin,
            as_postgres,
            url: String::new(),
            dir,
        };
        // Local (socket) connections trust the OS user; TCP ones need the password.
        run(cluster
            .tool("initdb")
            .arg("-D")
            .arg(&cluster.data)
            .args(["-U", "postgres", "-E", "UTF8", "--no-locale"])
            .args(["--auth-local=trust", "--auth-host=scram-sha-256"])
            .arg(format!("--pwfile={}", pwfile.display())))?;
        std::fs::remove_file(&pwfile)?;
        let port = free_port()?;
        let socket_dir = cluster.dir.path().display().to_string();
        // Durability is worthless for a throw-away cluster; fsync off makes the tests quick.
        let options = format!(
            "-c listen_addresses=127.0.0.1 -p {port} -c unix_socket_directories={socket_dir} \
             -c fsync=off -c synchronous_commit=off -c full_page_writes=off \
             -c max_connections=300"
        );
        let log = cluster.dir.path().join("postgres.log");
        let started = run(cluster
            .tool("pg_ctl")
            .arg("-D")
            .arg(&cluster.data)
            .arg("-l")
            .arg(&log)
            .args(["-w", "-t", "60", "-o", &options, "start"]));
        if let Err(err) = started {
            let tail = std::fs::read_to_string(&log).unwrap_or_default();
            bail!("{err:#}\nPostgreSQL's log:\n{tail}");
        }
        run(cluster
            .tool("createdb")
            .args(["-h", &socket_dir, "-p", &port.to_string(), "-U", "postgres"])
            .arg("acure_test"))?;
        cluster.url = format!("postgres://postgres:{password}@127.0.0.1:{port}/acure_test");
        eprintln!("xtask: private PostgreSQL on 127.0.0.1:{port} in {socket_dir}");
        Ok(cluster)
    }

    /// The database's URL (with its password).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// One of the cluster's programs, run as the `postgres` user when we are root.
    fn tool(&self, name: &str) -> Command {
        let program = self.bin.join(name);
        if self.as_postgres {
            let mut cmd = Command::new("runuser");
            cmd.args(["-u", "postgres", "--"]).arg(program);
            cmd
        } else {
            Command::new(program)
        }
    }
}

impl Drop for PrivatePostgres {
    fn drop(&mut self) {
        if !self.data.join("postmaster.pid").exists() {
            return;
        }
        let stopped = run(self
            .tool("pg_ctl")
            .arg("-D")
            .arg(&self.data)
            .args(["-m", "fast", "-w", "-t", "60", "stop"]));
        if let Err(err) = stopped {
            // Immediate mode kills the backends; the directory goes either way.
            eprintln!("xtask: {err:#}; stopping PostgreSQL at once");
            let _ = run(self.tool("pg_ctl").arg("-D").arg(&self.data).args([
                "-m",
                "immediate",
                "-w",
                "stop",
            ]));
        }
    }
}

/// The `bin` directory of the newest PostgreSQL version Debian installed.
fn newest_bin_dir() -> Result<PathBuf> {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir(DEBIAN_LIB)
        .with_context(|| format!("reading {DEBIAN_LIB}"))?
        .filter_map(|entry| {
            let entry = entry.ok()?;
            let version = entry.file_name().to_str()?.parse().ok()?;
            let bin = entry.path().join("bin");
            has_initdb(&bin).then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions
        .pop()
        .map(|(_, bin)| bin)
        .with_context(|| format!("no PostgreSQL with initdb under {DEBIAN_LIB}"))
}

fn has_initdb(bin: &Path) -> bool {
    bin.join("initdb").is_file() && bin.join("pg_ctl").is_file()
}

/// A port on loopback nobody listens on right now.
fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// `bytes` random bytes from the OS, as hex.
fn random_hex(bytes: usize) -> Result<String> {
    let mut buf = vec![0u8; bytes];
    std::fs::File::open("/dev/urandom")?.read_exact(&mut buf)?;
    Ok(buf.iter().map(|b| format!("{b:02x}")).collect())
}
