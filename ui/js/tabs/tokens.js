// The API Access tab: issuing personal API tokens (shown once, in a panel at the upper
// right), the Active and Withdrawn lists, editing, revoking and removing.

import * as api from '../api.js';
import { confirmAction } from '../confirm-dialog.js';
import { errorText, language, onLanguageChange, t, translate } from '../i18n.js';
import { formFields } from '../form-fields.js';

const panel = document.getElementById('panel-api');
const localCard = document.getElementById('tokens-local');
const linkedPart = document.getElementById('tokens-linked');
const form = document.getElementById('token-form');
const activeList = document.getElementById('tokens-active');
const withdrawnList = document.getElementById('tokens-withdrawn');
const note = document.getElementById('tokens-note');
const expiring = document.getElementById('tokens-expiring');
const filterLabel = document.getElementById('tokens-filter-label');
const filter = document.getElementById('tokens-filter');
const template = document.getElementById('token-template');
const shownPanel = document.getElementById('token-panel');
const editDialog = document.getElementById('token-edit-dialog');
const editForm = document.getElementById('token-edit-form');

/** Past this many tokens a filter is offered. */
const FILTER_FROM = 10;
/** setTimeout's longest wait; a token expiring later is looked at again after this. */
const LONGEST_WAIT_MS = 2_147_483_647;

let lists = { active: [], withdrawn: [], next_change_in_ms: null };
let linked = false;
let refreshTimer = null;
let issueErrors = null;
let editErrors = null;

/** The expiry a fieldset (radios + date) says: { kind: 'never' } or { kind: 'on', date }. */
function expiryOf(fieldset) {
  const on = fieldset.querySelector('input[type="radio"][value="on"]').checked;
  return on ? { kind: 'on', date: fieldset.querySelector('[data-role="date"]').value } : { kind: 'never' };
}

/** The date field follows the Interim choice. */
function wireExpiry(fieldset) {
  const date = fieldset.querySelector('[data-role="date"]');
  const sync = () => {
    date.disabled = !fieldset.querySelector('input[value="on"]').checked;
    if (!date.disabled && !date.value) date.focus();
  };
  for (const radio of fieldset.querySelectorAll('input[type="radio"]')) radio.addEventListener('change', sync);
  return sync;
}

function title(token) {
  return token.description || t('tokens.no_description');
}

function scopeText(token) {
  return t(token.scope === 'write' ? 'tokens.scope_write' : 'tokens.scope_read');
}

function row(token) {
  const item = template.content.firstElementChild.cloneNode(true);
  const part = (role) => item.querySelector(`[data-role="${role}"]`);
  item.dataset.id = token.id;
  part('description').textContent = title(token);
  part('scope').textContent = scopeText(token);
  part('scope').dataset.scope = token.scope;
  part('prefix').textContent = `${token.prefix}…`;
  const pending = token.activation_pending ? 'tokens.activation_pending'
    : token.revoke_pending ? 'tokens.revoke_pending'
      : token.edit_pending ? 'tokens.edit_pending' : null;
  part('pending').hidden = !pending;
  if (pending) part('pending').textContent = t(pending);
  const meta = [t('tokens.created', { when: token.created_text })];
  meta.push(token.expires_text ? t('tokens.expires', { when: token.expires_text }) : t('tokens.never_expires'));
  part('meta').textContent = meta.join(' · ');
  part('times').textContent = token.last_used_text
    ? t(token.last_used_address ? 'tokens.last_used_from' : 'tokens.last_used', {
      when: token.last_used_text, address: token.last_used_address,
    })
    : t('tokens.never_used');
  const actions = part('actions');
  const label = { name: title(token), prefix: `${token.prefix}…` };
  if (token.withdrawn) {
    const why = token.withdrawn === 'revoked' ? 'tokens.revoked_at' : 'tokens.expired_at';
    part('times').textContent += ` · ${t(why, { when: token.withdrawn_text })}`;
    const remove = document.createElement('button');
    remove.type = 'button';
    remove.className = 'icon-button danger-icon';
    remove.dataset.action = 'remove';
    remove.setAttribute('aria-label', t('tokens.remove_label', label));
    remove.title = t('tokens.remove');
    remove.innerHTML = '<svg viewBox="0 0 24 24" aria-hidden="true" focusable="false"><path d="M9 3h6l1 2h4v2H4V5h4l1-2zm-3 6h12l-1 12H7L6 9zm4 2v8h2v-8h-2zm4 0v8h2v-8h-2z"/></svg>';
    remove.addEventListener('click', () => removeToken(token));
    actions.append(remove);
  } else {
    const edit = document.createElement('button');
    edit.type = 'button';
    edit.className = 'icon-button';
    edit.dataset.action = 'edit';
    edit.setAttribute('aria-label', t('tokens.edit_label', label));
    edit.title = t('tokens.edit');
    edit.innerHTML = '<svg viewBox="0 0 24 24" aria-hidden="true" focusable="false"><path d="M4 17.2V20h2.8l8.3-8.3-2.8-2.8L4 17.2zm13.7-7.6a1 1 0 0 0 0-1.4l-1.9-1.9a1 1 0 0 0-1.4 0l-1.5 1.5 2.8 2.8 2-1z"/></svg>';
    edit.addEventListener('click', () => openEdit(token));
    const revoke = document.createElement('button');
    revoke.type = 'button';
    revoke.className = 'danger';
    revoke.dataset.action = 'revoke';
    revoke.textContent = t('tokens.revoke');
    revoke.setAttribute('aria-label', t('tokens.revoke_label', label));
    revoke.disabled = token.revoke_pending;
    revoke.addEventListener('click', () => revokeToken(token));
    actions.append(edit, revoke);
  }
  return item;
}

