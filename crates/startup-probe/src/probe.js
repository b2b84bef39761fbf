// Start-up probe (see lib.rs): after the page's first screen is shown and painted, one IPC
// round trip, then the report. Runs before the page's own scripts.
(() => {
  if (window.top !== window) return;
  const invoke = (command, args) =>
    window.__TAURI_INTERNALS__.invoke(`plugin:startup-probe|${command}`, args);
  // The first callback runs before the frame that shows the screen is painted, the second
  // before the next one: by then the screen is on the display.
  const frame = () => new Promise((done) => requestAnimationFrame(done));

  async function report(screen, shown) {
    await frame();
    const framed = performance.now();
    await frame();
    const drawn = performance.now();
    await invoke('ping');
    const answered = performance.now();
    const navigation = performance.getEntriesByType('navigation')[0];
    await invoke('ready', {
      report: {
        screen,
        time_origin: performance.timeOrigin,
        dom_content_loaded: navigation ? navigation.domContentLoadedEventStart : null,
        shown,
        // The first frame starts (the page's own work after showing the screen is done)…
        frame: framed,
        // …and has been painted.
        painted: drawn,
        answered,
        // Marks a page sets with performance.mark() while it boots, for a breakdown.
        marks: performance.getEntriesByType('mark').map((m) => [m.name, m.startTime]),
      },
    });
  }

  function watch() {
    const body = document.body;
    const observer = new MutationObserver(check);
    function check() {
      const screen = body.dataset.screen;
      if (!screen) return false;
      observer.disconnect();
      report(screen, performance.now()).catch((error) => console.error('startup probe', error));
      return true;
    }
    if (!check()) observer.observe(body, { attributes: true, attributeFilter: ['data-screen'] });
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', watch, { once: true });
  else watch();
})();
