// The Profile tab: personal details, each field saved with its own «Save».

import * as api from '../api.js';
import { errorText, onLanguageChange, t } from '../i18n.js';
import { showProfile } from '../header.js';

const form = document.getElementById('name-form');
const input = document.getElementById('name');
const saveButton = document.getElementById('name-save');
const errorEl = document.getElementById('name-error');
const statusEl = document.getElementById('name-status');

let saved = '';
let error = null;     // the last refusal, kept so a language switch re-translates it
let status = null;    // 'unsaved' | 'saving' | 'saved' | null

function render() {
  errorEl.textContent = error ? errorText(error) : '';
  input.setAttribute('aria-invalid', String(Boolean(error)));
  statusEl.textContent = status ? t(`profile.${status}`) : '';
  statusEl.dataset.state = status ?? '';
  saveButton.disabled = status === 'saving';
}

function edited() {
  error = null;
  status = input.value === saved ? null : 'unsaved';
  render();
}

async function save(event) {
  event.preventDefault();
  status = 'saving';
  error = null;
  render();
  try {
    const profile = await api.profileSet({ name: input.value });
    saved = profile.name;
    input.value = saved;
    showProfile(profile);
    status = 'saved';
  } catch (refusal) {
    error = refusal;
    status = input.value === saved ? null : 'unsaved';
  }
  render();
  if (error) input.focus();
}

/** Fills the tab from the profile and wires its form. */
export function initProfileTab(profile) {
  saved = profile.name;
  input.value = saved;
  input.maxLength = 200; // generous: the core rule is checked in Rust and reported here
  input.addEventListener('input', edited);
  form.addEventListener('submit', save);
  onLanguageChange(render);
  render();
}
