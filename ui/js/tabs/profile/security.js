// The «Security» section of the Profile tab: changing the password.

import * as api from '../../api.js';
import { formFields, hidePasswords } from '../../form-fields.js';
import { onLanguageChange, t } from '../../i18n.js';
import { attachPasswordRules } from '../../password-rules.js';

const form = document.getElementById('security-form');
const current = document.getElementById('current-password');
const next = document.getElementById('new-password');
const status = document.getElementById('password-status');

let errors = null;
let rules = null;
let state = null; // 'saving' | 'changed' | null

function render() {
  status.textContent = state === 'saving' ? t('security.saving') : state === 'changed' ? t('security.changed') : '';
  status.dataset.state = state === 'changed' ? 'saved' : '';
}

/** Wires the password-change form. */
export function initSecurity() {
  errors = formFields(form);
  rules = attachPasswordRules(next);
  for (const input of [current, next]) {
    input.addEventListener('input', () => {
      state = null;
      render();
    });
  }
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    errors.submit(async () => {
      state = 'saving';
      render();
      try {
        await api.passwordChange(current.value, next.value);
        discardPasswords();
        state = 'changed';
      } finally {
        if (state === 'saving') state = null;
        render();
      }
    });
  });
  onLanguageChange(render);
}

/** Whether a password is typed but not saved. */
export function hasTypedPasswords() {
  return Boolean(current.value || next.value);
}

/** Empties both fields (nothing typed stays on the page longer than needed). */
export function discardPasswords() {
  current.value = '';
  next.value = '';
  hidePasswords(form);
  rules.reset();
  errors.clear();
}
