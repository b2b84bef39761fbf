//! The harness's own fixtures without the app window: the real server with two sync
//! clients, the throw-away keyring, and the private bus with no secret service.

use acure_e2e::bus::{owner_pid, SECRETS};
use acure_e2e::keychain::daemons_with_home;
use acure_e2e::{Keychain, PrivateBus, Server, SyncClient, PASSWORD};
use anyhow::{ensure, Context, Result};
use std::process::Command;
use std::time::Instant;

const EMAIL: &str = "anna@example.com";

#[tokio::test]
async fn two_sync_clients_see_each_others_changes_across_a_server_restart() -> Result<()> {
    let started = Instant::now();
    let mut server = Server::new()?;
    server.add_user(EMAIL, PASSWORD, "Анна Петрова")?;
    let mut desk = SyncClient::sign_in(&server.url(), EMAIL, PASSWORD).await?;
    let mut laptop = SyncClient::sign_in_as(&server.url(), EMAIL, PASSWORD, "Laptop").await?;
    ensure!(desk.session.user_id == laptop.session.user_id);

    let before = laptop.pull().await?;
    ensure!(before["profile"]["name"] == "Анна Петрова", "{before}");
    desk.set_name("Anna Karenina").await?;
    let after = laptop.pull().await?;
    ensure!(after["profile"]["name"] == "Anna Karenina", "{after}");
    let active = after["sessions"]
        .as_array()
        .context("sessions")?
        .iter()
        .filter(|s| s["ended_at"].is_null())
        .count();
    ensure!(active == 2, "two active sessions: {after}");

    server.stop()?;
    ensure!(
        laptop.pull().await.is_err(),
        "a stopped server answers nothing"
    );
    server.start()?;
    let mut phone = SyncClient::sign_in_as(&server.url(), EMAIL, PASSWORD, "Phone").await?;
    let kept = phone.pull().await?;
    ensure!(kept["profile"]["name"] == "Anna Karenina", "{kept}");

    let missing = desk.fetch_blob(&"0".repeat(64)).await;
    ensure!(missing.is_err_and(|e| format!("{e:#}").contains("404")));
    desk.end_session(laptop.session.id).await?;
    let revoked = laptop
        .pull()
        .await
        .expect_err("an ended session is refused");
    ensure!(
        format!("{revoked:#}").contains("session.revoked"),
        "{revoked:#}"
    );
    println!("server and sync clients: {:?}", started.elapsed());
    Ok(())
}

#[test]
fn the_keychain_keeps_a_secret_and_leaves_no_daemon_behind() -> Result<()> {
    let started = Instant::now();
    let keychain = Keychain::start()?;
    let (pid, home) = (keychain.pid(), keychain.home());
    let key = [("service", "acure-e2e"), ("user", "t")];
    ensure!(keychain.lookup(&key)?.is_none());
    // As a person's script would store it: `secret-tool store --label=x service acure-e2e user t`.
    keychain.store("x", &key, "s3cret value")?;
    ensure!(keychain.lookup(&key)?.as_deref() == Some("s3cret value"));
    ensure!(keychain
        .lookup(&[("service", "acure-e2e"), ("user", "u")])?
        .is_none());
    drop(keychain);

    ensure!(
        !std::path::Path::new(&format!("/proc/{pid}")).exists(),
        "daemon {pid} outlived its fixture"
    );
    let left = daemons_with_home(&home);
    ensure!(left.is_empty(), "keyring daemons left behind: {left:?}");
    let bus = acure_e2e::bus::session_bus()?;
    ensure!(owner_pid(&bus, SECRETS).is_none(), "{SECRETS} still served");
    println!("keychain: {:?}", started.elapsed());
    Ok(())
}

#[test]
fn a_private_bus_offers_no_secret_service() -> Result<()> {
    let bus = PrivateBus::start()?;
    ensure!(owner_pid(bus.address(), "org.freedesktop.DBus").is_some());
    ensure!(owner_pid(bus.address(), SECRETS).is_none());
    // Asking for a secret there would start a keyring on a standard bus; here it fails.
    let lookup = Command::new("secret-tool")
        .args(["lookup", "service", "acure-e2e"])
        .env("DBUS_SESSION_BUS_ADDRESS", bus.address())
        .output()?;
    ensure!(!lookup.status.success() && !lookup.stderr.is_empty());
    ensure!(owner_pid(bus.address(), SECRETS).is_none());
    Ok(())
}
