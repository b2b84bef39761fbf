//! Test tool for the kill-during-save durability test.
//!
//! Usage: `profile-store-writer <db-path> <first-index>`. Opens the store as the app does,
//! then saves the names `name-<first-index>`, `name-<first-index + 1>` … one by one, printing
//! `ack <i>` on stdout only after save `i` has committed. The test kills it with SIGKILL at a
//! random moment and checks that every acknowledged save survived.

use profile_core::{Env, FirstRun, Language, ProfileChanges, ProfileStore};
use std::io::Write;
use std::path::PathBuf;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = PathBuf::from(args.next().ok_or("missing <db-path>")?);
    let first: u64 = args.next().ok_or("missing <first-index>")?.parse()?;
    let store = ProfileStore::open(&path, Env::system()).await?;
    store
        .ensure_profile(FirstRun {
            name: "name-0".into(),
            language: Language::En,
            time_zone: "UTC".into(),
        })
        .await?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "ready")?;
    out.flush()?;
    for i in first.. {
        store
            .update(ProfileChanges {
                name: Some(format!("name-{i}")),
                ..ProfileChanges::default()
            })
            .await?;
        writeln!(out, "ack {i}")?;
        out.flush()?;
    }
    Ok(())
}
