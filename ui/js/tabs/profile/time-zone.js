// «Additional Info» → «Time Zone»: a searchable list (WAI-ARIA combobox) of every IANA zone,
// by city, region or offset in either language, with the current time in the chosen zone.

import * as api from '../../api.js';
import { showNote } from '../../form-fields.js';
import { language, onLanguageChange, t } from '../../i18n.js';

const $ = (id) => document.getElementById(id);
const input = $('time-zone');
const list = $('time-zone-list');
const clock = $('time-zone-clock');
const note = $('time-zone-note');
const status = $('time-zone-status');

let zone = 'UTC';        // the saved zone id
let label = '';          // its label in the current language
let time = '';           // the time of day there, HH:MM, as Rust last wrote it
let options = [];        // the shown matches
let active = -1;         // index of the highlighted match
let error = null;
let state = null;        // 'saving' | 'saved' | null
let searchSeq = 0;       // answers to old searches are ignored
let describeSeq = 0;     // likewise for labels asked for before a language switch

/** "Now 14:05" in the saved zone. The time is written by Rust from the catalogue: the
 * webview's own zone data (Intl) lacks some zones the catalogue offers. */
function renderClock() {
  clock.textContent = time ? t('profile.time_now', { time }) : '';
}

function renderNotes() {
  showNote(note, input, error);
  status.textContent = state ? t(`profile.${state}`) : '';
  status.dataset.state = state ?? '';
}

function renderList() {
  list.replaceChildren(...options.map((option, index) => {
    const item = document.createElement('li');
    item.id = `time-zone-option-${index}`;
    item.setAttribute('role', 'option');
    item.dataset.id = option.id;
    item.textContent = option.label;
    item.setAttribute('aria-selected', String(index === active));
    item.addEventListener('pointerdown', (event) => {
      event.preventDefault(); // keep focus in the input
      choose(option);
    });
    return item;
  }));
  const open = options.length > 0 && document.activeElement === input;
  list.hidden = !open;
  input.setAttribute('aria-expanded', String(open));
  if (active >= 0) {
    input.setAttribute('aria-activedescendant', `time-zone-option-${active}`);
    list.children[active]?.scrollIntoView({ block: 'nearest' });
  } else {
    input.removeAttribute('aria-activedescendant');
  }
}

async function search(query) {
  const seq = ++searchSeq;
  try {
    const found = await api.timeZonesSearch(query, language());
    if (seq !== searchSeq) return;
    options = found;
    active = found.length ? 0 : -1;
    error = null;
  } catch (refusal) {
    if (seq !== searchSeq) return;
    options = [];
    error = refusal;
  }
  renderList();
  renderNotes();
}

async function choose(option) {
  searchSeq += 1; // a search still under way must not reopen the list
  options = [];
  active = -1;
  input.value = option.label;
  renderList();
  state = 'saving';
  error = null;
  renderNotes();
  try {
    const profile = await api.profileSet({ time_zone: option.id });
    zone = profile.time_zone;
    label = option.label;
    time = option.time;
    state = 'saved';
  } catch (refusal) {
    error = refusal;
    state = null;
    input.value = label;
  }
  renderNotes();
  renderClock();
}

function close() {
  searchSeq += 1;
  options = [];
  active = -1;
  input.value = label;
  renderList();
}

/** Asks Rust for the saved zone's label and current time; with `relabel`, shows the label
 * in the input (not while the user is searching). */
async function describe({ relabel }) {
  const seq = relabel ? ++describeSeq : describeSeq;
  const asked = zone;
  let entry = null;
  try {
    entry = await api.timeZoneDescribe(asked, language());
  } catch (refusal) {
    error = refusal;
    renderNotes();
  }
  if (asked !== zone) return; // another zone was chosen meanwhile
  time = entry ? entry.time : time;
  renderClock();
  if (!relabel || seq !== describeSeq) return;
  label = entry ? entry.label : zone;
  if (!options.length) input.value = label; // not while the user is searching
}

input.addEventListener('input', () => search(input.value));
input.addEventListener('focus', () => { input.select(); search(''); });
input.addEventListener('blur', close);
input.addEventListener('keydown', (event) => {
  if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
    if (!options.length) return;
    const step = event.key === 'ArrowDown' ? 1 : -1;
    active = (active + step + options.length) % options.length;
    renderList();
  } else if (event.key === 'Enter') {
    if (active >= 0) choose(options[active]);
  } else if (event.key === 'Escape') {
    close();
  } else {
    return;
  }
  event.preventDefault();
});

/** Shows `profile`'s zone as another device set it, unless the person is choosing one. */
export function showTimeZone(profile) {
  if (profile.time_zone === zone || document.activeElement === input) return;
  zone = profile.time_zone;
  describe({ relabel: true });
  renderNotes();
}

/** Shows the profile's zone and keeps its clock running. */
export function initTimeZone(profile) {
  zone = profile.time_zone;
  input.value = zone; // until the label arrives: never an empty field
  describe({ relabel: true });
  renderNotes();
  setInterval(() => describe({ relabel: false }), 15_000);
  onLanguageChange(() => {
    describe({ relabel: true });
    renderNotes();
  });
}
