// A new password's live checklist and strength meter.

import * as api from './api.js';
import { onLanguageChange, t, translate } from './i18n.js';

const rulesTemplate = document.getElementById('password-rules-template');
/** The checklist is asked for after this pause in typing, not on every keystroke. */
const CHECK_PAUSE_MS = 120;

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
