// The header: avatar initials, name and the interface language selector.

import * as api from './api.js';
import { language, setLanguage } from './i18n.js';

const nameEl = document.getElementById('header-name');
const initialsEl = document.getElementById('avatar-initials');
const languageSelect = document.getElementById('language');

/** Up to two initials from a name: "Anna Petrova" → "AP". */
function initials(name) {
  const letters = name.trim().split(/\s+/).filter(Boolean).map((word) => [...word][0]);
  return (letters.length > 1 ? letters[0] + letters[letters.length - 1] : letters[0] ?? '?').toUpperCase();
}

/** Shows the profile's name and initials. */
export function showProfile(profile) {
  nameEl.textContent = profile.name;
  initialsEl.textContent = initials(profile.name);
}

/** Wires the language selector: the UI switches at once, then the choice is saved. */
export function initHeader(profile) {
  showProfile(profile);
  languageSelect.value = profile.language;
  languageSelect.addEventListener('change', async () => {
    const previous = language();
    const chosen = languageSelect.value;
    setLanguage(chosen);
    try {
      await api.profileSet({ language: chosen });
    } catch (error) {
      // Not saved: go back to what is stored, so the screen never lies about it.
      languageSelect.value = previous;
      setLanguage(previous);
      console.error('language not saved', error);
    }
  });
}
