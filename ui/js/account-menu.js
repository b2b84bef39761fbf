// The profile menu: «Connect to a server…» for a local profile, «Sign out of the server…»
// for a linked one (a local copy stays only if the person asks for it).

import * as api from './api.js';
import { errorText, translate } from './i18n.js';
import { mountServerForm } from './server-form.js';

const menuButton = document.getElementById('account-menu-button');
const menu = document.getElementById('account-menu');
const connectItem = document.getElementById('menu-connect');
const signOutItem = document.getElementById('menu-sign-out');

function closeMenu() {
  menu.hidden = true;
  menuButton.setAttribute('aria-expanded', 'false');
}

function openMenu() {
  menu.hidden = false;
  menuButton.setAttribute('aria-expanded', 'true');
  menu.querySelector('button:not([hidden])')?.focus();
}

function openConnect(profileName, restart) {
  const dialog = document.getElementById('connect-dialog');
  translate(dialog);
  const form = mountServerForm(document.getElementById('connect-form'), 'connect', { localProfile: profileName },
    async () => {
      dialog.close();
      restart();
    });
  dialog.showModal();
  form.focus();
}

function openSignOut(restart) {
  const dialog = document.getElementById('sign-out-dialog');
  const keep = document.getElementById('sign-out-keep');
  const warning = document.getElementById('sign-out-warning');
  const note = document.getElementById('sign-out-note');
  translate(dialog);
  keep.checked = false;
  warning.hidden = false;
  note.textContent = '';
  keep.onchange = () => { warning.hidden = keep.checked; };
  document.getElementById('sign-out-confirm').onclick = async () => {
    try {
      await api.serverSignOut(keep.checked);
      dialog.close();
      restart();
    } catch (error) {
      note.textContent = errorText(error);
    }
  };
  dialog.showModal();
}

let connect = () => {};

/** Opens «Connect to a server…» (for a local profile), as the menu does. */
export function connectToServer() {
  connect();
}

/** Wires the menu for `link` (null: a local profile named `profileName`); `restart()`
 * reloads the window once the device's standing changed. */
export function initAccountMenu(link, profileName, restart) {
  connectItem.hidden = Boolean(link);
  signOutItem.hidden = !link;
  menuButton.addEventListener('click', () => (menu.hidden ? openMenu() : closeMenu()));
  menu.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') {
      closeMenu();
      menuButton.focus();
    }
  });
  document.addEventListener('click', (event) => {
    if (!menu.hidden && !menu.contains(event.target) && event.target !== menuButton && !menuButton.contains(event.target)) closeMenu();
  });
  connect = () => openConnect(profileName(), restart);
  connectItem.addEventListener('click', () => { closeMenu(); connect(); });
  signOutItem.addEventListener('click', () => { closeMenu(); openSignOut(restart); });
  document.getElementById('connect-cancel').addEventListener('click', () => document.getElementById('connect-dialog').close());
  document.getElementById('sign-out-cancel').addEventListener('click', () => document.getElementById('sign-out-dialog').close());
}
