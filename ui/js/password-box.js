// Password inputs: the show/hide toggle, and the live checklist with its strength meter.

import * as api from './api.js';
import { onLanguageChange, t, translate } from './i18n.js';

const rulesTemplate = document.getElementById('password-rules-template');
const toggleTemplate = document.getElementById('password-toggle-template');
/** The checklist is asked for after this pause in typing, not on every keystroke. */
const CHECK_PAUSE_MS = 120;

/** Gives every password input in a .password-box a show/hide toggle (a pressed button:
 * its label stays "Show password", its state says whether it is shown). */
export function initPasswordToggles(root = document) {
  for (const input of root.querySelectorAll('.password-box > input')) {
    if (input.nextElementSibling?.classList.contains('password-toggle')) continue;
    const toggle = toggleTemplate.content.firstElementChild.cloneNode(true);
    toggle.setAttribute('aria-controls', input.id);
    input.after(toggle);
    translate(input.parentElement);
    toggle.addEventListener('click', () => {
      input.type = input.type === 'password' ? 'text' : 'password';
      toggle.setAttribute('aria-pressed', String(input.type === 'text'));
      input.focus();
    });
  }
}

/** Hides every password under `root` again (after a save, or when a screen is left). */
export function hidePasswords(root = document) {
  for (const toggle of root.querySelectorAll('.password-toggle')) {
    document.getElementById(toggle.getAttribute('aria-controls')).type = 'password';
    toggle.setAttribute('aria-pressed', 'false');
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

  let pause = null;
  input.addEventListener('input', () => {
    const mine = ++asked;
    clearTimeout(pause);
    if (!input.value) {
      checklist = null;
      render();
      return;
    }
    // Asked once typing pauses, and only the answer to the latest question counts.
    pause = setTimeout(async () => {
      const result = await api.passwordCheck(input.value).catch(() => null);
      if (mine === asked) {
        checklist = result;
        render();
      }
    }, CHECK_PAUSE_MS);
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
