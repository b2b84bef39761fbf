// Entry point: load strings and profile, then show the window's content in one go.

import * as api from './api.js';
import { errorText, setBundles, setLanguage } from './i18n.js';
import { initHeader } from './header.js';
import { initTabs } from './tabs.js';
import { initTimeZone } from './time-zone.js';
import { discardEdits, hasUnsavedEdits, initProfileTab } from './tabs/profile.js';
import { askToDiscard } from './unsaved-dialog.js';

/** Leaving the Profile tab with unsaved edits asks first. */
async function beforeLeave(panelId) {
  if (panelId !== 'panel-profile' || !hasUnsavedEdits()) return true;
  const discard = await askToDiscard();
  if (discard) discardEdits();
  return discard;
}

let osLanguage = 'en';

async function boot() {
  const app = document.getElementById('app');
  // Strings first, so that even a failure to load the profile is reported in words.
  const strings = await api.uiStrings();
  setBundles(strings.bundles);
  osLanguage = strings.osLanguage;
  const profile = await api.profileGet();
  setLanguage(profile.language);
  initHeader(profile);
  initTabs({ beforeLeave });
  initProfileTab(profile);
  initTimeZone(profile);
  app.removeAttribute('aria-busy');
  app.dataset.ready = 'true';
}

boot().catch((error) => {
  console.error('start-up failed', error);
  // No profile, so no stored language: speak the OS's, as a first start would.
  setLanguage(osLanguage);
  const notice = document.getElementById('boot-error');
  notice.textContent = errorText(error);
  notice.hidden = false;
  document.getElementById('app').dataset.ready = 'failed';
});
