// The Sessions tab: where this profile is signed in, and ending those sessions.

import * as api from '../api.js';
import { confirmAction } from '../confirm-dialog.js';
import { errorText, language, onLanguageChange, t, translate } from '../i18n.js';

const panel = document.getElementById('panel-sessions');
const activeList = document.getElementById('sessions-active');
const endedList = document.getElementById('sessions-ended');
const note = document.getElementById('sessions-note');
const endOthers = document.getElementById('sessions-end-others');
const endAll = document.getElementById('sessions-end-all');
const template = document.getElementById('session-template');

/** How many ended sessions are kept in view: enough to recognise what happened. */
const ENDED_SHOWN = 10;
/** Relative times ("5 minutes ago") are refreshed this often while the tab is open. */
const TICK_MS = 30_000;

let sessions = [];
let signOut = () => {};

const UNITS = [['year', 31_536_000], ['month', 2_592_000], ['day', 86_400], ['hour', 3_600], ['minute', 60]];

/** Whether `ms` is an instant JavaScript can represent: stored or synced data may hold
 * anything, and a bad time must cost only its own text, not the tab. */
function representable(ms) {
  return Number.isFinite(ms) && Number.isFinite(new Date(ms).getTime());
}

/** "5 minutes ago" / "5 минут назад"; under a minute, "just now". */
function relative(ms) {
  const seconds = Math.round((ms - Date.now()) / 1000);
  const format = new Intl.RelativeTimeFormat(language(), { numeric: 'auto' });
  for (const [unit, size] of UNITS) {
    if (Math.abs(seconds) >= size) return format.format(Math.trunc(seconds / size), unit);
  }
  return t('sessions.just_now');
}

/** A <time> showing `ms` relatively, the exact time (in the profile's zone, written by Rust)
 * on hover; only the exact time when `ms` is out of JavaScript's range. */
function timeElement(ms, exact) {
  const el = document.createElement('time');
  el.title = exact;
  if (!representable(ms)) {
    el.textContent = exact;
    return el;
  }
  el.dateTime = new Date(ms).toISOString();
  el.dataset.ms = String(ms);
  el.textContent = relative(ms);
  return el;
}

/** The sentence `key` ("Started {when}") with a live <time> where {when} is. */
function sentence(key, ms, exact) {
  const span = document.createElement('span');
  const [before, after = ''] = t(key, { when: '\u0000' }).split('\u0000');
  span.append(before, timeElement(ms, exact), after);
  return span;
}

function row(session) {
  const item = template.content.firstElementChild.cloneNode(true);
  const part = (role) => item.querySelector(`[data-role="${role}"]`);
  translate(item);
  item.dataset.id = session.id;
  item.dataset.current = String(session.is_current);
  part('device').textContent = session.device_name;
  part('current').hidden = !session.is_current;
  const meta = [session.os, t('sessions.version', { version: session.app_version })];
  if (session.address) meta.push(t('sessions.address', { address: session.address }));
  part('meta').textContent = meta.join(' · ');
  const times = part('times');
  times.append(sentence('sessions.started', session.started_at, session.started_text));
  if (session.ended_at == null) {
    times.append(' · ', sentence('sessions.last_active', session.last_active_at, session.last_active_text));
    const end = part('end');
    end.setAttribute('aria-label', t('sessions.end_label', { device: session.device_name }));
    end.addEventListener('click', () => endOne(session));
  } else {
    const key = {
      password_changed: 'sessions.ended_by_password',
      signed_out: 'sessions.ended_by_sign_out',
      disabled: 'sessions.ended_by_administrator',
    }[session.end_reason] ?? 'sessions.ended_at';
    // Ended here while offline: the server takes it at the next sync.
    part('pending').hidden = !session.end_pending;
    times.append(' · ', sentence(key, session.ended_at, session.ended_text));
    part('end').remove();
  }
  return item;
}

/** `row(session)`, or a plain row naming the device if that one cannot be drawn: one bad
 * session never hides the others. */
function safeRow(session) {
  try {
    return row(session);
  } catch (error) {
    console.error('a session could not be shown', session?.id, error);
    const item = document.createElement('li');
    item.className = 'session';
    item.dataset.id = String(session?.id ?? '');
    item.textContent = `${session?.device_name ?? ''} · ${t('sessions.unreadable')}`;
    return item;
  }
}

function render() {
  const active = sessions.filter((s) => s.ended_at == null);
  const ended = sessions.filter((s) => s.ended_at != null).slice(0, ENDED_SHOWN);
  activeList.replaceChildren(...active.map(safeRow));
  if (ended.length) endedList.replaceChildren(...ended.map(safeRow));
  else {
    const empty = document.createElement('li');
    empty.className = 'session-empty';
    empty.textContent = t('sessions.none_ended');
    endedList.replaceChildren(empty);
  }
  endOthers.disabled = !active.some((s) => !s.is_current);
}

/** Reads the sessions again and shows them. */
export async function refreshSessions() {
  activeList.setAttribute('aria-busy', 'true');
  if (!sessions.length) {
    const loading = document.createElement('li');
    loading.className = 'session-empty';
    loading.textContent = t('sessions.loading');
    activeList.replaceChildren(loading);
  }
  try {
    sessions = await api.sessionsList(language());
    note.textContent = '';
    render();
  } catch (error) {
    note.textContent = errorText(error);
  } finally {
    activeList.removeAttribute('aria-busy');
  }
}

async function run(action) {
  note.textContent = '';
  try {
    const outcome = await action();
    if (outcome === 'signed_out') return signOut();
    await refreshSessions();
    // The row that had the focus is gone: continue from the list's heading.
    document.getElementById('sessions-active-title').focus();
  } catch (error) {
    note.textContent = errorText(error);
  }
}

/** Moves every "5 minutes ago" on, without rebuilding the rows (focus stays put). */
function tick() {
  for (const el of panel.querySelectorAll('time[data-ms]')) el.textContent = relative(Number(el.dataset.ms));
}

async function endOne(session) {
  const keys = session.is_current
    ? { title: 'sessions.confirm_end_current_title', body: 'sessions.confirm_end_current_body' }
    : { title: 'sessions.confirm_end_title', body: 'sessions.confirm_end_body' };
  const yes = await confirmAction({ ...keys, confirm: 'sessions.end', cancel: 'sessions.cancel' }, { device: session.device_name });
  if (yes) await run(() => api.sessionEnd(session.id));
}

/** Wires the buttons; `onSignedOut()` runs when this device's own session is ended. */
export function initSessionsTab({ onSignedOut }) {
  signOut = onSignedOut;
  endOthers.addEventListener('click', async () => {
    const yes = await confirmAction({
      title: 'sessions.confirm_end_others_title', body: 'sessions.confirm_end_others_body',
      confirm: 'sessions.end_others', cancel: 'sessions.cancel',
    });
    if (yes) await run(() => api.sessionsEndOthers());
  });
  endAll.addEventListener('click', async () => {
    const yes = await confirmAction({
      title: 'sessions.confirm_end_all_title', body: 'sessions.confirm_end_all_body',
      confirm: 'sessions.end_all', cancel: 'sessions.cancel',
    });
    if (yes) await run(async () => { await api.sessionsEndAll(); return 'signed_out'; });
  });
  // Exact times are written by Rust in the chosen language: read them again on a switch.
  onLanguageChange(() => { if (!panel.hidden) refreshSessions(); });
  setInterval(() => { if (!panel.hidden) tick(); }, TICK_MS);
}
