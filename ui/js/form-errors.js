// A form's submit and refusals: one submit at a time, the translated error next to the field
// it names, a countdown while password tries are throttled, hints when there is no error.

import { errorText, onLanguageChange, t } from './i18n.js';

/**
 * Wires `form`: inputs carry data-field="…", notes data-note-for="…"; the note marked
 * data-fallback (or data-note-for="*") takes errors that name no field of this form. The
 * submit button may name a data-busy-i18n label shown while the form is sent.
 * Returns { submit(action), show(error), clear(), waiting() }.
 */
export function formErrors(form) {
  const notes = [...form.querySelectorAll('[data-note-for]')];
  const button = form.querySelector('button[type="submit"]');
  for (const note of notes) note.dataset.live = note.getAttribute('aria-live') ?? '';
  let error = null;
  let busy = false;
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
    const params = error?.code === 'password.throttled' ? { ...error.params, wait_seconds: secondsLeft() } : error?.params;
    for (const note of notes) {
      const mine = note === target;
      note.textContent = mine ? errorText({ ...error, params }) : note.dataset.hint ? t(note.dataset.hint) : '';
      note.dataset.kind = mine ? 'error' : 'hint';
    }
    for (const input of form.querySelectorAll('[data-field]')) {
      input.setAttribute('aria-invalid', String(Boolean(error) && input.dataset.field === error.field));
    }
    if (button) {
      button.disabled = busy || secondsLeft() > 0;
      if (button.dataset.busyI18n) button.textContent = t(busy ? button.dataset.busyI18n : button.dataset.i18n);
    }
  }

  function clear() {
    error = null;
    waitUntil = 0;
    clearInterval(timer);
    for (const note of notes) {
      if (note.dataset.live) note.setAttribute('aria-live', note.dataset.live);
    }
    render();
  }

  function show(refusal) {
    clear();
    error = refusal;
    const wait = refusal.code === 'password.throttled' ? Number(refusal.params?.wait_seconds ?? 0) : 0;
    if (wait > 0) {
      waitUntil = Date.now() + wait * 1000;
      timer = setInterval(() => {
        if (secondsLeft() === 0) return clear();
        // Announced once; the ticking seconds are not read out again and again.
        noteFor(error.field)?.setAttribute('aria-live', 'off');
        render();
      }, 1000);
    }
    render();
    const input = form.querySelector(`[data-field="${refusal.field}"]`);
    input?.focus();
    // The message sits below its field: bring it into view too, not just the field.
    noteFor(refusal.field)?.scrollIntoView({ block: 'nearest' });
    if (input?.type === 'password') input.select(); // a wrong password is retyped, not edited
  }

  /** Sends the form through `action` unless it is already being sent or must wait. */
  async function submit(action) {
    if (busy || secondsLeft() > 0) return;
    clear();
    busy = true;
    render();
    try {
      await action();
    } catch (refusal) {
      busy = false;
      show(refusal);
    } finally {
      busy = false;
      render();
    }
  }

  // Editing the field at fault takes its error away (a wait, though, runs its course).
  form.addEventListener('input', (event) => {
    if (error && event.target.dataset.field === error.field && secondsLeft() === 0) clear();
  });
  onLanguageChange(render);
  render();
  return { submit, show, clear, waiting: () => secondsLeft() > 0 };
}
