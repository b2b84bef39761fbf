// Entry point: strings first, then the screen this device is at — first run, sign-in or
// the profile itself.

import * as api from './api.js';
import { confirmAction } from './confirm-dialog.js';
import { errorText, setBundles, setLanguage } from './i18n.js';
import { initHeader } from './header.js';
import { initPasswordToggles } from './password-box.js';
import { showSignIn } from './screens/sign-in.js';
import { showWelcome } from './screens/welcome.js';
import { discardPasswords, hasTypedPasswords, initSecurity } from './security.js';
import { initTabs } from './tabs.js';
import { initTimeZone } from './time-zone.js';
import { discardEdits, hasUnsavedEdits, initProfileTab } from './tabs/profile.js';
import { initSessionsTab, refreshSessions } from './tabs/sessions.js';

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

function showProfileScreen(profile) {
  const app = document.getElementById('app');
  setLanguage(profile.language);
  initHeader(profile);
  initTabs({ beforeLeave, onShow: (panelId) => panelId === 'panel-sessions' && refreshSessions() });
  initProfileTab(profile);
  initSecurity();
  initTimeZone(profile);
  initSessionsTab({ onSignedOut: signedOut });
  api.onSignedOut(signedOut);
  app.hidden = false;
  app.dataset.ready = 'true';
  document.body.dataset.screen = 'profile';
  // The screen that had the focus is gone; keyboard users go on from the tabs.
  document.querySelector('[role="tab"][aria-selected="true"]').focus();
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

boot().catch((error) => {
  console.error('start-up failed', error);
  // No profile, so no stored language: speak the OS's, as a first start would.
  setLanguage(osLanguage);
  const notice = document.getElementById('boot-error');
  notice.textContent = errorText(error);
  notice.hidden = false;
  document.getElementById('app').dataset.ready = 'failed';
  document.body.dataset.screen = 'failed';
});
