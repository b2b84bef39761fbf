// The sign-in screen, shown while nobody is signed in on this device.

import * as api from '../api.js';
import { formFields, hidePasswords } from '../form-fields.js';
import { initials } from '../header.js';
import { translate } from '../i18n.js';
import { mountServerForm } from '../server-form.js';

const screen = document.getElementById('sign-in');
const form = document.getElementById('sign-in-form');
const password = document.getElementById('sign-in-password');

/** Shows who signs in; resolves to the profile once the password is right. */
export function showSignIn(status) {
  const errors = formFields(form);
  document.getElementById('sign-in-name').textContent = status.name;
  document.getElementById('sign-in-initials').textContent = initials(status.name);
  const avatar = document.getElementById('sign-in-avatar');
  avatar.hidden = !status.avatar;
  if (status.avatar) avatar.src = status.avatar;
  screen.hidden = false;
  document.body.dataset.screen = 'sign-in';
  if (status.server_url) {
    // A server account signs in on its server (a connection is needed), with its e-mail.
    form.hidden = true;
    document.getElementById('sign-in-hint').dataset.i18n = 'server.sign_in_hint';
    document.getElementById('sign-in-hint').textContent = '';
    const host = document.getElementById('sign-in-server');
    host.hidden = false;
    return new Promise((resolve) => {
      const server = mountServerForm(host, 'sign-in-server', { address: status.server_url, email: status.email }, async () => {
        screen.hidden = true;
        resolve(await api.profileGet());
      });
      translate(screen);
      server.focus();
    });
  }
  password.focus();
  if (status.wait_seconds > 0) {
    // Throttled before this start: show the wait at once rather than after a futile try.
    errors.show({ code: 'password.throttled', field: 'password', params: { wait_seconds: status.wait_seconds } });
  }

  return new Promise((resolve) => {
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      errors.submit(async () => {
        const profile = await api.signIn(password.value);
        password.value = '';
        hidePasswords(screen);
        screen.hidden = true;
        resolve(profile);
      });
    });
  });
}
