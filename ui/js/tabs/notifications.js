// The Notifications tab: one card per notification channel with its instructions and its
// contacts; each contact row has «Save», «Clear», its error next to the field, and the
// switches for enabled and preferred.

import * as api from '../api.js';
import { formFields } from '../form-fields.js';
import { errorText, has, language, onLanguageChange, t, translate } from '../i18n.js';

const container = document.getElementById('channels');
const loadError = document.getElementById('channels-error');
const channelTemplate = document.getElementById('channel-template');
const contactTemplate = document.getElementById('contact-template');

/** Channel id → { card, rows: [{ dirty() }] }. */
const cards = new Map();
/** Contact id → what its row shows («Saved», «Sending…», «Test notification sent»), so that
 * a redraw after a sync keeps it, even while the call it reports on is still running. */
const outcomes = new Map();
/** Contact id → the row drawn for it last: a call that ends after a sync redrew the card
 * reports there, not on the row it started from, which is gone from the page. */
const liveRows = new Map();
let shownOnce = false;

function clone(template) {
  const node = template.content.firstElementChild.cloneNode(true);
  translate(node);
  return node;
}

/** Ids are UUIDs and catalog ids ([a-z0-9_-]); both are safe in element ids. */
function elementId(...parts) {
  return parts.join('-');
}

/** A contact row (an empty one when `contact` is null) of channel `view`. */
function contactRow(view, contact, number) {
  const item = clone(contactTemplate);
  const part = (role) => item.querySelector(`[data-role="${role}"]`);
  const form = item.querySelector('form');
  const input = part('input');
  const id = elementId('contact', view.id, contact?.id ?? 'new');
  input.id = id;
  part('label').htmlFor = id;
  part('label').textContent = view.contacts.length > 1
    ? t('contacts.label_nth', { channel: view.name, n: number })
    : view.name;
  const placeholder = `contacts.placeholder.${view.kind}`;
  input.placeholder = has(placeholder) ? t(placeholder) : '';
  const saved = contact?.display ?? '';
  input.value = saved;
  item.dataset.contact = contact?.id ?? 'new';
  item.dataset.enabled = String(contact?.enabled ?? true);
  const formErrors = formFields(form);
  const setStatus = (key) => {
    part('status').textContent = key ? t(`contacts.${key}`) : '';
    part('status').dataset.state = key ?? '';
    // «Unsaved» belongs to what is typed in this row, which a redraw does not keep.
    if (contact && key && key !== 'unsaved') outcomes.set(contact.id, key);
    else if (contact) outcomes.delete(contact.id);
  };
  setStatus((contact && outcomes.get(contact.id)) ?? null);
  const row = { setStatus, formErrors };
  if (contact) liveRows.set(contact.id, row);
  const live = () => (contact && liveRows.get(contact.id)) || row;
  // One call at a time from this row; a refusal shows next to the field of the row drawn now.
  const errors = {
    ...formErrors,
    submit: (action) => formErrors.submit(async () => {
      try {
        await action();
      } catch (refusal) {
        if (live() === row) throw refusal;
        live().formErrors.show(refusal);
      }
    }),
  };

  if (!view.editable) {
    input.readOnly = true;
    part('save').hidden = true;
  }
  if (!contact) part('clear').hidden = view.contacts.length === 0 && !view.editable;

  const options = part('options');
  if (contact && view.editable) {
    options.hidden = false;
    const enabled = part('enabled');
    enabled.checked = contact.enabled;
    enabled.id = `${id}-enabled`;
    enabled.addEventListener('change', () => errors.submit(async () => {
      try {
        await save(view.id, { id: contact.id, value: contact.value, enabled: enabled.checked }, contact.id);
      } catch (refusal) {
        enabled.checked = contact.enabled;
        throw refusal;
      }
    }));
    const preferred = part('preferred');
    preferred.name = elementId('preferred', view.id);
    preferred.checked = contact.preferred;
    preferred.id = `${id}-preferred`;
    part('preferred-label').hidden = view.contacts.length < 2;
    // Only where the server can send one: its catalog marks those channels.
    const test = part('test');
    test.hidden = !view.test_sender;
    test.addEventListener('click', () => errors.submit(async () => {
      setStatus('testing');
      try {
        await api.contactTest(contact.id);
        live().setStatus('test_sent');
      } catch (refusal) {
        live().setStatus(null);
        throw refusal;
      }
    }));
    preferred.addEventListener('change', () => errors.submit(async () => {
      try {
        await save(view.id, { id: contact.id, value: contact.value, preferred: true }, contact.id);
      } catch (refusal) {
        preferred.checked = contact.preferred;
        throw refusal;
      }
    }));
  }

  input.addEventListener('input', () => setStatus(input.value === saved ? null : 'unsaved'));

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    errors.submit(async () => {
      setStatus('saving');
      try {
        await save(view.id, { id: contact?.id, value: input.value }, contact?.id ?? null);
      } catch (refusal) {
        // A row redrawn meanwhile had nothing typed in it (a typed row is never redrawn).
        live().setStatus(input.value === saved ? null : 'unsaved');
        throw refusal;
      }
    });
  });

  part('clear').addEventListener('click', () => {
    if (!contact) {
      // A row not saved yet: emptied, or gone when the channel has contacts already.
      if (view.contacts.length > 0) {
        item.remove();
        card(view.id)?.add.focus();
      } else {
        input.value = '';
        errors.clear();
        setStatus(null);
        input.focus();
      }
      return;
    }
    errors.submit(async () => {
      const fresh = await api.contactRemove(contact.id, language());
      if (fresh) show(fresh, { focus: 'first' });
      else await refreshContacts();
    });
  });

  return { item, dirty: () => input.value !== saved, input };
}

