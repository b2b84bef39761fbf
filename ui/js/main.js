// Entry point: strings first, then the screen this device is at — first run, sign-in or
// the profile itself.

import * as api from './api.js';
import { confirmAction } from './confirm-dialog.js';
import { errorText, onLanguageChange, setBundles, setLanguage, t } from './i18n.js';
import { initHeader, showLanguage } from './header.js';
import { initPasswordToggles } from './password-box.js';
import { showSignIn } from './screens/sign-in.js';
import { showWelcome } from './screens/welcome.js';
import { discardPasswords, hasTypedPasswords, initSecurity } from './security.js';
import { initTabs } from './tabs.js';
import { initTimeZone, showTimeZone } from './time-zone.js';
import { discardEdits, hasUnsavedEdits, initProfileTab, lockEmail, refreshProfile } from './tabs/profile.js';
import { initSessionsTab, refreshSessions } from './tabs/sessions.js';
import { connectToServer, initAccountMenu } from './account-menu.js';
import { initTokensTab, refreshTokens, showTokensFor } from './tabs/tokens.js';
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

function showProfileScreen(profile) {
  const app = document.getElementById('app');
  setLanguage(profile.language);
  startSection('boot.section_header', () => initHeader(profile));
  startSection('boot.section_tabs', () => initTabs({
    beforeLeave,
    onShow: (panelId) => {
      if (panelId === 'panel-sessions') refreshSessions();
      if (panelId === 'panel-api') refreshTokens();
    },
  }));
  startSection('boot.section_details', () => initProfileTab(profile));
  startSection('boot.section_security', () => initSecurity());
  startSection('boot.section_time_zone', () => initTimeZone(profile));
  startSection('boot.section_sessions', () => initSessionsTab({ onSignedOut: signedOut }));
  startSection('boot.section_tokens', () => initTokensTab({ connect: connectToServer }));
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

let osLanguage = 'en';

async function boot() {
  // Both asked at once (one wait, not two in a row). Strings are installed first, so that
  // even a failure to load the profile is reported in words.
  const [stringsAnswer, statusAnswer] = await Promise.allSettled([api.uiStrings(), api.accountStatus()]);
  if (stringsAnswer.status === 'rejected') throw stringsAnswer.reason;
  const strings = stringsAnswer.value;
  setBundles(strings.bundles);
  osLanguage = strings.osLanguage;
  if (statusAnswer.status === 'rejected') throw statusAnswer.reason;
  const status = statusAnswer.value;
  setLanguage(status.language);
  initPasswordToggles();
  const profile = status.state === 'first_run' ? await showWelcome(status)
    : status.state === 'signed_out' ? await showSignIn(status)
      : await api.profileGet();
  showProfileScreen(profile);
}

/** A store that could not be opened: a heading, the reason, the file and what to do. */
function storeFailureNotice(notice, error) {
  const { path, folder, file } = error.params;
  const kind = error.code.slice('store.'.length);
  const todo = kind === 'unavailable' && !path ? 'boot.unavailable_nowhere' : `boot.${kind}`;
  const heading = document.createElement('h1');
  heading.textContent = t('boot.title');
  const reason = document.createElement('p');
  reason.textContent = errorText(error);
  notice.classList.add('store-failure');
  notice.replaceChildren(heading, reason);
  if (path) {
    const where = document.createElement('p');
    const label = document.createElement('span');
    label.textContent = `${t('boot.location')}: `;
    const location = document.createElement('code');
    location.id = 'boot-error-path';
    location.textContent = path;
    where.append(label, location);
    notice.append(where);
  }
  const todoTitle = document.createElement('h2');
  todoTitle.textContent = t('boot.what_to_do');
  const steps = document.createElement('p');
  steps.id = 'boot-error-todo';
  steps.textContent = t(todo, { path, folder, file });
  notice.append(todoTitle, steps);
}

boot().catch((error) => {
  console.error('start-up failed', error);
  // No profile, so no stored language: speak the OS's, as a first start would.
  setLanguage(osLanguage);
  const notice = document.getElementById('boot-error');
  if (typeof error?.code === 'string' && error.code.startsWith('store.')) {
    storeFailureNotice(notice, error);
  } else {
    notice.textContent = errorText(error);
  }
  notice.hidden = false;
  document.getElementById('app').dataset.ready = 'failed';
  document.body.dataset.screen = 'failed';
});
