// One editable profile field with its own «Save»: input, error or hint, and save status.

import { errorText, onLanguageChange, t } from './i18n.js';

const template = document.getElementById('field-row-template');

/**
 * Builds the row for `field` inside `container`.
 * `spec`: { field, type, autocomplete, hint?, value(profile), save(value) → Promise<profile> }.
 * Returns { show(profile), dirty(), reset() }.
 */
export function createFieldRow(container, spec) {
  const form = template.content.firstElementChild.cloneNode(true);
  const part = (role) => form.querySelector(`[data-role="${role}"]`);
  const [label, input, button, note, status] = ['label', 'input', 'save', 'note', 'status'].map(part);

  form.id = `${spec.field}-form`;
  input.id = spec.field;
  input.name = spec.field;
  input.type = spec.type ?? 'text';
  input.autocomplete = spec.autocomplete ?? 'off';
  input.maxLength = 300; // generous: the real limits are Rust's, reported next to the field
  label.htmlFor = input.id;
  label.dataset.i18n = `profile.${spec.field}`;
  button.id = `${spec.field}-save`;
  note.id = `${spec.field}-note`;
  status.id = `${spec.field}-status`;
  input.setAttribute('aria-describedby', `${note.id} ${status.id}`);
  container.append(form);

  let saved = '';
  let error = null;  // the last refusal, kept so a language switch re-translates it
  let state = null;  // 'unsaved' | 'saving' | 'saved' | null

  let hint = spec.hint;

  function render() {
    note.textContent = error ? errorText(error) : hint ? t(hint) : '';
    note.dataset.kind = error ? 'error' : 'hint';
    input.setAttribute('aria-invalid', String(Boolean(error)));
    status.textContent = state ? t(`profile.${state}`) : '';
    status.dataset.state = state ?? '';
    button.disabled = state === 'saving';
  }

  function show(profile) {
    saved = spec.value(profile);
    input.value = saved;
  }

  input.addEventListener('input', () => {
    error = null;
    state = input.value === saved ? null : 'unsaved';
    render();
  });

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    state = 'saving';
    error = null;
    render();
    const submitted = input.value;
    try {
      const profile = await spec.save(submitted);
      const typedMeanwhile = input.value !== submitted;
      const typed = input.value;
      show(profile);
      if (typedMeanwhile) input.value = typed; // never throw away what the user is typing
      state = input.value === saved ? 'saved' : 'unsaved';
    } catch (refusal) {
      error = refusal;
      state = input.value === saved ? null : 'unsaved';
    }
    render();
    if (error) input.focus();
  });

  onLanguageChange(render);
  render();

  return {
    show,
    dirty: () => input.value !== saved,
    /** Makes the field read-only with `hintKey` saying why (managed elsewhere). */
    lock(hintKey) {
      input.readOnly = true;
      button.hidden = true;
      hint = hintKey;
      render();
    },
    reset() {
      input.value = saved;
      error = null;
      state = null;
      render();
    },
  };
}
