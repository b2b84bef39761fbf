// One modal question with two answers: "really end this session?", "discard your edits?".

import { t } from './i18n.js';

const dialog = document.getElementById('confirm-dialog');
const title = document.getElementById('confirm-title');
const body = document.getElementById('confirm-body');
const cancelButton = document.getElementById('confirm-cancel');
const okButton = document.getElementById('confirm-ok');

/**
 * Asks the question; resolves to true when the user confirms. Escape and «cancel» say no.
 * `keys`: { title, body, confirm, cancel } translation keys; `params` fill their placeholders.
 */
export function confirmAction(keys, params = {}) {
  title.textContent = t(keys.title, params);
  body.textContent = t(keys.body, params);
  okButton.textContent = t(keys.confirm, params);
  cancelButton.textContent = t(keys.cancel, params);
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'confirm'), { once: true });
    dialog.returnValue = '';
    dialog.showModal();
    cancelButton.focus(); // the safe answer has the focus
  });
}
