//! Where a server session's secret is kept: the OS keychain, or where none exists (a bare
//! Linux machine) a file only this user can read, which the person is told about once.

use crate::error::CoreError;
use crate::private_files;
use serde::{Deserialize, Deserializer};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use uuid::Uuid;
use zeroize::Zeroizing;

/// The keychain entries' service name.
pub const KEYCHAIN_SERVICE: &str = "acure-profile";
/// The fallback file's name in the data directory.
pub const SECRET_FILE: &str = "server-session.secret";

/// A session secret: wiped from memory when dropped, never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionSecret(Zeroizing<String>);

impl SessionSecret {
    /// Wraps a secret.
    pub fn new(secret: impl Into<String>) -> Self {
        Self(Zeroizing::new(secret.into()))
    }

    /// The secret itself, for the `Authorization` header.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for SessionSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionSecret(***)")
    }
}

impl<'de> Deserialize<'de> for SessionSecret {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Self::new)
    }
}

/// Where a secret went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SecretStorage {
    /// The OS keychain.
    Keychain,
    /// A file in the data directory that only this user can read.
    File,
}

impl SecretStorage {
    /// As stored in `device.secret_storage`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Keychain => "keychain",
            Self::File => "file",
        }
    }

    /// From `device.secret_storage`.
    pub fn parse(stored: &str) -> Option<Self> {
        match stored {
            "keychain" => Some(Self::Keychain),
            "file" => Some(Self::File),
            _ => None,
        }
    }
}

/// A keychain: one secret per account name. Calls may block (D-Bus, the macOS keychain).
pub trait Keychain: Send + Sync {
    /// Stores `secret` under `account`, replacing any.
    fn set(&self, account: &str, secret: &str) -> Result<(), String>;
    /// The secret under `account`, if any.
    fn get(&self, account: &str) -> Result<Option<String>, String>;
    /// Removes the secret under `account`; a missing one is fine.
    fn delete(&self, account: &str) -> Result<(), String>;
}

/// The OS keychain through the `keyring` crate.
#[derive(Debug, Default, Clone, Copy)]
pub struct OsKeychain;

impl OsKeychain {
    fn entry(account: &str) -> Result<keyring::Entry, String> {
        keyring::Entry::new(KEYCHAIN_SERVICE, account).map_err(|e| e.to_string())
    }
}

impl Keychain for OsKeychain {
    fn set(&self, account: &str, secret: &str) -> Result<(), String> {
        Self::entry(account)?
            .set_password(secret)
            .map_err(|e| e.to_string())
    }

    fn get(&self, account: &str) -> Result<Option<String>, String> {
        match Self::entry(account)?.get_password() {
            Ok(secret) => Ok(Some(secret)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(err) => Err(err.to_string()),
        }
    }

    fn delete(&self, account: &str) -> Result<(), String> {
        match Self::entry(account)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(err) => Err(err.to_string()),
        }
    }
}

/// A keychain in memory: for tests, and as a stand-in where none may be used. A broken one
/// fails every call, like a machine without a keychain.
#[derive(Debug, Default)]
pub struct MemoryKeychain {
    entries: std::sync::Mutex<std::collections::BTreeMap<String, String>>,
    broken: bool,
}

impl MemoryKeychain {
    /// One that fails every call.
    pub fn broken() -> Self {
        Self {
            broken: true,
            ..Self::default()
        }
    }

    /// The accounts it holds, sorted.
    pub fn accounts(&self) -> Vec<String> {
        self.held().keys().cloned().collect()
    }

    fn held(&self) -> std::sync::MutexGuard<'_, std::collections::BTreeMap<String, String>> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn working(&self) -> Result<(), String> {
        if self.broken {
            return Err("no keychain on this machine".into());
        }
        Ok(())
    }
}

impl Keychain for MemoryKeychain {
    fn set(&self, account: &str, secret: &str) -> Result<(), String> {
        self.working()?;
        self.held().insert(account.into(), secret.into());
        Ok(())
    }

