//! Personal API tokens on this device: issued here (the text is made from the OS's random
//! source, shown once and never stored), listed, edited, revoked and removed, each change a
//! `token.*` mutation that syncs to the server, whose public API the tokens open.

mod view;

pub use profile_domain::token::{ApiToken, TokenScope};
pub use view::{TokenLists, TokenView, EXPIRY_WARNING_MS};

use crate::db::Database;
use crate::env::Env;
use crate::error::{CoreError, ErrorCode, ValidationError};
use crate::ids::new_id;
use crate::language::Language;
use crate::mutation::MutationLog;
use crate::security::SessionId;
use crate::time_zone::ZoneId;
use profile_domain::mutation::{
    Expiry, Mutation, TokenCreate, TokenRemove, TokenRevoke, TokenUpdate,
};
use profile_domain::token::interim_expiry;
use rand::rngs::OsRng;
use serde::Deserialize;
use uuid::Uuid;

/// A token's id (UUIDv7).
pub type TokenId = Uuid;

/// How long a new or edited token lasts, as the person chose it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum ExpiryChoice {
    /// Valid until revoked by hand («Infinite»).
    Never,
    /// Withdrawn at the end of `date` (`YYYY-MM-DD`) in the profile's time zone («Interim»).
    On {
        /// The last day it works.
        date: String,
    },
}

/// The issue form.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    /// What it is for; may be empty.
    #[serde(default)]
    pub description: String,
    /// `read` or `write`.
    pub scope: TokenScope,
    /// How long it lasts.
    pub expiry: ExpiryChoice,
}

/// The edit dialog: what to change (scope never changes).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenEdit {
    /// A new description.
    #[serde(default)]
    pub description: Option<String>,
    /// A new expiry.
    #[serde(default)]
    pub expiry: Option<ExpiryChoice>,
}

/// A token just issued: its text, to show once, and how the list shows it.
#[derive(Debug)]
pub struct IssuedToken {
    /// The plain text; never stored.
    pub token: ApiToken,
    /// The new token as listed.
    pub view: TokenView,
}

/// The tokens of the person signed in on this device.
#[derive(Debug, Clone)]
pub struct TokenStore {
    db: Database,
    log: MutationLog,
    env: Env,
}

impl TokenStore {
    /// Tokens in `db`, changed through `log`, with time from `env`.
    pub fn new(db: Database, log: MutationLog, env: Env) -> Self {
        Self { db, log, env }
    }

    /// Every token for the API Access tab: active ones, then withdrawn ones, dates in the
    /// profile's zone and `language`.
    pub async fn lists(&self, language: Language) -> Result<TokenLists, CoreError> {
        let mut conn = self.db.pool().acquire().await?;
        view::lists(&mut conn, self.env.now_ms(), language).await
    }

    /// Issues a token for `me`: only on a device linked to a server (the tokens open its API).
    pub async fn issue(
        &self,
        me: SessionId,
        request: TokenRequest,
    ) -> Result<IssuedToken, CoreError> {
        self.linked().await?;
        let now = self.env.now_ms();
        let expires_at = match &request.expiry {
            ExpiryChoice::Never => None,
            ExpiryChoice::On { date } => Some(interim_expiry(date, self.zone().await?, now)?),
        };
        // The OS's random source itself, never a seeded generator: a token is a credential.
        let token = ApiToken::generate(&mut OsRng);
        let token_id = new_id(&self.env);
        self.log
            .commit_as(
                me,
                vec![Mutation::TokenCreate(TokenCreate {
                    token_id,
                    sha256: token.sha256_hex(),
                    prefix: token.display_prefix(),
                    scope: request.scope,
                    description: request.description,
                    expires_at,
                })],
            )
            .await?;
        let view = self.view(token_id).await?;
        tracing::info!(token = %token_id, "token issued");
        Ok(IssuedToken { token, view })
    }

    /// Changes an active token's description and/or expiry.
    pub async fn edit(
        &self,
        me: SessionId,
        id: TokenId,
        edit: TokenEdit,
    ) -> Result<TokenView, CoreError> {
        let now = self.env.now_ms();
        let expiry = match &edit.expiry {
            None => None,
            Some(ExpiryChoice::Never) => Some(Expiry::Never),
            Some(ExpiryChoice::On { date }) => {
                Some(Expiry::At(interim_expiry(date, self.zone().await?, now)?))
            }
        };
        self.log
            .commit_as(
                me,
                vec![Mutation::TokenUpdate(TokenUpdate {
                    token_id: id,
                    description: edit.description,
                    expiry,
                })],
            )
            .await?;
        self.view(id).await
    }

    /// Revokes a token for good (offline: at the next sync, and marked so meanwhile).
    pub async fn revoke(&self, me: SessionId, id: TokenId) -> Result<(), CoreError> {
        self.log
            .commit_as(
                me,
                vec![Mutation::TokenRevoke(TokenRevoke { token_id: id })],
            )
            .await?;
        Ok(())
    }

    /// Removes a withdrawn token from the lists.
    pub async fn remove(&self, me: SessionId, id: TokenId) -> Result<(), CoreError> {
        self.log
            .commit_as(
                me,
                vec![Mutation::TokenRemove(TokenRemove { token_id: id })],
            )
            .await?;
        Ok(())
    }

    async fn view(&self, id: TokenId) -> Result<TokenView, CoreError> {
        let mut conn = self.db.pool().acquire().await?;
        let language = crate::profile::load(&mut conn)
            .await?
            .ok_or(CoreError::ProfileMissing)?
            .language;
        view::lists(&mut conn, self.env.now_ms(), language)
            .await?
            .find(id)
            .ok_or_else(|| ValidationError::general(ErrorCode::TokenNotFound).into())
    }

    async fn linked(&self) -> Result<(), CoreError> {
        let mut conn = self.db.pool().acquire().await?;
        match crate::mutation::local::server_url(&mut conn).await? {
            Some(_) => Ok(()),
            None => Err(ValidationError::general(ErrorCode::TokenNeedsServer).into()),
        }
    }

    async fn zone(&self) -> Result<ZoneId, CoreError> {
        let mut conn = self.db.pool().acquire().await?;
        let profile = crate::profile::load(&mut conn)
            .await?
            .ok_or(CoreError::ProfileMissing)?;
        Ok(crate::time_zone::parse_zone(&profile.time_zone)?)
    }
}