/** `row(token)`, or a plain line naming it if it cannot be drawn: one bad row never hides
 * the others. */
function safeRow(token) {
  try {
    return row(token);
  } catch (error) {
    console.error('a token could not be shown', token?.id, error);
    const item = document.createElement('li');
    item.className = 'session token';
    item.textContent = `${token?.prefix ?? ''}… · ${t('tokens.unreadable')}`;
    return item;
  }
}

function empty(key) {
  const item = document.createElement('li');
  item.className = 'session-empty';
  item.textContent = t(key);
  return item;
}

function matches(token) {
  const query = filter.value.trim().toLowerCase();
  return !query || `${token.description} ${token.prefix}`.toLowerCase().includes(query);
}

function render() {
  const total = lists.active.length + lists.withdrawn.length;
  filterLabel.hidden = total <= FILTER_FROM;
  if (filterLabel.hidden) filter.value = '';
  const active = lists.active.filter(matches);
  const withdrawn = lists.withdrawn.filter(matches);
  activeList.replaceChildren(...(active.length ? active.map(safeRow) : [empty(filter.value ? 'tokens.none_match' : 'tokens.none_active')]));
  withdrawnList.replaceChildren(...(withdrawn.length ? withdrawn.map(safeRow) : [empty(filter.value ? 'tokens.none_match' : 'tokens.none_withdrawn')]));
  const soon = lists.active.filter((token) => token.expires_soon);
  expiring.hidden = soon.length === 0;
  expiring.textContent = soon.length
    ? t('tokens.expiring_soon', {
      tokens: soon.map((token) => t('tokens.expiring_item', { name: title(token), when: token.expires_text })).join('; '),
    })
    : '';
}

/** Looks again when the next token expires or starts to warn, so it moves without a restart. */
function scheduleRefresh() {
  clearTimeout(refreshTimer);
  if (lists.next_change_in_ms == null) return;
  // Measured by the app's clock, not the window's: the two may disagree.
  const wait = Math.min(Math.max(lists.next_change_in_ms + 500, 500), LONGEST_WAIT_MS);
  refreshTimer = setTimeout(() => refreshTokens(), wait);
}

/** Reads the tokens again and shows them. */
export async function refreshTokens() {
  if (!linked) return;
  activeList.setAttribute('aria-busy', 'true');
  try {
    lists = await api.tokensList(language());
    note.textContent = '';
    render();
    scheduleRefresh();
  } catch (error) {
    note.textContent = errorText(error);
  } finally {
    activeList.removeAttribute('aria-busy');
  }
}

function showPanel(issued) {
  document.getElementById('token-panel-text').textContent = issued.token;
  const status = document.getElementById('token-panel-status');
  status.textContent = t(issued.copied ? 'tokens.copied' : 'tokens.copy_by_hand');
  status.dataset.kind = issued.copied ? 'hint' : 'error';
  shownPanel.hidden = false;
  document.getElementById('token-panel-copy').focus();
}

async function closePanel() {
  shownPanel.hidden = true;
  document.getElementById('token-panel-text').textContent = '';
  await api.tokenForget().catch((error) => console.warn('forgetting the token', error));
  document.getElementById('token-description').focus();
}

