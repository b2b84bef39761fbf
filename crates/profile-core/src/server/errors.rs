//! A server's refusals as the errors the forms show, next to the field they concern.

use super::address;
use crate::error::{CoreError, ErrorCode, ValidationError};
use crate::sync::TransportError;

/// A refusal with no field of its own: the code as it is, if this build knows it.
pub(super) fn general(err: TransportError) -> CoreError {
    match err {
        TransportError::Unreachable(why) => {
            tracing::info!(reason = %why, "the server cannot be reached");
            ValidationError::general(ErrorCode::ServerUnreachable).into()
        }
        TransportError::NotAcure(why) => {
            tracing::warn!(reason = %why, "the server does not answer like an Acure server");
            ValidationError::general(ErrorCode::ServerNotAcure).into()
        }
        TransportError::Refused(refusal) => match refusal.code.known() {
            Some(code) => ValidationError::general(code).into(),
            None => CoreError::Task(format!("the server refused with {}", refusal.code.as_str())),
        },
    }
}

/// A failed sign-in: the address field for what is the server's fault, the password field
/// for wrong credentials.
pub(super) fn sign_in(err: TransportError) -> CoreError {
    let at = |code| ValidationError::new(code, address::FIELD).into();
    match err {
        TransportError::Unreachable(why) => {
            tracing::info!(reason = %why, "sign-in: the server cannot be reached");
            at(ErrorCode::ServerUnreachable)
        }
        TransportError::NotAcure(why) => {
            tracing::warn!(reason = %why, "sign-in: not an Acure server");
            at(ErrorCode::ServerNotAcure)
        }
        TransportError::Refused(refusal) => match refusal.code.known() {
            Some(ErrorCode::SyncProtocolMismatch) => at(ErrorCode::SyncProtocolMismatch),
            // Something answered with an error shape like ours but has no such endpoint, or
            // a code no Acure server of this protocol sends.
            None
            | Some(
                ErrorCode::RequestNotFound
                | ErrorCode::RequestMethodNotAllowed
                | ErrorCode::RequestUnsupportedMediaType,
            ) => {
                tracing::warn!(code = %refusal.code.as_str(), "sign-in: an unexpected refusal");
                at(ErrorCode::ServerNotAcure)
            }
            Some(code @ (ErrorCode::AuthInvalidCredentials | ErrorCode::AuthThrottled)) => {
                let mut err = ValidationError::new(code, "password");
                // The wait the server asks for, for the translated message.
                err.params = refusal.params;
                err.into()
            }
            _ => general(TransportError::Refused(refusal)),
        },
    }
}

/// A failed password change: offline says so, the fields as the password form names them.
pub(super) fn password(err: TransportError) -> CoreError {
    match err {
        TransportError::Unreachable(_) => {
            ValidationError::general(ErrorCode::PasswordNeedsConnection).into()
        }
        TransportError::Refused(refusal) => {
            let Some(code) = refusal.code.known() else {
                return general(TransportError::Refused(refusal));
            };
            let field = match (code, refusal.field.as_deref()) {
                (ErrorCode::PasswordCurrentWrong | ErrorCode::AuthThrottled, _) => {
                    Some("current_password")
                }
                (_, Some("new")) => Some(crate::security::password_rules::FIELD),
                (_, Some("current")) => Some("current_password"),
                _ => None,
            };
            let mut err = match field {
                Some(field) => ValidationError::new(code, field),
                None => ValidationError::general(code),
            };
            err.params = refusal.params;
            err.into()
        }
        other => general(other),
    }
}
