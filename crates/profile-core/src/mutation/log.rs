//! Committing mutations: validate, apply to the synced state, write what changed and append
//! to the outbox, all in one transaction.

use super::{LocalChange, Mutation};
use crate::db::Database;
use crate::env::Env;
use crate::error::{CoreError, ErrorCode, ValidationError};
use crate::ids::new_id;
use crate::outbox;
use crate::security::SessionId;
use crate::synced;
use profile_domain::mutation::ApplyCtx;
use uuid::Uuid;

/// What a committed mutation was recorded as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Committed {
    /// Its position in this device's outbox sequence.
    pub seq: i64,
    /// Its UUIDv7.
    pub mutation_id: Uuid,
}

/// Applies mutations to the local store and records them in the outbox.
#[derive(Debug, Clone)]
pub struct MutationLog {
    db: Database,
    env: Env,
}

impl MutationLog {
    /// A log writing to `db`, with time and ids from `env`.
    pub fn new(db: Database, env: Env) -> Self {
        Self { db, env }
    }

    /// Validates `mutation`, applies it and appends it to the outbox atomically.
    ///
    /// On any error nothing of it remains: the tables and the outbox are as before.
    pub async fn commit(&self, mutation: Mutation) -> Result<Committed, CoreError> {
        let mut committed = self.commit_all(vec![mutation]).await?;
        committed
            .pop()
            .ok_or_else(|| CoreError::Corrupt("a commit recorded nothing".into()))
    }

    /// Validates, applies and appends `mutations` in order, all in one transaction: either
    /// every one of them is recorded or none is.
    pub async fn commit_all(&self, mutations: Vec<Mutation>) -> Result<Vec<Committed>, CoreError> {
        self.commit_with(mutations, None).await
    }

    /// As [`Self::commit_all`], and `local` (this device's own state, never synced) in the
    /// same transaction, after the mutations.
    pub async fn commit_with(
        &self,
        mutations: Vec<Mutation>,
        local: Option<LocalChange>,
    ) -> Result<Vec<Committed>, CoreError> {
        self.commit_checked(None, mutations, local).await
    }

    /// As [`Self::commit_all`], made by the person signed in with `session`: refused with
    /// `account.signed_out` unless that is still this device's active session when the
    /// write transaction holds the lock.
    pub async fn commit_as(
        &self,
        session: SessionId,
        mutations: Vec<Mutation>,
    ) -> Result<Vec<Committed>, CoreError> {
        self.commit_checked(Some(session), mutations, None).await
    }

    async fn commit_checked(
        &self,
        signed_in_as: Option<SessionId>,
        mutations: Vec<Mutation>,
        local: Option<LocalChange>,
    ) -> Result<Vec<Committed>, CoreError> {
        let mutations = mutations
            .into_iter()
            .map(Mutation::validated)
            .collect::<Result<Vec<_>, _>>()?;
        let now = self.env.now_ms();
        let mut tx = self.db.begin_write().await?;
        // The whole synced state, read inside the write transaction: nothing changes it
        // between this read and the commit.
        let mut state = synced::load(&mut tx).await?;
        let current = super::local::current_session(&mut tx).await?;
        if let Some(expected) = signed_in_as {
            let active = state.sessions.get(&expected).is_some_and(|s| s.is_active());
            if current != Some(expected) || !active {
                return Err(ValidationError::general(ErrorCode::AccountSignedOut).into());
            }
        }
        let catalog = crate::contacts::catalog::current(&mut tx).await?;
        let ctx = ApplyCtx::device(current, now).with_catalog(&catalog);
        let mut committed = Vec::with_capacity(mutations.len());
        for mutation in &mutations {
            let mutation_id = new_id(&self.env);
            let change = mutation.apply(&mut state, &ctx)?;
            synced::persist(&mut tx, &state, &change).await?;
            let seq = outbox::append(&mut tx, mutation_id, mutation, now).await?;
            committed.push(Committed { seq, mutation_id });
        }
        if let Some(local) = local {
            local.apply(&mut tx).await?;
        }
        super::local::sign_out_if_ended(&mut tx).await?;
        tx.commit().await?;
        self.db.note_change();
        for (mutation, done) in mutations.iter().zip(&committed) {
            tracing::debug!(
                mutation = mutation.name(),
                seq = done.seq,
                "mutation committed"
            );
        }
        Ok(committed)
    }
}
