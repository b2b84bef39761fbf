// The only module that touches window.__TAURI__: every call into Rust goes through here.

/** An error as every command returns it: { code, message, field?, params? }. */
function asUiError(raw) {
  if (raw && typeof raw === 'object' && typeof raw.code === 'string') {
    return { params: {}, ...raw };
  }
  // Not one of ours (e.g. the IPC itself failed): keep the detail for the console only.
  console.error('unexpected IPC failure', raw);
  return { code: 'internal', message: 'internal', params: {} };
}

const signedOutListeners = new Set();

async function invoke(command, args) {
  try {
    return await window.__TAURI__.core.invoke(command, args);
  } catch (raw) {
    const error = asUiError(raw);
    if (error.code === 'account.signed_out') for (const listener of signedOutListeners) listener();
    throw error;
  }
}

/** Calls `listener()` whenever a command finds nobody signed in (the session was ended). */
export function onSignedOut(listener) {
  signedOutListeners.add(listener);
}

/** Which screen to open on: { state: 'first_run'|'signed_out'|'signed_in', name, language,
 * avatar, wait_seconds }. */
export function accountStatus() {
  return invoke('account_status');
}

/** Creates the local profile and signs in; resolves to the profile.
 * `account`: { name, email, language, password, password_confirmation }. */
export function accountCreate(account) {
  return invoke('account_create', { account });
}

/** Signs in with the profile's password; resolves to the profile. */
export function signIn(password) {
  return invoke('sign_in', { password });
}

/** Which password rules `password` meets: { length_ok, digit, upper, lower, not_common, strength 0–4 }. */
export function passwordCheck(password) {
  return invoke('password_check', { password });
}

/** Changes the password; every other session ends. */
export function passwordChange(current, next) {
  return invoke('password_change', { current, new: next });
}

/** Every session, active first, with dates written out in the profile's zone and `language`. */
export function sessionsList(language) {
  return invoke('sessions_list', { language });
}

/** Ends one session; resolves to this device's state afterwards ('signed_out' if it was its own). */
export function sessionEnd(id) {
  return invoke('session_end', { id });
}

/** Ends every session but this device's. */
export function sessionsEndOthers() {
  return invoke('sessions_end_others');
}

/** Ends every session, this device's too. */
export function sessionsEndAll() {
  return invoke('sessions_end_all');
}

/** Both translation bundles, parsed, and the OS's language ('en' or 'ru'). */
export async function uiStrings() {
  const raw = await invoke('ui_strings');
  return { bundles: { en: JSON.parse(raw.en), ru: JSON.parse(raw.ru) }, osLanguage: raw.os_language };
}

/** The profile on this device. */
export function profileGet() {
  return invoke('profile_get');
}

/** Saves the given fields ({ name?, language? }); resolves to the saved profile. */
export function profileSet(changes) {
  return invoke('profile_set', { changes });
}

/** Opens the native file dialog (Rust reads the file); resolves to null when cancelled,
 * else { preview: data URL, width, height } in original pixels after EXIF orientation. */
export function avatarChoose(title) {
  return invoke('avatar_choose', { title });
}

/** Crops the chosen picture to `square` ({ x, y, size }) and stores it; resolves to the profile. */
export function avatarSave(square) {
  return invoke('avatar_save', { square });
}

/** Removes the avatar; resolves to the profile. */
export function avatarRemove() {
  return invoke('avatar_remove');
}

/** Time zones matching `query` (city, region or offset), labelled in `language`. */
export function timeZonesSearch(query, language) {
  return invoke('time_zones_search', { query, language });
}

/** The label of one zone id, or null. */
export function timeZoneDescribe(id, language) {
  return invoke('time_zone_describe', { id, language });
}

/** Stops a running avatarChoose or avatarSave (the dialog was closed); that call then fails
 * with 'avatar.cancelled', which callers ignore. */
export function avatarCancel() {
  return invoke('avatar_cancel');
}

/** Signs in to a server; resolves to { queued, secret_storage: 'keychain'|'file' }.
 * `input`: { address, email, password, local: 'upload'|'replace' }. */
export function serverSignIn(input) {
  return invoke('server_sign_in', { input });
}

/** Signs out of the server; the device's data stays only if `keepCopy`. */
export function serverSignOut(keepCopy) {
  return invoke('server_sign_out', { keepCopy });
}

/** { link: null | { server_url, signed_in, secret_storage, file_notice_due },
 *   status: null | { state, pending, synced_at, error, next_at, revision } }. */
export function syncStatus() {
  return invoke('sync_status');
}

/** Asks for a sync round now. */
export function syncNow() {
  return invoke('sync_now');
}

/** The person has read that the session secret lives in a file. */
export function secretNoticeSeen() {
  return invoke('secret_notice_seen');
}

/** { sealed: [change], refused: [change], conflicts: [conflict] } waiting for a decision. */
export function syncReview(language) {
  return invoke('sync_review', { language });
}

/** Acts on one review item: 'resubmit'|'drop'|'dismiss'|'use_mine'|'keep_theirs'. */
export function syncDecide(id, decision) {
  return invoke('sync_decide', { id, decision });
}

/** Every personal API token, dates written out in `language`: { active, withdrawn, next_change_at }. */
export function tokensList(language) {
  return invoke('tokens_list', { language });
}

/** Issues a token: { description, scope, expiry: { kind: 'never' } | { kind: 'on', date } }.
 * Resolves to { token, copied, view }: the text is shown this once. */
export function tokenIssue(request) {
  return invoke('token_issue', { request });
}

/** Puts the token of the open panel on the clipboard again; resolves to whether it worked. */
export function tokenCopy() {
  return invoke('token_copy');
}

/** The panel closed: the app forgets the token's text. */
export function tokenForget() {
  return invoke('token_forget');
}

/** Changes an active token: { description?, expiry? }. */
export function tokenEdit(id, edit) {
  return invoke('token_edit', { id, edit });
}

/** Revokes a token for good. */
export function tokenRevoke(id) {
  return invoke('token_revoke', { id });
}

/** Removes a withdrawn token. */
export function tokenRemove(id) {
  return invoke('token_remove', { id });
}

/** The Notifications tab: { channels: [{ id, name, kind, editable, max_contacts, steps,
 * test_sender, in_catalog, contacts: [{ id, value, display, enabled, preferred }] }] },
 * names and steps in `language`. */
export function contactsList(language) {
  return invoke('contacts_list', { language });
}

/** Adds (no `id`) or changes a contact: { channel, id?, value, enabled?, preferred? };
 * resolves to its channel as listed now. */
export function contactSave(contact, language) {
  return invoke('contact_save', { contact, language });
}

/** Removes a contact; resolves to its channel as listed now (null if it was gone). */
export function contactRemove(id, language) {
  return invoke('contact_remove', { id, language });
}

/** Asks the server to send a test notification to the contact. */
export function contactTest(id) {
  return invoke('contact_test', { id });
}
