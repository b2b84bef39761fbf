//! `token.create`, `token.update`, `token.revoke` and `token.remove`: personal API tokens
//! by their SHA-256. The token's text is made and shown on the device and never travels.

use super::{ApplyCtx, Change, Kind, Rejection};
use crate::error::{ErrorCode, ValidationError};
use crate::fields;
use crate::state::{TokenRecord, UserState};
use crate::token::{TokenScope, MAX_TOKENS};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Issues a token known by its hash.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenCreate {
    /// The new token's id.
    pub token_id: Uuid,
    /// Lowercase hex SHA-256 of the token's text.
    pub sha256: String,
    /// `acp_` and the first four random characters.
    pub prefix: String,
    /// What it may do; fixed for its life.
    pub scope: TokenScope,
    /// What it is for; may be empty.
    #[serde(default)]
    pub description: String,
    /// When it stops working (ms since the epoch); `None` for valid until revoked.
    #[serde(default)]
    pub expires_at: Option<i64>,
}

/// A token's new expiry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Expiry {
    /// Valid until revoked.
    Never,
    /// Stops working at this instant, ms since the epoch.
    At(i64),
}

/// Changes an active token's description and/or expiry. Its scope cannot change: a new
/// scope needs a new token.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenUpdate {
    /// The token.
    pub token_id: Uuid,
    /// A new description (empty clears it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// A new expiry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiry: Option<Expiry>,
}

/// Withdraws a token for good.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenRevoke {
    /// The token.
    pub token_id: Uuid,
}

/// Deletes a withdrawn (revoked or expired) token from the lists.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenRemove {
    /// The token.
    pub token_id: Uuid,
}

fn hex_sha256(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

fn changed(id: Uuid) -> Change {
    Change {
        tokens: vec![id],
        ..Change::default()
    }
}

fn token_of(state: &mut UserState, id: Uuid) -> Result<&mut TokenRecord, Rejection> {
    state
        .tokens
        .get_mut(&id)
        .ok_or_else(|| ValidationError::general(ErrorCode::TokenNotFound))
}

impl Kind for TokenCreate {
    fn validated(self) -> Result<Self, ValidationError> {
        if !hex_sha256(&self.sha256) || !crate::token::is_display_prefix(&self.prefix) {
            return Err(ValidationError::general(ErrorCode::RequestInvalid));
        }
        if self.expires_at.is_some_and(|at| at <= 0) {
            return Err(ValidationError::new(
                ErrorCode::TokenExpiryInvalid,
                crate::token::EXPIRY_FIELD,
            ));
        }
        Ok(Self {
            description: fields::token_description(&self.description)?,
            ..self
        })
    }

    fn apply(&self, state: &mut UserState, ctx: &ApplyCtx) -> Result<Change, Rejection> {
        if state.profile.is_none() {
            return Err(ValidationError::general(ErrorCode::ProfileMissing));
        }
        let taken = state.tokens.contains_key(&self.token_id)
            || state.tokens.values().any(|t| t.sha256 == self.sha256);
        if taken {
            return Err(ValidationError::general(ErrorCode::RequestInvalid));
        }
        if state.tokens.len() >= MAX_TOKENS {
            return Err(ValidationError::general(ErrorCode::TokenTooMany).with("max", MAX_TOKENS));
        }
        state.tokens.insert(
            self.token_id,
            TokenRecord {
                id: self.token_id,
                sha256: self.sha256.clone(),
                prefix: self.prefix.clone(),
                scope: self.scope,
                description: self.description.clone(),
                created_at: ctx.now_ms,
                expires_at: self.expires_at,
                revoked_at: None,
                last_used_at: None,
                last_used_address: None,
            },
        );
        Ok(changed(self.token_id))
    }
}

impl Kind for TokenUpdate {
    fn validated(self) -> Result<Self, ValidationError> {
        if matches!(self.expiry, Some(Expiry::At(at)) if at <= 0) {
            return Err(ValidationError::new(
                ErrorCode::TokenExpiryInvalid,
                crate::token::EXPIRY_FIELD,
            ));
        }
        Ok(Self {
            description: self
                .description
                .as_deref()
                .map(fields::token_description)
                .transpose()?,
            ..self
        })
    }

    fn apply(&self, state: &mut UserState, ctx: &ApplyCtx) -> Result<Change, Rejection> {
        let token = token_of(state, self.token_id)?;
        // A revocation (or expiry) wins over an edit made concurrently elsewhere.
        if !token.is_active(ctx.now_ms) {
            return Err(ValidationError::general(ErrorCode::TokenWithdrawn));
        }
        if let Some(description) = &self.description {
            token.description.clone_from(description);
        }
        match self.expiry {
            Some(Expiry::Never) => token.expires_at = None,
            Some(Expiry::At(at)) => token.expires_at = Some(at),
            None => {}
        }
        Ok(changed(self.token_id))
    }
}

impl Kind for TokenRevoke {
    fn validated(self) -> Result<Self, ValidationError> {
        Ok(self)
    }

    fn apply(&self, state: &mut UserState, ctx: &ApplyCtx) -> Result<Change, Rejection> {
        let token = token_of(state, self.token_id)?;
        // Revoking is final and idempotent: two devices revoking keep the first time.
        if token.revoked_at.is_some() {
            return Ok(Change::default());
        }
        token.revoked_at = Some(ctx.now_ms);
        Ok(changed(self.token_id))
    }
}

impl Kind for TokenRemove {
    fn validated(self) -> Result<Self, ValidationError> {
        Ok(self)
    }

    fn apply(&self, state: &mut UserState, ctx: &ApplyCtx) -> Result<Change, Rejection> {
        // Removed on another device already: the outcome this one wanted.
        let Some(token) = state.tokens.get(&self.token_id) else {
            return Ok(Change::default());
        };
        if token.is_active(ctx.now_ms) {
            return Err(ValidationError::general(ErrorCode::TokenStillActive));
        }
        state.tokens.remove(&self.token_id);
        Ok(changed(self.token_id))
    }
}
