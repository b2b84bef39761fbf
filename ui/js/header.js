// The header: avatar initials, name and the interface language selector.

import * as api from './api.js';
import { openAvatarDialog } from './avatar-dialog.js';
import { errorText, language, setLanguage } from './i18n.js';

const nameEl = document.getElementById('header-name');
const initialsEl = document.getElementById('avatar-initials');
const avatarImage = document.getElementById('avatar-image');
const avatarButton = document.getElementById('avatar');
const languageSelect = document.getElementById('language');
const languageError = document.getElementById('language-error');

/** Up to two initials from a name: "Anna Petrova" → "AP". */
export function initials(name) {
  const letters = name.trim().split(/\s+/).filter(Boolean).map((word) => [...word][0]);
  return (letters.length > 1 ? letters[0] + letters[letters.length - 1] : letters[0] ?? '?').toUpperCase();
}

let current = null;

/** Shows the profile's name and avatar (or initials on a coloured background). */
export function showProfile(profile) {
  current = profile;
  nameEl.textContent = profile.name;
  initialsEl.textContent = initials(profile.name);
  initialsEl.hidden = Boolean(profile.avatar);
  avatarImage.hidden = !profile.avatar;
  if (profile.avatar) avatarImage.src = profile.avatar;
  else avatarImage.removeAttribute('src');
}

/** Follows a language chosen on another device (unless a choice here is being saved). */
export function showLanguage(profile) {
  if (languageSelect.disabled || languageSelect.value === profile.language) return;
  languageSelect.value = profile.language;
  setLanguage(profile.language);
}

/** Wires the avatar button and the language selector (switches at once, then is saved). */
export function initHeader(profile) {
  showProfile(profile);
  avatarButton.addEventListener('click', () => openAvatarDialog(current, showProfile));
  languageSelect.value = profile.language;
  languageSelect.addEventListener('change', async () => {
    const previous = language();
    const chosen = languageSelect.value;
    // A change event without a new choice (a re-selected option) has nothing to save.
    if (chosen === previous) return;
    setLanguage(chosen);
    languageError.textContent = '';
    languageSelect.disabled = true; // one save at a time, so the stored choice is the shown one
    try {
      await api.profileSet({ language: chosen });
    } catch (error) {
      // Not saved: go back to what is stored, so the screen never lies about it.
      languageSelect.value = previous;
      setLanguage(previous);
      languageError.textContent = errorText(error);
    }
    languageSelect.disabled = false;
    languageSelect.focus();
  });
}
