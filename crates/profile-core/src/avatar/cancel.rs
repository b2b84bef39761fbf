//! Stopping a preview or crop that nobody waits for any more (the dialog was closed).

use crate::avatar::error::AvatarError;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// A flag shared between whoever started avatar work and the pipeline doing it; clones
/// share the flag.
///
/// The pipeline looks at it between stages (read, header, decode, resize, encode), so a
/// cancelled operation stops at the next stage boundary with [`AvatarError::Cancelled`].
#[derive(Debug, Clone, Default)]
pub struct CancelToken(Arc<AtomicBool>);

impl CancelToken {
    /// A token that is not cancelled.
    pub fn new() -> Self {
        Self::default()
    }

    /// Asks the work holding this token (or a clone) to stop.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    /// Whether [`CancelToken::cancel`] was called.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }

    /// `Err(Cancelled)` once cancelled: the `?` between stages.
    pub(crate) fn check(&self) -> Result<(), AvatarError> {
        if self.is_cancelled() {
            Err(AvatarError::Cancelled)
        } else {
            Ok(())
        }
    }
}
