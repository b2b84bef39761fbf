// «Sync conflicts» and the changes sync could not send: values another device overwrote
// («Use mine» / «Keep theirs»), changes sealed when a session ended (re-submit or drop), and
// changes the server refused (with the reason). Nothing leaves the list without a decision.

import * as api from './api.js';
import { errorText, language, t, translate } from './i18n.js';

const dialog = document.getElementById('review-dialog');
const template = document.getElementById('review-item-template');
const note = document.getElementById('review-note');

/** A value as shown: empty ones say so. */
function shown(value) {
  return value == null || value === '' ? t('review.empty_value') : String(value);
}

/** What a change does, in words: the fields it sets, or what it is. */
function describe(change) {
  const args = change.args ?? {};
  switch (change.name) {
    case 'profile.set': {
      const fields = ['name', 'language', 'email', 'organization', 'phone', 'time_zone']
        .filter((field) => args[field] != null)
        .map((field) => `${t(`review.field.${field}`)}: ${shown(args[field])}`);
      return fields.join(' · ') || t('review.change.profile_set');
    }
    case 'avatar.set': return t('review.change.avatar_set');
    case 'avatar.remove': return t('review.change.avatar_remove');
    case 'session.end': return t('review.change.session_end');
    default: return change.name;
  }
}

function item(what, meta, actions) {
  const li = template.content.firstElementChild.cloneNode(true);
  li.querySelector('[data-role="what"]').textContent = what;
  li.querySelector('[data-role="meta"]').textContent = meta;
  const box = li.querySelector('[data-role="actions"]');
  for (const [labelKey, decision, id, kind] of actions) {
    const button = document.createElement('button');
    button.type = 'button';
    button.className = kind;
    button.textContent = t(labelKey);
    button.dataset.decision = decision;
    button.addEventListener('click', () => decide(id, decision));
    box.append(button);
  }
  return li;
}

let onChanged = () => {};

async function decide(id, decision) {
  note.textContent = '';
  try {
    await api.syncDecide(id, decision);
  } catch (error) {
    note.textContent = errorText(error);
  }
  await fill();
  await onChanged();
}

async function fill() {
  const review = await api.syncReview(language());
  const conflicts = review.conflicts.map((c) => {
    // A picture is named by its hash, and the e-mail is the server's: «Use mine» is for
    // the details this window can write again.
    const writable = !['avatar', 'email'].includes(c.field);
    const what = c.field === 'avatar'
      ? `${t('review.field.avatar')}: ${t('review.picture_replaced')}`
      : `${t(`review.field.${c.field}`)}: ${t('review.mine')} «${shown(c.mine)}» · ${t('review.theirs')} «${shown(c.theirs)}»`;
    const actions = [['review.keep_theirs', 'keep_theirs', c.id, 'secondary']];
    if (writable) actions.unshift(['review.use_mine', 'use_mine', c.id, 'primary']);
    return item(what, t('review.overwritten', { when: c.at_text, device: c.device ?? t('review.unknown_device') }), actions);
  });
  const sealed = review.sealed.map((c) => item(
    describe(c), t('review.made', { when: c.made_text }),
    [['review.resubmit', 'resubmit', c.id, 'primary'], ['review.drop', 'drop', c.id, 'danger']],
  ));
  const refused = review.refused.map((c) => item(
    describe(c), errorText({ code: c.code, field: c.field, params: c.params ?? {} }),
    [['review.dismiss', 'dismiss', c.id, 'secondary']],
  ));
  for (const [key, items] of [['conflicts', conflicts], ['sealed', sealed], ['refused', refused]]) {
    document.getElementById(`review-${key}`).replaceChildren(...items);
    dialog.querySelector(`[data-list="${key}"]`).hidden = items.length === 0;
  }
  document.getElementById('review-empty').hidden = conflicts.length + sealed.length + refused.length > 0;
}

/** Opens the dialog; `changed()` runs after each decision. */
export async function openReview(changed) {
  onChanged = changed;
  translate(dialog);
  note.textContent = '';
  await fill();
  if (!dialog.open) dialog.showModal();
}

/** Wires the close button. */
export function initReviewDialog() {
  document.getElementById('review-close').addEventListener('click', () => dialog.close());
}
