// The one form component of the app. Every form — the first-run and sign-in screens, the
// server form, each profile field, the password change, the time zone, each contact, the
// token forms — is made of fields wired here: label, note and status tied to the input, a
// password input boxed with its show/hide toggle, the translated error next to the field it
// names (or the hint when there is no error), one submit at a time, and a countdown while
// password tries are throttled.

import { errorText, onLanguageChange, t, translate } from './i18n.js';

const toggleTemplate = document.getElementById('password-toggle-template');
/** Generous: the real limits are Rust's, reported next to the field. */
const MAX_LENGTH = { password: 512 };
/** The element that holds one field's label, input, note and status, where it has one. */
const BLOCK = '.stack-field, .field-row, .contact-row';

/** Shows `error` (translated) in `note`, or its hint when there is none, and marks `input`. */
export function showNote(note, input, error) {
  if (note) {
    note.textContent = error ? errorText(error) : note.dataset.hint ? t(note.dataset.hint) : '';
    note.dataset.kind = error ? 'error' : 'hint';
  }
  input?.setAttribute('aria-invalid', String(Boolean(error)));
}

/** Puts a password input in its box with a show/hide toggle (a pressed button: its label
 * stays "Show password", its state says whether it is shown). */
function boxPassword(input) {
  if (input.parentElement.classList.contains('password-box')) return;
  const box = document.createElement('div');
  box.className = 'password-box';
  input.replaceWith(box);
  const toggle = toggleTemplate.content.firstElementChild.cloneNode(true);
  toggle.setAttribute('aria-controls', input.id);
  box.append(input, toggle);
  translate(box);
  toggle.addEventListener('click', () => {
    input.type = input.type === 'password' ? 'text' : 'password';
    toggle.setAttribute('aria-pressed', String(input.type === 'text'));
    input.focus();
  });
}

/** Ties `input` (data-field="…") to its label, note, password rules and status. Inputs
 * without an id get `${prefix}-${field}`. Safe to run twice. */
function wireField(form, input, prefix) {
  const field = input.dataset.field;
  if (!input.id && prefix) input.id = `${prefix}-${field}`;
  if (!input.name && input.type !== 'radio') input.name = field;
  input.spellcheck = false;
  if (!input.hasAttribute('maxlength') && MAX_LENGTH[input.type]) input.maxLength = MAX_LENGTH[input.type];
  // A field in a form of its own rows: its label and status are in its row.
  const block = input.closest(BLOCK);
  const label = block?.querySelector('label:not(.check)');
  if (label && !label.htmlFor && !label.contains(input)) label.htmlFor = input.id;
  const note = form.querySelector(`[data-note-for="${field}"]`);
  if (note && !note.id) note.id = `${input.id}-note`;
  const status = block?.querySelector('.field-status');
  if (status && !status.id) status.id = `${input.id}-status`;
  const rules = form.querySelector(`[data-rules-for="${input.id}"]`);
  const named = (input.getAttribute('aria-describedby') ?? '').split(' ');
  const described = new Set([note?.id, rules?.id, status?.id, ...named].filter(Boolean));
  if (described.size) input.setAttribute('aria-describedby', [...described].join(' '));
  if (input.type === 'password') boxPassword(input);
}

/** Hides every password under `root` again (after a save, or when a screen is left). */
export function hidePasswords(root = document) {
  for (const toggle of root.querySelectorAll('.password-toggle')) {
    document.getElementById(toggle.getAttribute('aria-controls')).type = 'password';
    toggle.setAttribute('aria-pressed', 'false');
  }
}

/**
 * Wires `form`: inputs carry data-field="…", notes data-note-for="…"; the note marked
 * data-fallback (or data-note-for="*") takes errors that name no field of this form. The
 * submit button may name a data-busy-i18n label shown while the form is sent.
 * `options.prefix` names inputs that have no id. Returns { submit(action), show(error),
 * clear(), waiting() }.
 */
export function formFields(form, { prefix = null } = {}) {
  for (const input of form.querySelectorAll('[data-field]')) wireField(form, input, prefix);
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
    for (const note of notes) showNote(note, null, note === target ? { ...error, params } : null);
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