async function issue() {
  const request = {
    description: document.getElementById('token-description').value,
    scope: form.querySelector('input[name="token-scope"]:checked').value,
    expiry: expiryOf(form.querySelector('[data-role="expiry"]')),
  };
  const issued = await api.tokenIssue(request);
  form.reset();
  resetIssueExpiry();
  showPanel(issued);
  await refreshTokens();
}

let resetIssueExpiry = () => {};

function openEdit(token) {
  const dialog = editDialog;
  translate(dialog);
  editErrors.clear();
  document.getElementById('token-edit-title').textContent = t('tokens.edit_title', { prefix: `${token.prefix}…` });
  document.getElementById('token-edit-description').value = token.description;
  const fieldset = editForm.querySelector('[data-role="expiry"]');
  fieldset.querySelector(`input[value="${token.expires_at == null ? 'never' : 'on'}"]`).checked = true;
  fieldset.querySelector('[data-role="date"]').value = token.expires_on ?? '';
  fieldset.querySelector('[data-role="date"]').disabled = token.expires_at == null;
  editForm.querySelector('[data-role="scope-fixed"]').textContent = t('tokens.scope_fixed', { scope: scopeText(token) });
  editForm.onsubmit = (event) => {
    event.preventDefault();
    editErrors.submit(async () => {
      // Only what changed: an untouched expiry is not recomputed in today's zone, and an
      // edit made on another device to the other field is not overwritten.
      const edit = {};
      const description = document.getElementById('token-edit-description').value;
      if (description !== token.description) edit.description = description;
      const expiry = expiryOf(fieldset);
      const same = expiry.kind === 'never' ? token.expires_at == null : expiry.date === token.expires_on;
      if (!same) edit.expiry = expiry;
      if (Object.keys(edit).length) await api.tokenEdit(token.id, edit);
      dialog.close();
      await refreshTokens();
    });
  };
  dialog.showModal();
  document.getElementById('token-edit-description').focus();
}

async function run(action) {
  note.textContent = '';
  try {
    await action();
    await refreshTokens();
    document.getElementById('tokens-active-title').focus();
  } catch (error) {
    note.textContent = errorText(error);
  }
}

/** Asks `kind` ('revoke' or 'remove') of `token` first, then does it with `action`. */
async function confirmed(kind, token, action) {
  const yes = await confirmAction({
    title: `tokens.confirm_${kind}_title`, body: `tokens.confirm_${kind}_body`,
    confirm: `tokens.${kind}`, cancel: 'tokens.cancel',
  }, { name: title(token), prefix: `${token.prefix}…` });
  if (yes) await run(() => action(token.id));
}

const revokeToken = (token) => confirmed('revoke', token, api.tokenRevoke);
const removeToken = (token) => confirmed('remove', token, api.tokenRemove);

/** Shows the tab for a linked device (`link` set) or explains what tokens need (local). */
export function showTokensFor(link) {
  linked = Boolean(link);
  localCard.hidden = linked;
  linkedPart.hidden = !linked;
  if (linked && !panel.hidden) refreshTokens();
}

/** Wires the form, the panel and the dialogs; `connect()` opens «Connect to a server…». */
export function initTokensTab({ connect }) {
  // A new page shows no panel: a token kept for one (before a reload) is forgotten.
  api.tokenForget().catch((error) => console.warn('forgetting the token', error));
  document.getElementById('tokens-connect').addEventListener('click', () => connect());
  issueErrors = formFields(form);
  resetIssueExpiry = wireExpiry(form.querySelector('[data-role="expiry"]'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    issueErrors.submit(issue);
  });
  editErrors = formFields(editForm);
  wireExpiry(editForm.querySelector('[data-role="expiry"]'));
  document.getElementById('token-edit-cancel').addEventListener('click', () => editDialog.close());
  document.getElementById('token-panel-done').addEventListener('click', closePanel);
  document.getElementById('token-panel-copy').addEventListener('click', async () => {
    const status = document.getElementById('token-panel-status');
    try {
      const copied = await api.tokenCopy();
      status.textContent = t(copied ? 'tokens.copied' : 'tokens.copy_by_hand');
      status.dataset.kind = copied ? 'hint' : 'error';
    } catch (error) {
      status.textContent = errorText(error);
      status.dataset.kind = 'error';
    }
  });
  filter.addEventListener('input', render);
  // Written-out dates come from Rust in the chosen language: read them again on a switch.
  onLanguageChange(() => { if (linked && !panel.hidden) refreshTokens(); });
}
