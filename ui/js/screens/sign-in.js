// The sign-in screen, shown while nobody is signed in on this device.

import * as api from '../api.js';
import { formErrors } from '../form-errors.js';
import { initials } from '../header.js';
import { t } from '../i18n.js';
import { hidePasswords } from '../password-box.js';

const screen = document.getElementById('sign-in');
const form = document.getElementById('sign-in-form');
const password = document.getElementById('sign-in-password');
const submit = document.getElementById('sign-in-submit');

/** Shows who signs in; resolves to the profile once the password is right. */
export function showSignIn(status) {
  const errors = formErrors(form);
  document.getElementById('sign-in-name').textContent = status.name;
  document.getElementById('sign-in-initials').textContent = initials(status.name);
  const avatar = document.getElementById('sign-in-avatar');
  avatar.hidden = !status.avatar;
  if (status.avatar) avatar.src = status.avatar;
  if (status.wait_seconds > 0) {
    // Throttled before this start: show the wait at once rather than after a futile try.
    errors.show({ code: 'password.throttled', field: 'password', params: { wait_seconds: status.wait_seconds } });
  }
  screen.hidden = false;
  document.body.dataset.screen = 'sign-in';
  password.focus();

  return new Promise((resolve) => {
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      if (errors.waiting()) return;
      errors.clear();
      submit.disabled = true;
      submit.textContent = t('sign_in.signing_in');
      try {
        const profile = await api.signIn(password.value);
        password.value = '';
        hidePasswords(screen);
        screen.hidden = true;
        resolve(profile);
      } catch (error) {
        password.select();
        errors.show(error);
      } finally {
        submit.textContent = t('sign_in.submit');
        if (!errors.waiting()) submit.disabled = false;
      }
    });
  });
}
