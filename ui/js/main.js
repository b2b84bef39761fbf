// Entry point: strings first, then the screen this device is at — first run, sign-in or
// the profile itself. Each screen's modules load when it is the one shown.

import * as api from './api.js';
import { errorText, setBundles, setLanguage, t } from './i18n.js';

let osLanguage = 'en';

async function boot() {
  // Both asked at once (one wait, not two in a row). Strings are installed first, so that
  // even a failure to load the profile is reported in words.
  const [stringsAnswer, statusAnswer] = await Promise.allSettled([api.uiStrings(), api.accountStatus()]);
  performance.mark('boot: strings and status in'); // marks: the start-up benchmark's breakdown
  if (stringsAnswer.status === 'rejected') throw stringsAnswer.reason;
  const strings = stringsAnswer.value;
  setBundles(strings.bundles);
  osLanguage = strings.osLanguage;
  if (statusAnswer.status === 'rejected') throw statusAnswer.reason;
  const status = statusAnswer.value;
  setLanguage(status.language);
  let profile;
  if (status.state === 'first_run') {
    const { showWelcome } = await import('./screens/welcome.js');
    performance.mark('boot: screen module loaded');
    profile = await showWelcome(status);
  } else if (status.state === 'signed_out') {
    const { showSignIn } = await import('./screens/sign-in.js');
    profile = await showSignIn(status);
  }
  // Asked for together: the profile and the screen's modules.
  const [screen, fresh] = await Promise.all([
    import('./profile-screen.js'),
    profile ? Promise.resolve(profile) : api.profileGet(),
  ]);
  screen.showProfileScreen(fresh);
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
  // The page's only content now: focused, so a screen reader reads it out at once.
  notice.focus();
  document.getElementById('app').dataset.ready = 'failed';
  document.body.dataset.screen = 'failed';
});
