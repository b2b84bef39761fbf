// Password inputs: the show/hide toggle, and the live checklist with its strength meter.

import * as api from './api.js';
import { onLanguageChange, t, translate } from './i18n.js';

const rulesTemplate = document.getElementById('password-rules-template');
const toggleTemplate = document.getElementById('password-toggle-template');

/** Gives every password input in a .password-box a show/hide toggle. */
export function initPasswordToggles() {
  for (const input of document.querySelectorAll('.password-box > input')) {
    const toggle = toggleTemplate.content.firstElementChild.cloneNode(true);
    toggle.setAttribute('aria-controls', input.id);
    input.after(toggle);
    const label = () => t(input.type === 'password' ? 'password.show' : 'password.hide');
    const render = () => {
      toggle.setAttribute('aria-pressed', String(input.type === 'text'));
      toggle.setAttribute('aria-label', label());
      toggle.title = label();
    };
    toggle.addEventListener('click', () => {
      input.type = input.type === 'password' ? 'text' : 'password';
      render();
      input.focus();
    });
    onLanguageChange(render);
    render();
  }
}

/** Hides every password again (after a save, or before the screen is left). */
export function hidePasswords(root = document) {
  for (const toggle of root.querySelectorAll('.password-toggle')) {
    document.getElementById(toggle.getAttribute('aria-controls')).type = 'password';
    toggle.setAttribute('aria-pressed', 'false');
    toggle.setAttribute('aria-label', t('password.show'));
    toggle.title = t('password.show');
  }
}

/**
 * Fills the [data-rules-for] box of `input` with the checklist and meter, kept up to date as
 * the user types (Rust judges: the same rules as on save). Returns { reset() }.
 */
export function attachPasswordRules(input) {
  const box = document.querySelector(`[data-rules-for="${input.id}"]`);
  box.replaceChildren(rulesTemplate.content.cloneNode(true));
  translate(box);
  const strengthText = box.querySelector('[data-role="strength"]');
  let checklist = null;
  let asked = 0;

  function render() {
    box.dataset.strength = checklist && input.value ? String(checklist.strength) : '';
    strengthText.textContent = checklist && input.value
      ? t('password.strength', { level: t(`password.levels.${checklist.strength}`) })
      : '';
    for (const item of box.querySelectorAll('[data-rule]')) {
      const met = Boolean(checklist?.[item.dataset.rule]);
      item.dataset.met = String(met);
      item.querySelector('[data-role="state"]').textContent = ` — ${t(met ? 'password.met' : 'password.unmet')}`;
    }
  }

  input.addEventListener('input', async () => {
    const mine = ++asked;
    const value = input.value;
    const result = value ? await api.passwordCheck(value).catch(() => null) : null;
    if (mine === asked) { // only the answer to the latest keystroke counts
      checklist = result;
      render();
    }
  });
  onLanguageChange(render);
  render();
  return {
    reset() {
      asked += 1;
      checklist = null;
      render();
    },
  };
}
