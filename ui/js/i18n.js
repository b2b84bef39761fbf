// Translations: lookup, interpolation, and re-labelling the page when the language changes.

let bundles = {};
let current = 'en';
const listeners = new Set();

function lookup(bundle, key) {
  return key.split('.').reduce((node, part) => (node == null ? undefined : node[part]), bundle);
}

/** Installs the parsed bundles, e.g. { en: {...}, ru: {...} }. */
export function setBundles(all) {
  bundles = all;
}

/** The language the UI is shown in. */
export function language() {
  return current;
}

/** Whether `key` has a translation. */
export function has(key) {
  return typeof lookup(bundles[current], key) === 'string';
}

/** The translation of `key` with `{name}` placeholders filled from `params`. */
export function t(key, params = {}) {
  const text = lookup(bundles[current], key) ?? lookup(bundles.en, key);
  if (typeof text !== 'string') {
    console.warn('missing translation', key);
    return key;
  }
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in params ? String(params[name]) : whole));
}

/** Byte counts for people: size_bytes 5242881 → size "5,242,881" and size_mb "5.0" (ru: "5 242 881", "5,0"). */
function withMegabytes(params = {}) {
  const out = { ...params };
  for (const [key, value] of Object.entries(params)) {
    if (key.endsWith('_bytes') && typeof value === 'number') {
      const mb = value / (1024 * 1024);
      out[key.replace(/_bytes$/, '')] = value.toLocaleString(current);
      out[key.replace(/_bytes$/, '_mb')] = mb.toLocaleString(current, {
        maximumFractionDigits: mb < 10 ? 1 : 0,
        minimumFractionDigits: mb < 10 && !Number.isInteger(mb) ? 1 : 0,
      });
    }
  }
  return out;
}

/** The translated text of an error from a command. */
export function errorText(error) {
  const key = `errors.${error.code}`;
  return has(key) ? t(key, withMegabytes(error.params)) : t('errors.unknown', { code: error.code });
}

/** Fills every [data-i18n] text and [data-i18n-attr="attr:key;…"] attribute below `root`. */
export function translate(root = document) {
  for (const el of root.querySelectorAll('[data-i18n]')) {
    el.textContent = t(el.dataset.i18n);
  }
  for (const el of root.querySelectorAll('[data-i18n-attr]')) {
    for (const pair of el.dataset.i18nAttr.split(';')) {
      const [attr, key] = pair.split(':');
      el.setAttribute(attr, t(key));
    }
  }
}

/** Switches the whole UI to `lang` at once: all strings are already loaded, so nothing flashes. */
export function setLanguage(lang) {
  current = lang in bundles ? lang : 'en';
  document.documentElement.lang = current;
  document.title = t('app.title');
  translate();
  for (const listener of listeners) listener(current);
}

/** Calls `listener(lang)` after every language switch, for text built in code. */
export function onLanguageChange(listener) {
  listeners.add(listener);
}
