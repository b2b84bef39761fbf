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

async function invoke(command, args) {
  try {
    return await window.__TAURI__.core.invoke(command, args);
  } catch (raw) {
    throw asUiError(raw);
  }
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
