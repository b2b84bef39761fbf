// The Profile tab: personal details, each field saved with its own «Save».

import * as api from '../../api.js';
import { createFieldRow } from '../../field-row.js';
import { showProfile } from '../../header.js';
import { translate } from '../../i18n.js';

/** The personal details, in the order they are shown. */
const DETAILS = [
  { field: 'name', autocomplete: 'name', value: (p) => p.name },
  { field: 'email', type: 'email', autocomplete: 'email', value: (p) => p.email ?? '' },
  { field: 'organization', autocomplete: 'organization', value: (p) => p.organization ?? '' },
  { field: 'phone', type: 'tel', autocomplete: 'tel', hint: 'profile.phone_hint', value: (p) => p.phone_display ?? '' },
];

let rows = [];

async function save(field, value) {
  const profile = await api.profileSet({ [field]: value });
  showProfile(profile);
  return profile;
}

/** Fills the tab from the profile and wires its forms. */
export function initProfileTab(profile) {
  const container = document.getElementById('details-fields');
  rows = DETAILS.map((spec) => createFieldRow(container, { ...spec, save: (value) => save(spec.field, value) }));
  translate(container);
  for (const row of rows) row.show(profile);
}

/** Shows `profile` as the server sent it, in every field not being edited. */
export function refreshProfile(profile) {
  showProfile(profile);
  for (const row of rows) if (!row.dirty()) row.show(profile);
}

/** A server account's e-mail is its sign-in name: shown, not edited here. */
export function lockEmail() {
  rows[DETAILS.findIndex((spec) => spec.field === 'email')]?.lock('profile.email_managed_hint');
}

/** Whether any field has an edit that is not saved. */
export function hasUnsavedEdits() {
  return rows.some((row) => row.dirty());
}

/** Puts every field back to its saved value. */
export function discardEdits() {
  for (const row of rows) row.reset();
}
