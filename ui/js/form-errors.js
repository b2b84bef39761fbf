// A form's refusals: the translated error next to the field it names, a live countdown
// while password tries are throttled, hints when there is no error.

import { errorText, onLanguageChange, t } from './i18n.js';

/**
 * Wires the notes of `form`: inputs carry data-field="…", notes data-note-for="…"; the note
 * marked data-fallback (or data-note-for="*") takes errors that name no field of this form.
 * Returns { show(error), clear(), waiting() }.
 */
export function formErrors(form) {
  const notes = [...form.querySelectorAll('[data-note-for]')];
  const submit = form.querySelector('button[type="submit"]');
  let error = null;
  let waitUntil = 0;
  let timer = null;

  function noteFor(field) {
    return notes.find((n) => n.dataset.noteFor === field)
      ?? notes.find((n) => 'fallback' in n.dataset || n.dataset.noteFor === '*');
  }

  function secondsLeft() {
    return Math.max(0, Math.ceil((waitUntil - Date.now()) / 1000));
  }

  function render() {
    const target = error ? noteFor(error.field) : null;
    for (const note of notes) {
      const mine = note === target;
      const params = error?.code === 'password.throttled' ? { ...error.params, wait_seconds: secondsLeft() } : error?.params;
      note.textContent = mine ? errorText({ ...error, params }) : note.dataset.hint ? t(note.dataset.hint) : '';
      note.dataset.kind = mine ? 'error' : 'hint';
    }
    for (const input of form.querySelectorAll('[data-field]')) {
      input.setAttribute('aria-invalid', String(Boolean(error) && input.dataset.field === error.field));
    }
    if (submit) submit.disabled = secondsLeft() > 0;
  }

  function clear() {
    error = null;
    waitUntil = 0;
    clearInterval(timer);
    render();
  }

  function show(refusal) {
    clear();
    error = refusal;
    const wait = refusal.code === 'password.throttled' ? Number(refusal.params?.wait_seconds ?? 0) : 0;
    if (wait > 0) {
      waitUntil = Date.now() + wait * 1000;
      timer = setInterval(() => (secondsLeft() > 0 ? render() : clear()), 1000);
    }
    render();
    form.querySelector(`[data-field="${refusal.field}"]`)?.focus();
  }

  // Editing the field at fault takes its error away (a wait, though, runs its course).
  form.addEventListener('input', (event) => {
    if (error && event.target.dataset.field === error.field && secondsLeft() === 0) clear();
  });
  onLanguageChange(render);
  render();
  return { show, clear, waiting: () => secondsLeft() > 0 };
}
