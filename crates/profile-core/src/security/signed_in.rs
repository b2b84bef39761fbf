//! The sign-in guard as a type: what only a signed-in person may read or change is reached
//! through a [`SignedIn`], which only [`AccountStore::signed_in`] makes. A command cannot
//! forget the check, because without the handle it has no way to the profile.

use super::sessions::{SessionId, SessionView};
use super::{AccountStore, Password};
use crate::avatar::EncodedImage;
use crate::contacts::{ChannelView, ContactId, ContactLists, ContactSave};
use crate::error::{CoreError, ErrorCode, ValidationError};
use crate::language::Language;
use crate::profile::Profile;
use crate::store::{ProfileChanges, ProfileStore};
use crate::tokens::{IssuedToken, TokenEdit, TokenId, TokenLists, TokenRequest, TokenView};

/// Someone signed in on this device, with the session they are signed in with.
///
/// A handle can outlive its session (ended on another device meanwhile): everything done
/// through it first checks that the session is still this device's signed-in one, and
/// every change checks it again inside its write transaction; `account.signed_out`
/// otherwise.
#[derive(Debug, Clone)]
pub struct SignedIn {
    session_id: SessionId,
    profiles: ProfileStore,
    accounts: AccountStore,
}

impl AccountStore {
    /// The signed-in person, recording that their session is in use now («last active»);
    /// `account.signed_out` when nobody is signed in.
    pub async fn signed_in(&self, profiles: &ProfileStore) -> Result<SignedIn, CoreError> {
        let session_id = self.touch_current_session().await?;
        Ok(SignedIn {
            session_id,
            profiles: profiles.clone(),
            accounts: self.clone(),
        })
    }
}

impl SignedIn {
    /// The session this device is signed in with.
    pub fn session_id(&self) -> SessionId {
        self.session_id
    }

    /// Refuses with `account.signed_out` once this handle's session is no longer the
    /// signed-in one (ended here or elsewhere, or another sign-in since); records use.
    async fn still(&self) -> Result<(), CoreError> {
        if self.accounts.touch_current_session().await? != self.session_id {
            return Err(ValidationError::general(ErrorCode::AccountSignedOut).into());
        }
        Ok(())
    }

    /// The profile.
    pub async fn profile(&self) -> Result<Profile, CoreError> {
        self.still().await?;
        self.profiles.existing_profile().await
    }

    /// Saves `changes` as one `profile.set`; returns the profile as saved.
    pub async fn update(&self, changes: ProfileChanges) -> Result<Profile, CoreError> {
        self.still().await?;
        self.profiles
            .update_as(Some(self.session_id), changes)
            .await
    }

    /// Stores a finished avatar as one `avatar.set`.
    pub async fn set_avatar(&self, avatar: EncodedImage) -> Result<Profile, CoreError> {
        self.still().await?;
        self.profiles
            .set_avatar_as(Some(self.session_id), avatar)
            .await
    }

    /// Removes the avatar as one `avatar.remove`.
    pub async fn remove_avatar(&self) -> Result<Profile, CoreError> {
        self.still().await?;
        self.profiles.remove_avatar_as(Some(self.session_id)).await
    }

    /// Changes the password: `current` first, then `new` against the rules; every other
    /// session ends.
    pub async fn change_password(&self, current: Password, new: Password) -> Result<(), CoreError> {
        self.still().await?;
        self.accounts
            .change_password_as(self.session_id, current, new)
            .await
    }

    /// Every session as the Sessions tab shows it.
    pub async fn session_views(&self, language: Language) -> Result<Vec<SessionView>, CoreError> {
        self.still().await?;
        self.accounts.session_views(language).await
    }

    /// Ends one session; ending this device's own signs it out.
    pub async fn end_session(&self, id: SessionId) -> Result<(), CoreError> {
        self.still().await?;
        self.accounts.end_session_as(self.session_id, id).await
    }

    /// Ends every active session except this device's own.
    pub async fn end_other_sessions(&self) -> Result<(), CoreError> {
        self.still().await?;
        self.accounts.end_active_as(self.session_id, false).await
    }

    /// Every personal API token as the API Access tab shows it.
    pub async fn tokens(&self, language: Language) -> Result<TokenLists, CoreError> {
        self.still().await?;
        self.accounts.token_store().lists(language).await
    }

    /// Issues a personal API token (on a device linked to a server only).
    pub async fn issue_token(&self, request: TokenRequest) -> Result<IssuedToken, CoreError> {
        self.still().await?;
        self.accounts
            .token_store()
            .issue(self.session_id, request)
            .await
    }

    /// Changes an active token's description or expiry.
    pub async fn edit_token(&self, id: TokenId, edit: TokenEdit) -> Result<TokenView, CoreError> {
        self.still().await?;
        self.accounts
            .token_store()
            .edit(self.session_id, id, edit)
            .await
    }

    /// Revokes a token for good.
    pub async fn revoke_token(&self, id: TokenId) -> Result<(), CoreError> {
        self.still().await?;
        self.accounts
            .token_store()
            .revoke(self.session_id, id)
            .await
    }

    /// Removes a withdrawn token.
    pub async fn remove_token(&self, id: TokenId) -> Result<(), CoreError> {
        self.still().await?;
        self.accounts
            .token_store()
            .remove(self.session_id, id)
            .await
    }

    /// Every notification channel with its contacts, as the Notifications tab shows them.
    pub async fn contacts(&self, language: Language) -> Result<ContactLists, CoreError> {
        self.still().await?;
        self.accounts.contact_store().lists(language).await
    }

    /// Adds or changes a notification contact.
    pub async fn save_contact(
        &self,
        save: ContactSave,
        language: Language,
    ) -> Result<ChannelView, CoreError> {
        self.still().await?;
        self.accounts
            .contact_store()
            .save(self.session_id, save, language)
            .await
    }

    /// Removes a notification contact.
    pub async fn remove_contact(
        &self,
        id: ContactId,
        language: Language,
    ) -> Result<Option<ChannelView>, CoreError> {
        self.still().await?;
        self.accounts
            .contact_store()
            .remove(self.session_id, id, language)
            .await
    }

    /// Ends every active session, this device's own too, which signs it out.
    pub async fn end_all_sessions(&self) -> Result<(), CoreError> {
        self.still().await?;
        self.accounts.end_active_as(self.session_id, true).await
    }
}
