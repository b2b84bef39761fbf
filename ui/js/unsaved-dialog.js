// Asks whether to throw away unsaved edits before leaving them.

const dialog = document.getElementById('unsaved-dialog');

/** Shows the dialog; resolves to true when the user chooses to discard the edits. */
export function askToDiscard() {
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'discard'), { once: true });
    dialog.returnValue = '';
    dialog.showModal();
  });
}