    fn get(&self, account: &str) -> Result<Option<String>, String> {
        self.working()?;
        Ok(self.held().get(account).cloned())
    }

    fn delete(&self, account: &str) -> Result<(), String> {
        self.working()?;
        self.held().remove(account);
        Ok(())
    }
}

/// Keeps this device's session secret: in the keychain when one works, else in a file.
#[derive(Clone)]
pub struct SecretVault {
    keychain: Arc<dyn Keychain>,
    file: PathBuf,
}

impl std::fmt::Debug for SecretVault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretVault")
            .field("file", &self.file)
            .finish_non_exhaustive()
    }
}

/// The keychain account of a session's secret.
fn account(session_id: Uuid) -> String {
    format!("session:{session_id}")
}

impl SecretVault {
    /// A vault using `keychain`, with its fallback file in `data_dir`.
    pub fn new(keychain: Arc<dyn Keychain>, data_dir: &Path) -> Self {
        Self {
            keychain,
            file: data_dir.join(SECRET_FILE),
        }
    }

    /// The fallback file's path.
    pub fn file(&self) -> &Path {
        &self.file
    }

    /// Keeps `secret` of session `session_id`; says where it went. The keychain is read
    /// back before it is trusted: some fail quietly (a locked or absent collection).
    pub async fn store(
        &self,
        session_id: Uuid,
        secret: &SessionSecret,
    ) -> Result<SecretStorage, CoreError> {
        let keychain = self.keychain.clone();
        let account = account(session_id);
        let value = secret.clone();
        let in_keychain = blocking(move || {
            keychain.set(&account, value.expose())?;
            match keychain.get(&account)? {
                Some(read) if read == value.expose() => Ok(()),
                _ => Err("the keychain did not keep the secret".to_owned()),
            }
        })
        .await?;
        match in_keychain {
            Ok(()) => {
                // An older fallback file must not outlive the move to the keychain.
                self.remove_file()?;
                Ok(SecretStorage::Keychain)
            }
            Err(why) => {
                tracing::warn!(reason = %why, "no usable keychain: the session secret goes to a private file");
                // The session's id first: forgetting another session must not remove it.
                let text = Zeroizing::new(format!("{session_id}\n{}", secret.expose()));
                private_files::write_atomic(&self.file, text.as_bytes())
                    .map_err(|e| CoreError::Task(format!("writing the secret file: {e}")))?;
                Ok(SecretStorage::File)
            }
        }
    }

    /// The secret of `session_id` from where it was put; `None` if it is not there.
    pub async fn load(
        &self,
        session_id: Uuid,
        storage: SecretStorage,
    ) -> Result<Option<SessionSecret>, CoreError> {
        match storage {
            SecretStorage::Keychain => {
                let keychain = self.keychain.clone();
                let account = account(session_id);
                let found = blocking(move || keychain.get(&account)).await?;
                match found {
                    Ok(secret) => Ok(secret.map(SessionSecret::new)),
                    Err(why) => Err(CoreError::Task(format!("reading the keychain: {why}"))),
                }
            }
            SecretStorage::File => Ok(self
                .file_entry()?
                .filter(|(owner, _)| *owner == session_id)
                .map(|(_, secret)| secret)),
        }
    }

    /// The fallback file's session id and secret, if the file holds one.
    fn file_entry(&self) -> Result<Option<(Uuid, SessionSecret)>, CoreError> {
        let text = match std::fs::read_to_string(&self.file) {
            Ok(text) => Zeroizing::new(text),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(err) => return Err(CoreError::Task(format!("reading the secret file: {err}"))),
        };
        let Some((owner, secret)) = text.trim().split_once('\n') else {
            return Ok(None);
        };
        Ok(Uuid::parse_str(owner.trim())
            .ok()
            .map(|owner| (owner, SessionSecret::new(secret.trim().to_owned()))))
    }