function card(channelId) {
  const entry = cards.get(channelId);
  return entry && { node: entry.card, add: entry.card.querySelector('[data-role="add"]') };
}

/** Saves through the row's form, then redraws the channel and puts the focus back on the
 * saved contact. `previous` is the contact's id (null for a new one). */
async function save(channelId, contact, previous) {
  const before = new Set((cards.get(channelId)?.view.contacts ?? []).map((c) => c.id));
  const fresh = await api.contactSave({ channel: channelId, ...contact }, language());
  const savedId = previous ?? fresh.contacts.find((c) => !before.has(c.id))?.id ?? null;
  if (savedId) outcomes.set(savedId, 'saved');
  show(fresh, { focus: savedId });
}

/** Draws channel `view` (replacing its card), focusing what `focus` names. */
function show(view, { focus = null } = {}) {
  const node = clone(channelTemplate);
  const part = (role) => node.querySelector(`[data-role="${role}"]`);
  node.id = elementId('channel', view.id);
  node.dataset.channel = view.id;
  const name = part('name');
  name.id = `${node.id}-name`;
  name.textContent = view.name;
  node.setAttribute('aria-labelledby', name.id);
  if (view.steps.length > 0) {
    for (const step of view.steps) {
      const li = document.createElement('li');
      li.textContent = step;
      part('steps').append(li);
    }
    part('help').open = view.contacts.length === 0 && view.editable;
  } else {
    part('help').hidden = true;
    part('ask').hidden = false;
    const ask = !view.in_catalog ? 'contacts.not_offered_hint' : view.editable ? 'contacts.ask_admin' : 'contacts.update_hint';
    part('ask').textContent = t(ask);
  }
  if (!view.editable) {
    part('badge').hidden = false;
    part('badge').textContent = t(view.in_catalog ? 'contacts.read_only' : 'contacts.not_offered');
  }
  const rows = view.contacts.map((contact, index) => contactRow(view, contact, index + 1));
  if (view.editable && view.contacts.length === 0) rows.push(contactRow(view, null, 1));
  for (const row of rows) part('contacts').append(row.item);
  const add = part('add');
  add.hidden = !(view.editable && view.max_contacts > 1 && view.contacts.length > 0
    && view.contacts.length < view.max_contacts);
  add.addEventListener('click', () => {
    const pending = part('contacts').querySelector('[data-contact="new"] input');
    if (pending) {
      pending.focus();
      return;
    }
    const row = contactRow(view, null, view.contacts.length + 1);
    entry.rows.push(row);
    part('contacts').append(row.item);
    row.input.focus();
  });
  const entry = { card: node, rows, view };
  const old = cards.get(view.id);
  if (old) old.card.replaceWith(node);
  else container.append(node);
  cards.set(view.id, entry);
  if (focus === 'first') (node.querySelector('input:not([readonly])') ?? add).focus();
  else if (focus) node.querySelector(`[data-contact="${focus}"] input`)?.focus();
}

/** Loads every channel; a card being typed in is left as it is. */
export async function refreshContacts() {
  try {
    const lists = await api.contactsList(language());
    const ids = new Set(lists.channels.map((c) => c.id));
    for (const [id, entry] of cards) {
      if (!ids.has(id) && !entry.rows.some((r) => r.dirty())) {
        entry.card.remove();
        cards.delete(id);
      }
    }
    for (const view of lists.channels) {
      const entry = cards.get(view.id);
      if (entry?.rows.some((r) => r.dirty())) continue;
      show(view);
      container.append(cards.get(view.id).card); // the catalog's order
    }
    loadError.hidden = true;
  } catch (error) {
    loadError.hidden = false;
    loadError.textContent = errorText(error);
  } finally {
    container.setAttribute('aria-busy', 'false');
  }
}

/** Loads the tab when it is first shown, and again in a new language. */
export function initNotificationsTab() {
  onLanguageChange(() => {
    if (shownOnce) refreshContacts();
  });
}

/** The tab was shown: loads it (again). */
export function showNotifications() {
  shownOnce = true;
  refreshContacts();
}

/** Whether a contact was typed and not saved. */
export function hasUnsavedContacts() {
  return [...cards.values()].some((entry) => entry.rows.some((r) => r.dirty()));
}
