// One editable profile field with its own «Save»: input, error or hint, and save status.

import { formFields } from './form-fields.js';
import { onLanguageChange, t } from './i18n.js';

const template = document.getElementById('field-row-template');

/**
 * Builds the row for `field` inside `container`.
 * `spec`: { field, type, autocomplete, hint?, value(profile), save(value) → Promise<profile> }.
 * Returns { show(profile), dirty(), lock(hintKey), reset() }.
 */
export function createFieldRow(container, spec) {
  const form = template.content.firstElementChild.cloneNode(true);
  const part = (role) => form.querySelector(`[data-role="${role}"]`);
  const [label, input, button, note, status] = ['label', 'input', 'save', 'note', 'status'].map(part);

  form.id = `${spec.field}-form`;
  input.id = spec.field;
  input.dataset.field = spec.field;
  input.type = spec.type ?? 'text';
  input.autocomplete = spec.autocomplete ?? 'off';
  input.maxLength = 300; // generous: the real limits are Rust's, reported next to the field
  label.dataset.i18n = `profile.${spec.field}`;
  button.id = `${spec.field}-save`;
  note.dataset.noteFor = spec.field;
  if (spec.hint) note.dataset.hint = spec.hint;
  container.append(form);
  const errors = formFields(form);

  let saved = '';
  let state = null; // 'unsaved' | 'saving' | 'saved' | null

  function render() {
    status.textContent = state ? t(`profile.${state}`) : '';
    status.dataset.state = state ?? '';
  }

  function show(profile) {
    saved = spec.value(profile);
    input.value = saved;
  }

  input.addEventListener('input', () => {
    state = input.value === saved ? null : 'unsaved';
    render();
  });

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    errors.submit(async () => {
      state = 'saving';
      render();
      const submitted = input.value;
      try {
        const profile = await spec.save(submitted);
        const typed = input.value;
        show(profile);
        if (typed !== submitted) input.value = typed; // never throw away what the user is typing
        state = input.value === saved ? 'saved' : 'unsaved';
      } catch (refusal) {
        state = input.value === saved ? null : 'unsaved';
        throw refusal;
      } finally {
        render();
      }
    });
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
      note.dataset.hint = hintKey;
      errors.clear();
    },
    reset() {
      input.value = saved;
      state = null;
      errors.clear();
      render();
    },
  };
}
