// The header's sync state: «Stored on this device» for a local profile; for a linked one
// synced (with when), N changes pending, syncing, offline or error, with «Sync now», a
// details panel that gives the reason, and the count of what waits for the person's say.

import * as api from './api.js';
import { errorText, language, onLanguageChange, t, translate } from './i18n.js';

/** How often the header asks where syncing stands (a local call, no network). */
const POLL_MS = 1000;

const button = document.getElementById('sync-status');
const text = document.getElementById('sync-text');
const now = document.getElementById('sync-now');
const details = document.getElementById('sync-details');
const list = document.getElementById('sync-details-list');
const reviewButton = document.getElementById('review-open');

let view = { link: null, status: null };
let reviewCount = 0;
let lastRevision = null;
const revisionListeners = new Set();
const linkListeners = new Set();


/** The header's one-line state and its data-state (which colours the dot). */
function summary() {
  const { link, status } = view;
  if (!link) return { state: 'local', label: t('header.sync_local') };
  if (!status) return { state: 'error', label: t('sync.stopped') };
  const pending = status.pending > 0
    ? t(status.pending === 1 ? 'sync.pending_one' : 'sync.pending', { count: status.pending }) : '';
  switch (status.state) {
    case 'syncing': return { state: 'syncing', label: t('sync.syncing') };
    case 'offline': return { state: 'offline', label: [t('sync.offline'), pending].filter(Boolean).join(' · ') };
    case 'error': return { state: 'error', label: [t('sync.error'), pending].filter(Boolean).join(' · ') };
    case 'signed_out': return { state: 'error', label: t('sync.signed_out') };
    default:
      if (status.pending > 0) return { state: 'pending', label: pending };
      return { state: 'synced', label: view.synced_text ? t('sync.synced_at', { time: view.synced_text }) : t('sync.synced') };
  }
}

function row(term, value) {
  const dt = document.createElement('dt');
  dt.textContent = t(term);
  const dd = document.createElement('dd');
  dd.textContent = value;
  list.append(dt, dd);
}

function render() {
  const { state, label } = summary();
  button.dataset.state = state;
  document.body.dataset.sync = state;
  text.textContent = label;
  text.removeAttribute('data-i18n');
  const reason = view.status?.error ? errorText({ code: view.status.error, params: {} }) : '';
  button.title = reason || (view.link ? view.link.server_url : t('header.sync_local_hint'));
  // Said to screen readers too, not only on hover.
  document.getElementById('sync-reason').textContent = button.title;
  now.hidden = !view.link;
  now.disabled = view.status?.state === 'syncing';
  reviewButton.hidden = reviewCount === 0;
  reviewButton.textContent = t('review.open', { count: reviewCount });
  list.replaceChildren();
  if (!view.link) {
    row('sync.where', t('header.sync_local_hint'));
    return;
  }
  row('sync.server', view.link.server_url);
  row('sync.state', label);
  if (view.synced_text) row('sync.last', view.synced_text);
  if (view.status) row('sync.waiting', String(view.status.pending));
  if (reason) row('sync.reason', reason);
  if (view.next_text && view.status.state !== 'syncing') row('sync.next', view.next_text);
  row('sync.secret', t(view.link.secret_storage === 'file' ? 'sync.secret_file' : 'sync.secret_keychain'));
}

async function poll() {
  try {
    view = await api.syncStatus();
  } catch (error) {
    // Signed out meanwhile: api.js tells main.js; nothing to show here.
    if (error.code !== 'account.signed_out') console.warn('sync status failed', error);
    return;
  }
  const revision = view.status?.revision ?? 0;
  if (lastRevision !== null && revision !== lastRevision) {
    for (const listener of revisionListeners) listener(view);
    reviewCount = await countReview();
  }
  lastRevision = revision;
  render();
}

async function countReview() {
  if (!view.link) return 0;
  try {
    const review = await api.syncReview(language());
    return review.sealed.length + review.refused.length + review.conflicts.length;
  } catch {
    return 0;
  }
}

/** Calls `listener(view)` whenever the server's data replaced what the window shows. */
export function onRevision(listener) {
  revisionListeners.add(listener);
}

/** Calls `listener(link)` once the link is known (null for a local profile). */
export function onLink(listener) {
  linkListeners.add(listener);
}

/** The review's count changed (a decision was made). */
export async function refreshReviewCount() {
  reviewCount = await countReview();
  render();
}

/** The link as last read. */
export function currentLink() {
  return view.link;
}

/** Starts showing and polling the sync state; `openReview()` opens the review dialog. */
export async function initSyncStatus(openReview) {
  translate(details);
  button.addEventListener('click', () => {
    details.hidden = !details.hidden;
    button.setAttribute('aria-expanded', String(!details.hidden));
  });
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && !details.hidden) {
      details.hidden = true;
      button.setAttribute('aria-expanded', 'false');
      button.focus();
    }
  });
  now.addEventListener('click', async () => {
    now.disabled = true;
    await api.syncNow().catch((error) => console.warn('sync now failed', error));
    await poll();
  });
  reviewButton.addEventListener('click', openReview);
  onLanguageChange(render);
  await poll();
  reviewCount = await countReview();
  render();
  for (const listener of linkListeners) listener(view.link);
  setInterval(poll, POLL_MS);
}
