// The tab strip: click or arrow keys switch panels (WAI-ARIA tabs pattern).

const tabs = [...document.querySelectorAll('[role="tab"]')];
let mayLeave = async () => true;
let shown = () => {};

function current() {
  return tabs.find((tab) => tab.getAttribute('aria-selected') === 'true');
}

async function select(tab, focus) {
  const from = current();
  if (tab === from || !(await mayLeave(from.getAttribute('aria-controls')))) {
    from.focus();
    return;
  }
  for (const other of tabs) {
    const selected = other === tab;
    other.setAttribute('aria-selected', String(selected));
    other.tabIndex = selected ? 0 : -1;
    document.getElementById(other.getAttribute('aria-controls')).hidden = !selected;
  }
  if (focus) tab.focus();
  shown(tab.getAttribute('aria-controls'));
}

/**
 * Makes the tabs work by mouse and keyboard.
 * `beforeLeave(panelId)` resolves to false to keep the user on a panel (e.g. unsaved edits);
 * `onShow(panelId)` runs after a panel is shown (e.g. to load it).
 */
export function initTabs({ beforeLeave, onShow } = {}) {
  if (beforeLeave) mayLeave = beforeLeave;
  if (onShow) shown = onShow;
  tabs.forEach((tab, index) => {
    tab.addEventListener('click', () => select(tab, false));
    tab.addEventListener('keydown', (event) => {
      const moves = { ArrowRight: index + 1, ArrowLeft: index - 1, Home: 0, End: tabs.length - 1 };
      if (!(event.key in moves)) return;
      event.preventDefault();
      select(tabs[(moves[event.key] + tabs.length) % tabs.length], true);
    });
  });
}
