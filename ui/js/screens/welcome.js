// The first-run screen: create a local profile, or sign in to a server.

import * as api from '../api.js';
import { formFields, hidePasswords } from '../form-fields.js';
import { setLanguage } from '../i18n.js';
import { attachPasswordRules } from '../password-rules.js';
import { mountServerForm } from '../server-form.js';

const screen = document.getElementById('welcome');
const form = document.getElementById('welcome-form');
const serverNote = document.getElementById('welcome-server');
const languageSelect = document.getElementById('welcome-language');
const field = (id) => document.getElementById(id);

/** Shows the screen, suggesting `status.name`; resolves to the profile once it is created. */
export function showWelcome(status) {
  const errors = formFields(form);
  attachPasswordRules(field('welcome-password'));
  field('welcome-name').value = status.name;
  languageSelect.value = status.language;
  // Only shown for now: the choice is saved with the profile it creates.
  languageSelect.addEventListener('change', () => setLanguage(languageSelect.value));
  performance.mark('welcome: local form wired');
  screen.hidden = false;
  document.body.dataset.screen = 'welcome';
  field('welcome-name').focus();
  performance.mark('welcome: focused');

  return new Promise((resolve) => {
    // The server form is built when it is first chosen: most first starts never need it.
    let server = null;
    for (const choice of screen.querySelectorAll('input[name="welcome-path"]')) {
      choice.addEventListener('change', () => {
        const local = choice.value === 'local' && choice.checked;
        form.hidden = !local;
        serverNote.hidden = local;
        if (local) return;
        server ??= mountServerForm(serverNote, 'welcome-server', {}, async () => {
          screen.hidden = true;
          resolve(await api.profileGet());
        });
        server.focus();
      });
    }
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      errors.submit(async () => {
        const profile = await api.accountCreate({
          name: field('welcome-name').value,
          email: field('welcome-email').value,
          language: languageSelect.value,
          password: field('welcome-password').value,
          password_confirmation: field('welcome-password-confirmation').value,
        });
        // The typed passwords leave the page with the screen.
        field('welcome-password').value = '';
        field('welcome-password-confirmation').value = '';
        hidePasswords(screen);
        screen.hidden = true;
        resolve(profile);
      });
    });
  });
}
