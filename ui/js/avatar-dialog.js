// The avatar dialog: choose a picture (native dialog, read by Rust), crop a square by mouse
// or keyboard with zoom and a live round preview, then save it — or remove the avatar.

import * as api from './api.js';
import { centredSquare, moved, resizedAroundCentre, resizedFromCorner } from './crop.js';
import { errorText, onLanguageChange, t } from './i18n.js';

const STAGE_SIDE = 438; // px inside the stage's 1 px border: a fixed square, so nothing jumps
const PREVIEW_SIDE = 96; // px: the round preview

const $ = (id) => document.getElementById(id);
const dialog = $('avatar-dialog');
const stage = $('crop-stage');
const canvas = $('crop-canvas');
const image = $('crop-image');
const frame = $('crop-frame');
const preview = $('crop-preview');
const zoom = $('crop-zoom');
const note = $('avatar-note');
const progress = $('avatar-progress');
const buttons = ['avatar-choose', 'avatar-remove', 'avatar-cancel', 'avatar-save'].map($);
const [chooseButton, removeButton, cancelButton, saveButton] = buttons;

let source = null; // { width, height } of the original after orientation
let square = null; // the crop square in original pixels
let error = null;
let onSaved = () => {};
let hasAvatar = false;
let working = false; // Rust is choosing or saving; closing the dialog cancels it

function scale() {
  return (STAGE_SIDE / Math.max(source.width, source.height)) * Number(zoom.value);
}

function render() {
  note.textContent = error ? errorText(error) : '';
  stage.dataset.empty = String(!source);
  saveButton.disabled = !source;
  removeButton.hidden = !hasAvatar;
  if (!source) return;
  const k = scale();
  Object.assign(canvas.style, { width: `${source.width * k}px`, height: `${source.height * k}px` });
  Object.assign(frame.style, {
    left: `${square.x * k}px`,
    top: `${square.y * k}px`,
    width: `${square.size * k}px`,
    height: `${square.size * k}px`,
  });
  const p = PREVIEW_SIDE / square.size;
  Object.assign(preview.style, {
    width: `${source.width * p}px`,
    height: `${source.height * p}px`,
    left: `${-square.x * p}px`,
    top: `${-square.y * p}px`,
  });
  frame.dataset.square = `${square.x},${square.y},${square.size}`;
}

function busy(on) {
  dialog.setAttribute('aria-busy', String(on));
  progress.hidden = !on;
  for (const button of buttons) button.disabled = on;
  if (!on) render();
}

function showSource(chosen) {
  source = { width: chosen.width, height: chosen.height };
  square = centredSquare(source.width, source.height);
  image.src = chosen.preview;
  preview.src = chosen.preview;
  zoom.value = '1';
  error = null;
  render();
  frame.focus();
}

async function choose() {
  busy(true);
  working = true;
  try {
    const chosen = await api.avatarChoose(t('avatar.choose_title'));
    if (chosen) showSource(chosen);
  } catch (refusal) {
    if (refusal.code !== 'avatar.cancelled') error = refusal;
  }
  working = false;
  busy(false);
}

async function run(action) {
  busy(true);
  error = null;
  working = true;
  try {
    const profile = await action();
    working = false;
    onSaved(profile);
    dialog.close();
  } catch (refusal) {
    // The stored avatar is untouched: Rust saves all or nothing.
    if (refusal.code !== 'avatar.cancelled') error = refusal;
  }
  working = false;
  busy(false);
}

// Dragging the frame moves it; dragging its corner handle resizes it.
let drag = null;
frame.addEventListener('pointerdown', (event) => {
  drag = {
    resize: event.target.dataset.handle === 'resize',
    x: event.clientX,
    y: event.clientY,
    start: square,
  };
  frame.setPointerCapture(event.pointerId);
  event.preventDefault();
});
frame.addEventListener('pointermove', (event) => {
  if (!drag) return;
  const k = scale();
  const dx = (event.clientX - drag.x) / k;
  const dy = (event.clientY - drag.y) / k;
  square = drag.resize
    ? resizedFromCorner(drag.start, Math.max(dx, dy), source.width, source.height)
    : moved(drag.start, dx, dy, source.width, source.height);
  render();
});
frame.addEventListener('pointerup', () => { drag = null; });
frame.addEventListener('pointercancel', () => { drag = null; });

// Keyboard: arrows move, + and - resize; Shift moves ten times as far.
frame.addEventListener('keydown', (event) => {
  if (!source) return;
  const step = Math.max(1, Math.round(Math.min(source.width, source.height) / 100)) * (event.shiftKey ? 10 : 1);
  const moves = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] };
  if (event.key in moves) {
    square = moved(square, ...moves[event.key], source.width, source.height);
  } else if (event.key === '+' || event.key === '=') {
    square = resizedAroundCentre(square, 2 * step, source.width, source.height);
  } else if (event.key === '-') {
    square = resizedAroundCentre(square, -2 * step, source.width, source.height);
  } else {
    return;
  }
  event.preventDefault();
  render();
});

zoom.addEventListener('input', () => {
  if (!source) return;
  render();
  // Keep the frame in view while zooming.
  const k = scale();
  stage.scrollLeft = (square.x + square.size / 2) * k - stage.clientWidth / 2;
  stage.scrollTop = (square.y + square.size / 2) * k - stage.clientHeight / 2;
});

chooseButton.addEventListener('click', choose);
removeButton.addEventListener('click', () => run(api.avatarRemove));
saveButton.addEventListener('click', () => run(() => api.avatarSave(square)));
cancelButton.addEventListener('click', () => dialog.close());
// Escape closes the dialog even while busy: stop what Rust is doing for it.
dialog.addEventListener('close', () => {
  if (working) api.avatarCancel().catch(() => {});
});
onLanguageChange(render);

/** Opens the dialog; `saved(profile)` is called after a save or a removal. */
export function openAvatarDialog(profile, saved) {
  onSaved = saved;
  hasAvatar = Boolean(profile.avatar);
  source = null;
  square = null;
  error = null;
  render();
  dialog.showModal();
  chooseButton.focus();
}
