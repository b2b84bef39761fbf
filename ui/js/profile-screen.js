// The profile screen: header, tabs and their sections, sync. Loaded only once the device
// is past the first-run or sign-in screen, so those draw without parsing all of this.

import * as api from './api.js';
import { confirmAction } from './confirm-dialog.js';
import { onLanguageChange, setLanguage, t } from './i18n.js';
import { initHeader, showLanguage } from './header.js';
import { discardPasswords, hasTypedPasswords, initSecurity } from './tabs/profile/security.js';
import { initTabs } from './tabs.js';
import { initTimeZone, showTimeZone } from './tabs/profile/time-zone.js';
import { discardEdits, hasUnsavedEdits, initProfileTab, lockEmail, refreshProfile } from './tabs/profile/details.js';
import { initSessionsTab, refreshSessions } from './tabs/sessions.js';
import { connectToServer, initAccountMenu } from './account-menu.js';
import { initTokensTab, refreshTokens, showTokensFor } from './tabs/tokens.js';
import { initNotificationsTab, refreshContacts, showNotifications } from './tabs/notifications.js';
import { initReviewDialog, openReview } from './review-dialog.js';
import { initSyncStatus, onLink, onRevision, refreshReviewCount } from './sync-status.js';

/** Leaving the Profile tab with unsaved edits (typed passwords too) asks first. */
async function beforeLeave(panelId) {
  if (panelId !== 'panel-profile' || !(hasUnsavedEdits() || hasTypedPasswords())) return true;
  const discard = await confirmAction({
    title: 'unsaved.title', body: 'unsaved.body', confirm: 'unsaved.discard', cancel: 'unsaved.stay',
  });
  if (discard) {
    discardEdits();
    discardPasswords();
  }
  return discard;
}

/** This device's session ended: start over, which lands on the sign-in screen with a page
 * that holds nothing of the profile any more. */
function signedOut() {
  window.location.reload();
}

/** Sections of the profile screen that failed to start, by the key of their name. */
const failedSections = [];

/** Starts one section; a failure is logged and named on screen, and the others go on. */
function startSection(nameKey, start) {
  try {
    start();
  } catch (error) {
    console.error(`the section ${nameKey} failed to start`, error);
    failedSections.push(nameKey);
  }
}

function renderFailedSections() {
  const notice = document.getElementById('section-failures');
  notice.hidden = failedSections.length === 0;
  notice.textContent = failedSections.length
    ? t('boot.sections_failed', { sections: failedSections.map((key) => t(key)).join(', ') })
    : '';
}

/** Shows the profile screen for `profile` and starts its sections. */
export function showProfileScreen(profile) {
  const app = document.getElementById('app');
  setLanguage(profile.language);
  startSection('boot.section_header', () => initHeader(profile));
  startSection('boot.section_tabs', () => initTabs({
    beforeLeave,
    onShow: (panelId) => {
      if (panelId === 'panel-sessions') refreshSessions();
      if (panelId === 'panel-api') refreshTokens();
      if (panelId === 'panel-notifications') showNotifications();
    },
  }));
  startSection('boot.section_details', () => initProfileTab(profile));
  startSection('boot.section_security', () => initSecurity());
  startSection('boot.section_time_zone', () => initTimeZone(profile));
  startSection('boot.section_sessions', () => initSessionsTab({ onSignedOut: signedOut }));
  startSection('boot.section_tokens', () => initTokensTab({ connect: connectToServer }));
  startSection('boot.section_contacts', initNotificationsTab);
  api.onSignedOut(signedOut);
  startSection('boot.section_sync', startSync);
  renderFailedSections();
  onLanguageChange(renderFailedSections);
  app.hidden = false;
  app.dataset.ready = 'true';
  document.body.dataset.screen = 'profile';
  // The screen that had the focus is gone; keyboard users go on from the tabs.
  document.querySelector('[role="tab"][aria-selected="true"]')?.focus();
}

/** The header's sync state, the profile menu and what follows from a server link: the
 * e-mail managed by the server, the one-time notice of a secret kept in a file, and the
 * window following the server's data. */
function startSync() {
  // The name as the header shows it now (saved edits included), for the replace warning.
  const name = () => document.getElementById('header-name').textContent;
  onLink((link) => {
    initAccountMenu(link, name, () => window.location.reload());
    showTokensFor(link);
    if (!link) return;
    lockEmail();
    if (link.file_notice_due) showSecretNotice();
  });
  onRevision(async (view) => {
    if (view.status?.state === 'signed_out') {
      signedOut();
      return;
    }
    const fresh = await api.profileGet();
    refreshProfile(fresh);
    showLanguage(fresh);
    showTimeZone(fresh);
    refreshSessions();
    refreshTokens();
    if (!document.getElementById('panel-notifications').hidden) refreshContacts();
  });
  initReviewDialog();
  initSyncStatus(() => openReview(refreshReviewCount)).catch((error) => console.error('sync status', error));
}

function showSecretNotice() {
  const notice = document.getElementById('secret-notice');
  notice.hidden = false;
  document.getElementById('secret-notice-ok').addEventListener('click', async () => {
    notice.hidden = true;
    await api.secretNoticeSeen().catch((error) => console.warn(error));
  });
}
