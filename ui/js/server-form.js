// The server sign-in form (address, e-mail, password), used on the first-run screen, on the
// sign-in screen of a linked device and in «Connect to a server…».

import * as api from './api.js';
import { formFields, hidePasswords } from './form-fields.js';
import { onLanguageChange, t, translate } from './i18n.js';

const template = document.getElementById('server-form-template');

/**
 * Builds the form inside `container`; ids start with `prefix`.
 * `options`: { address?: a linked device's server (shown, not editable), email?: the
 * account's e-mail to fill in, localProfile?: the name of a local profile that linking would
 * upload or replace }.
 * `onSignedIn(result)` runs after a sign-in. Returns { focus() }.
 */
export function mountServerForm(container, prefix, options, onSignedIn) {
  const form = template.content.firstElementChild.cloneNode(true);
  form.id = `${prefix}-form`;
  form.querySelector('[data-note-for="*"]').id = `${prefix}-note`;
  form.querySelector('button[type="submit"]').id = `${prefix}-submit`;
  const address = form.querySelector('[data-field="server_url"]');
  const email = form.querySelector('[data-field="email"]');
  const password = form.querySelector('[data-field="password"]');
  const local = form.querySelector('[data-part="local"]');
  const connection = form.querySelector('[data-part="connection"]');
  const discardRow = form.querySelector('[data-part="discard"]');
  const discard = discardRow.querySelector('input');
  discard.id = `${prefix}-discard`;
  // Agreeing to drop changes is for the account it was asked about.
  email.addEventListener('input', () => {
    discard.checked = false;
    discardRow.hidden = true;
  });
  for (const radio of local.querySelectorAll('input[type="radio"]')) {
    radio.name = `${prefix}-local`;
    radio.id = `${prefix}-local-${radio.value}`;
  }
  if (options.address) {
    address.value = options.address;
    address.readOnly = true;
    connection.hidden = false;
  }
  if (options.email) email.value = options.email;
  if (options.localProfile) {
    local.hidden = false;
    const warning = local.querySelector('[data-role="replace-warning"]');
    const render = () => { warning.textContent = t('server.local_replace_hint', { name: options.localProfile }); };
    render();
    onLanguageChange(render);
  }
  container.replaceChildren(form);
  translate(form);
  const errors = formFields(form, { prefix });

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    errors.submit(async () => {
      const choice = local.querySelector('input:checked')?.value ?? 'replace';
      let result;
      try {
        result = await api.serverSignIn({
          address: address.value,
          email: email.value,
          password: password.value,
          local: options.localProfile ? choice : 'replace',
          discard_unsent: !discardRow.hidden && discard.checked,
        });
      } catch (error) {
        // Another account's unsent changes are dropped only once the person agrees.
        if (error.code === 'server.other_account_unsent') discardRow.hidden = false;
        throw error;
      }
      password.value = '';
      hidePasswords(form);
      await onSignedIn(result);
    });
  });
  const first = !options.address ? address : options.email ? password : email;
  return { focus: () => first.focus() };
}