    /// Forgets the secret of `session_id` wherever it may be.
    pub async fn forget(&self, session_id: Uuid) -> Result<(), CoreError> {
        let keychain = self.keychain.clone();
        let account = account(session_id);
        if let Err(why) = blocking(move || keychain.delete(&account)).await? {
            // Where no keychain works there is nothing in it; elsewhere an entry may remain.
            tracing::warn!(reason = %why, "the keychain could not delete a session secret");
        }
        // The file goes only if it is this session's: another's may have replaced it.
        let owner = self.file_entry()?.map(|(owner, _)| owner);
        if owner.is_none_or(|owner| owner == session_id) {
            self.remove_file()?;
        }
        Ok(())
    }

    fn remove_file(&self) -> Result<(), CoreError> {
        match std::fs::remove_file(&self.file) {
            Ok(()) => Ok(()),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(err) => Err(CoreError::Task(format!("removing the secret file: {err}"))),
        }
    }
}

/// How long a keychain call may take: a locked keychain may wait for a prompt nobody answers.
const KEYCHAIN_PATIENCE: std::time::Duration = std::time::Duration::from_secs(15);

/// Runs a keychain call off the async threads; one that does not answer in time counts as
/// a failure (its thread is left to finish on its own).
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, String> + Send + 'static,
) -> Result<Result<T, String>, CoreError> {
    match tokio::time::timeout(KEYCHAIN_PATIENCE, tokio::task::spawn_blocking(work)).await {
        Ok(Ok(done)) => Ok(done),
        Ok(Err(err)) => Err(CoreError::Task(err.to_string())),
        Err(_) => Ok(Err("the keychain did not answer in time".to_owned())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_working_keychain_keeps_the_secret_and_no_file_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let keychain = Arc::new(MemoryKeychain::default());
        let vault = SecretVault::new(keychain.clone(), dir.path());
        let id = Uuid::now_v7();
        let secret = SessionSecret::new("s3cret-value");
        assert_eq!(
            vault.store(id, &secret).await.unwrap(),
            SecretStorage::Keychain
        );
        assert!(!vault.file().exists());
        let loaded = vault.load(id, SecretStorage::Keychain).await.unwrap();
        assert_eq!(loaded, Some(secret));
        vault.forget(id).await.unwrap();
        assert_eq!(vault.load(id, SecretStorage::Keychain).await.unwrap(), None);
        assert!(keychain.accounts().is_empty());
    }

    #[tokio::test]
    async fn without_a_keychain_the_secret_lands_in_a_private_file_and_is_forgotten() {
        let dir = tempfile::tempdir().unwrap();
        let broken = Arc::new(MemoryKeychain::broken());
        let vault = SecretVault::new(broken, dir.path());
        let id = Uuid::now_v7();
        let secret = SessionSecret::new("file-kept-secret");
        assert_eq!(vault.store(id, &secret).await.unwrap(), SecretStorage::File);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(vault.file())
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert_eq!(
            vault.load(id, SecretStorage::File).await.unwrap(),
            Some(secret)
        );
        // Another session's secret replaces it; forgetting the first keeps the second.
        let second = Uuid::now_v7();
        let newer = SessionSecret::new("the-next-session");
        vault.store(second, &newer).await.unwrap();
        assert_eq!(vault.load(id, SecretStorage::File).await.unwrap(), None);
        vault.forget(id).await.unwrap();
        assert_eq!(
            vault.load(second, SecretStorage::File).await.unwrap(),
            Some(newer)
        );
        vault.forget(second).await.unwrap();
        assert!(!vault.file().exists());
        assert_eq!(vault.load(second, SecretStorage::File).await.unwrap(), None);
    }

    #[test]
    fn a_secret_never_prints() {
        let secret = SessionSecret::new("do-not-print");
        assert!(!format!("{secret:?}").contains("do-not-print"));
    }
}
