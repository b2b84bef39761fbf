//! Harness for the end-to-end scenarios: starts the built app through tauri-driver (which
//! drives WebKitWebDriver), with a throw-away HOME and data directory, and lets a scenario
//! click, type, read and take screenshots like a person would.
//!
//! `cargo xtask test e2e` sets it up: it builds the app, fetches axe-core, runs these tests
//! inside `dbus-run-session -- xvfb-run`, and passes the paths below in the environment.
//! Every screenshot a scenario takes also runs axe-core on the page.

use anyhow::{anyhow, bail, Context, Result};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};
use std::fs::File;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tempfile::TempDir;

mod axe;
pub mod bus;
pub mod keychain;
pub mod server;
pub mod sync_client;

pub use bus::PrivateBus;
pub use keychain::Keychain;
pub use server::Server;
pub use sync_client::{Session, SyncClient};

/// How long any wait for the UI may take before the scenario fails.
pub const PATIENCE: Duration = Duration::from_secs(20);

/// The password `App::start` creates a device's local profile with.
pub const PASSWORD: &str = "Tuman-42-Loshadka";

pub(crate) fn required_path(var: &str) -> Result<PathBuf> {
    let path = std::env::var_os(var).map(PathBuf::from).with_context(|| {
        format!("{var} is not set: run the end-to-end tests with `cargo xtask test e2e`")
    })?;
    if !path.exists() {
        bail!("{var} points to {}, which does not exist", path.display());
    }
    Ok(path)
}

/// The built app binary.
pub fn app_binary() -> Result<PathBuf> {
    required_path("ACURE_E2E_APP")
}

/// Where screenshots go (`target/e2e/`).
pub fn shots_dir() -> Result<PathBuf> {
    required_path("ACURE_E2E_SHOTS")
}

/// A profile's data directory that outlives app restarts within one scenario.
pub struct Device {
    dir: TempDir,
    shots_taken: Arc<AtomicU32>,
    session_bus: Mutex<Option<String>>,
    extra_env: Mutex<Vec<(String, String)>>,
}

impl Device {
    /// A new, empty device: no database yet, so the app's first start happens on it.
    pub fn new() -> Result<Self> {
        Ok(Self {
            dir: tempfile::Builder::new().prefix("acure-e2e-").tempdir()?,
            shots_taken: Arc::default(),
            session_bus: Mutex::default(),
            extra_env: Mutex::default(),
        })
    }

    /// The app's data directory.
    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// The throw-away HOME the app runs with.
    pub fn home(&self) -> PathBuf {
        self.dir.path().join("home")
    }

    /// The queue of files the app's file picker will "choose", one path per line
    /// (no WebDriver can click inside a native dialog; see `ACURE_PROFILE_SCRIPTED_PICKS`).
    pub fn picks(&self) -> PathBuf {
        self.dir.path().join("picks.txt")
    }

    /// Queues `files` for the next picks of the app's file dialog.
    pub fn queue_picks(&self, files: &[&Path]) -> Result<()> {
        let lines: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
        std::fs::write(self.picks(), lines.join("\n"))?;
        Ok(())
    }

    /// A scratch directory for files a scenario makes.
    pub fn scratch(&self) -> PathBuf {
        self.dir.path().to_path_buf()
    }

    /// The local database file.
    pub fn database(&self) -> PathBuf {
        self.data_dir().join("profile.sqlite3")
    }

    /// Makes the app's next starts use the session bus at `address` (e.g. a [`PrivateBus`],
    /// where no secret service is reachable); `None`: the test run's own bus.
    pub fn use_session_bus(&self, address: Option<&str>) {
        *self.session_bus.lock().unwrap_or_else(|e| e.into_inner()) = address.map(str::to_owned);
    }

    /// Sets `key` to `value` in the app's environment from its next start (e.g. the
    /// `e2e-clock` build's `ACURE_PROFILE_CLOCK_OFFSET_MS`).
    pub fn set_env(&self, key: &str, value: &str) {
        let mut extra = self.extra_env.lock().unwrap_or_else(|e| e.into_inner());
        extra.retain(|(k, _)| k != key);
        extra.push((key.to_owned(), value.to_owned()));
    }

    /// The environment the app (and its drivers) run with on this device.
    pub fn app_env(&self, look: &Look) -> Vec<(String, String)> {
        let home = self.home();
        let bus = self
            .session_bus
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        let mut env = vec![
            ("HOME".into(), home.display().to_string()),
            (
                "XDG_CONFIG_HOME".into(),
                home.join(".config").display().to_string(),
            ),
            (
                "XDG_DATA_HOME".into(),
                home.join(".local/share").display().to_string(),
            ),
            (
                "XDG_CACHE_HOME".into(),
                home.join(".cache").display().to_string(),
            ),
            (
                "ACURE_PROFILE_DATA_DIR".into(),
                self.data_dir().display().to_string(),
            ),
            (
                "ACURE_PROFILE_SCRIPTED_PICKS".into(),
                self.picks().display().to_string(),
            ),
            ("LANG".into(), look.locale.clone()),
            ("LC_ALL".into(), look.locale.clone()),
            ("LANGUAGE".into(), String::new()),
            // Software rendering: Xvfb has no GPU, and WebKit's DMA-BUF path draws nothing there.
            ("WEBKIT_DISABLE_DMABUF_RENDERER".into(), "1".into()),
            ("LIBGL_ALWAYS_SOFTWARE".into(), "1".into()),
            ("WEBKIT_DISABLE_COMPOSITING_MODE".into(), "1".into()),
        ];
        env.extend(bus.map(|address| ("DBUS_SESSION_BUS_ADDRESS".into(), address)));
        env.extend(
            self.extra_env
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .iter()
                .cloned(),
        );
        env
    }
}

/// How the OS looks to the app: its locale and theme.
#[derive(Debug, Clone)]
pub struct Look {
    /// The OS locale, e.g. `en_US.UTF-8`, `ru_RU.UTF-8` or `C`.
    pub locale: String,
    /// Whether the OS theme is dark.
    pub dark: bool,
}

impl Look {
    /// An English-speaking OS in the light theme.
    pub fn english() -> Self {
        Self {
            locale: "en_US.UTF-8".into(),
            dark: false,
        }
    }

    /// A Russian-speaking OS in the light theme.
    pub fn russian() -> Self {
        Self {
            locale: "ru_RU.UTF-8".into(),
            dark: false,
        }
    }

    /// The same, in the dark theme.
    pub fn dark(self) -> Self {
        Self { dark: true, ..self }
    }
}

const HEARTBEAT_START: &str = "
    const dot = document.createElement('div');
    dot.id = 'e2e-heartbeat';
    Object.assign(dot.style, { position: 'fixed', left: '0', top: '0', width: '1px', height: '1px',
                               background: '#000', opacity: '0.001', pointerEvents: 'none' });
    document.body.append(dot);
    let tick = 0;
    window.__e2eHeartbeat = setInterval(() => { dot.style.opacity = (tick++ % 2) ? '0.001' : '0.002'; }, 16);
";
const HEARTBEAT_STOP: &str = "
    clearInterval(window.__e2eHeartbeat);
    document.getElementById('e2e-heartbeat')?.remove();
";

/// Awaits one WebDriver call, failing instead of hanging if the app stops answering.
pub(crate) async fn within<T, E>(
    what: &str,
    call: impl std::future::Future<Output = Result<T, E>>,
) -> Result<T>
where
    E: std::error::Error + Send + Sync + 'static,
{
    tokio::time::timeout(PATIENCE, call)
        .await
        .with_context(|| format!("no answer from the app within {PATIENCE:?} to: {what}"))?
        .with_context(|| format!("WebDriver call failed: {what}"))
}

/// Writes the throw-away HOME's desktop settings: the OS theme is GTK's dark preference,
/// as a person's desktop would set it.
fn prepare_home(home: &Path, look: &Look) -> Result<()> {
    let gtk = home.join(".config").join("gtk-3.0");
    std::fs::create_dir_all(&gtk)?;
    std::fs::write(
        gtk.join("settings.ini"),
        format!(
            "[Settings]\ngtk-application-prefer-dark-theme={}\n",
            u8::from(look.dark)
        ),
    )?;
    Ok(())
}

pub(crate) fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// The running app, driven through WebDriver.
pub struct App {
    /// The WebDriver session; the window's page is its current document.
    pub client: Client,
    driver: Child,
    scenario: String,
    shots_taken: Arc<AtomicU32>,
}

impl App {
    /// Starts the app on `device` and waits until the profile shows; on a new device it
    /// first creates the local profile (suggested name, no e-mail, [`PASSWORD`]).
    pub async fn start(scenario: &str, device: &Device, look: &Look) -> Result<Self> {
        let app = Self::launch(scenario, device, look).await?;
        match app.screen().await?.as_str() {
            "profile" => {}
            "welcome" => app.create_local_profile(PASSWORD).await?,
            "failed" => {
                let shown = app.text("#boot-error").await.unwrap_or_default();
                bail!("the app showed its start-up error: {shown:?}");
            }
            other => bail!("the app opened on the {other} screen, not the profile"),
        }
        Ok(app)
    }

    /// The screen the window shows: `welcome`, `sign-in`, `profile` or `failed`.
    pub async fn screen(&self) -> Result<String> {
        Ok(self
            .js("return document.body.dataset.screen ?? ''")
            .await?
            .as_str()
            .unwrap_or_default()
            .to_owned())
    }

    /// Waits until the window shows `screen`.
    pub async fn wait_screen(&self, screen: &str) -> Result<()> {
        let script = format!("return document.body.dataset.screen === {}", json!(screen));
        self.wait_until(&format!("the {screen} screen shows"), &script)
            .await
    }

    /// On the first-run screen: creates the local profile with the suggested name.
    pub async fn create_local_profile(&self, password: &str) -> Result<()> {
        self.paste("#welcome-password", password).await?;
        self.paste("#welcome-password-confirmation", password)
            .await?;
        self.click("#welcome-create").await?;
        self.wait_screen("profile").await
    }

    /// On the first-run screen: signs in to the server at `url` and waits for the profile.
    pub async fn sign_in_to_server(&self, url: &str, email: &str, password: &str) -> Result<()> {
        self.wait_screen("welcome").await?;
        self.click("input[name=welcome-path][value=server]").await?;
        self.fill("#welcome-server-server_url", url).await?;
        self.fill("#welcome-server-email", email).await?;
        self.paste("#welcome-server-password", password).await?;
        self.click("#welcome-server-submit").await?;
        self.wait_screen("profile").await
    }

    /// On the sign-in screen: signs in with `password` and waits for the profile.
    pub async fn sign_in(&self, password: &str) -> Result<()> {
        self.paste("#sign-in-password", password).await?;
        self.click("#sign-in-submit").await?;
        self.wait_screen("profile").await
    }

    /// Starts the app on `device` and waits until its UI has started, normally or not.
    pub async fn launch(scenario: &str, device: &Device, look: &Look) -> Result<Self> {
        let app = app_binary()?;
        let driver_bin = required_path("ACURE_E2E_DRIVER")?;
        prepare_home(&device.home(), look)?;
        let (port, native_port) = (free_port()?, free_port()?);
        // The drivers' output goes to a file, never to our stdout: a straggling child holding
        // the test runner's pipe would keep the caller waiting.
        let log = File::create(device.dir.path().join(format!("driver-{port}.log")))?;
        let mut cmd = Command::new(&driver_bin);
        // Its own process group, so that the driver, WebKitWebDriver and the app they start
        // can all be ended together if a scenario fails half-way.
        #[cfg(unix)]
        std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
        cmd.args([
            "--port",
            &port.to_string(),
            "--native-port",
            &native_port.to_string(),
        ])
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log);
        if let Some(native) = native_driver() {
            cmd.arg("--native-driver").arg(native);
        }
        for (k, v) in device.app_env(look) {
            cmd.env(k, v);
        }
        println!("e2e {scenario}: starting the app");
        let driver = cmd
            .spawn()
            .with_context(|| format!("starting {}", driver_bin.display()))?;
        let mut guard = DriverGuard(Some(driver));
        // tauri-driver listens at once and passes the session request on to WebKitWebDriver,
        // which it starts itself: a request sent before that one listens is dropped.
        wait_for_port(port).await?;
        wait_for_port(native_port).await?;

        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), json!("wry"));
        caps.insert("tauri:options".into(), json!({ "application": app }));
        let mut builder = ClientBuilder::native();
        builder.capabilities(caps);
        let url = format!("http://127.0.0.1:{port}");
        let connect = builder.connect(&url);
        let client = within("open a session on the app", connect).await?;
        let app = Self {
            client,
            driver: guard.0.take().expect("driver is held"),
            scenario: scenario.to_owned(),
            shots_taken: device.shots_taken.clone(),
        };
        println!("e2e {scenario}: window open, waiting for the UI");
        app.wait_until(
            "the UI has started",
            "return ['welcome', 'sign-in', 'profile', 'failed'].includes(document.body.dataset.screen)",
        )
        .await?;
        Ok(app)
    }

    /// Whether the UI started normally (`false`: it shows its start-up error).
    pub async fn started_normally(&self) -> Result<bool> {
        Ok(self.screen().await? != "failed")
    }

    /// Saves a screenshot as `target/e2e/<scenario>-<step>-<label>.png`.
    pub async fn shot(&self, label: &str) -> Result<PathBuf> {
        let step = self.shots_taken.fetch_add(1, Ordering::SeqCst) + 1;
        // WebKit answers a screenshot only after its next repaint, and an idle page never
        // repaints: keep one invisible pixel changing while the shot is taken.
        self.js(HEARTBEAT_START).await?;
        let png = within("screenshot", self.client.screenshot()).await;
        self.js(HEARTBEAT_STOP).await?;
        let png = png?;
        let path = shots_dir()?.join(format!("{}-{step:02}-{label}.png", self.scenario));
        std::fs::write(&path, png)?;
        println!("screenshot: {}", path.display());
        // Every screen a scenario shows is also checked for accessibility.
        axe::check(&self.client)
            .await
            .with_context(|| format!("accessibility of {}", path.display()))?;
        Ok(path)
    }

    /// Runs axe-core on the page as it is now; an error lists every violation.
    pub async fn check_accessibility(&self) -> Result<()> {
        axe::check(&self.client).await
    }

    /// Runs `script` in the page and returns its result.
    pub async fn js(&self, script: &str) -> Result<Value> {
        within(script, self.client.execute(script, vec![])).await
    }

    /// Runs `script` in the page with `args` as its `arguments` and returns its result.
    pub async fn js_with(&self, script: &str, args: Vec<Value>) -> Result<Value> {
        within(script, self.client.execute(script, args)).await
    }

    /// Runs `script` as an async function body (`await` allowed) and returns what it returns:
    /// e.g. `return await window.__TAURI__.core.invoke(...)`, as a hostile page could.
    pub async fn js_async(&self, script: &str) -> Result<Value> {
        let wrapped = format!(
            "const done = arguments[arguments.length - 1];
             (async () => {{ {script} }})().then(done, (e) => done({{ __thrown: e }}));"
        );
        let value = within(script, self.client.execute_async(&wrapped, vec![])).await?;
        match value.get("__thrown") {
            Some(thrown) => bail!("the script threw: {thrown}"),
            None => Ok(value),
        }
    }

    async fn find(&self, css: &str) -> Result<fantoccini::elements::Element> {
        within(css, self.client.find(Locator::Css(css))).await
    }

    /// Polls `script` (which returns a boolean) until it is true.
    pub async fn wait_until(&self, what: &str, script: &str) -> Result<()> {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let answer = self.js(script).await?;
            if answer == Value::Bool(true) {
                return Ok(());
            }
            if Instant::now() > deadline {
                let state = self.page_state().await;
                let shot = match self.failure_shot().await {
                    Ok(path) => path.display().to_string(),
                    Err(e) => format!("<no screenshot: {e}>"),
                };
                bail!("timed out waiting until {what}; the page: {state}; screenshot: {shot}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// What the page shows now, for a failure message: its screen, which top-level parts are
    /// visible, open dialogs, and how long ago it loaded (a reload shows as a young page).
    async fn page_state(&self) -> String {
        const SCRIPT: &str = "const shown = (id) => { const e = document.getElementById(id); \
            return e && !e.hidden && getComputedStyle(e).visibility !== 'hidden'; }; \
            return { screen: document.body.dataset.screen ?? null, \
              visible: ['boot-error', 'welcome', 'sign-in', 'app'].filter(shown), \
              dialogs: [...document.querySelectorAll('dialog[open]')].map((d) => d.id), \
              loaded_s_ago: Math.round(performance.now() / 1000), \
              ready_state: document.readyState };";
        match self.js(SCRIPT).await {
            Ok(state) => state.to_string(),
            Err(e) => format!("<unreadable: {e}>"),
        }
    }

    /// A screenshot for a failure message: no accessibility check, which could fail too.
    async fn failure_shot(&self) -> Result<PathBuf> {
        self.js(HEARTBEAT_START).await?;
        let png = within("screenshot", self.client.screenshot()).await;
        self.js(HEARTBEAT_STOP).await?;
        let path = shots_dir()?.join(format!("{}-failure.png", self.scenario));
        std::fs::write(&path, png?)?;
        Ok(path)
    }

    /// The visible text of the element matching `css`.
    pub async fn text(&self, css: &str) -> Result<String> {
        within(css, self.find(css).await?.text()).await
    }

    /// Waits until the element matching `css` shows exactly `expected`.
    pub async fn wait_text(&self, css: &str, expected: &str) -> Result<()> {
        let script = format!(
            "return document.querySelector({})?.textContent.trim() === {}",
            json!(css),
            json!(expected)
        );
        match self
            .wait_until(&format!("{css} shows {expected:?}"), &script)
            .await
        {
            Ok(()) => Ok(()),
            Err(e) => {
                let shown = self.text(css).await.unwrap_or_else(|e| format!("<{e}>"));
                let held = self
                    .js(&format!(
                        "return document.querySelector({})?.textContent ?? null",
                        json!(css)
                    ))
                    .await
                    .map_or_else(|e| format!("<{e}>"), |text| text.to_string());
                Err(anyhow!("{e}; it shows {shown:?} (its text: {held})"))
            }
        }
    }

    /// The current value of the input matching `css`.
    pub async fn value(&self, css: &str) -> Result<String> {
        Ok(within(css, self.find(css).await?.prop("value"))
            .await?
            .unwrap_or_default())
    }

    /// An attribute of the element matching `css`.
    pub async fn attr(&self, css: &str, name: &str) -> Result<Option<String>> {
        within(css, self.find(css).await?.attr(name)).await
    }

    /// Clears the input matching `css` and types `text` into it.
    pub async fn fill(&self, css: &str, text: &str) -> Result<()> {
        let input = self.find(css).await?;
        within(css, input.clear()).await?;
        if !text.is_empty() {
            within(css, input.send_keys(text)).await?;
        }
        Ok(())
    }

    /// How many windows the app has open.
    pub async fn windows(&self) -> Result<usize> {
        Ok(within("list windows", self.client.windows()).await?.len())
    }

    /// Pastes `text` into the input matching `css` at once (typing hundreds of characters
    /// through WebDriver takes seconds per hundred).
    pub async fn paste(&self, css: &str, text: &str) -> Result<()> {
        let script = format!(
            "const input = document.querySelector({});
             input.focus();
             input.value = {};
             input.dispatchEvent(new Event('input', {{ bubbles: true }}));",
            json!(css),
            json!(text)
        );
        self.js(&script).await.map(drop)
    }

    /// Clicks the element matching `css`.
    pub async fn click(&self, css: &str) -> Result<()> {
        // Scrolled into view first: a tall dialog scrolls inside itself, which the driver
        // does not do before clicking.
        let element = self.find(css).await?;
        let arg = serde_json::to_value(&element)?;
        within(
            &format!("scrolling to {css}"),
            self.client.execute(
                "arguments[0].scrollIntoView({ block: 'nearest' })",
                vec![arg],
            ),
        )
        .await?;
        let clicked = within(css, element.click()).await;
        if clicked.is_err() {
            // What was on the screen is the first thing to know about a failed click.
            let _ = self.shot("click-failed").await;
        }
        clicked
    }

    /// Chooses the option with `value` in the select matching `css`.
    pub async fn choose(&self, css: &str, value: &str) -> Result<()> {
        within(css, self.find(css).await?.select_by_value(value)).await
    }

    /// Quits the app as a person closing the window would, and waits until it is gone.
    pub async fn quit(mut self) -> Result<()> {
        let app = app_binary()?;
        println!("e2e {}: quitting the app", self.scenario);
        within("end the session", self.client.clone().close()).await?;
        stop(&mut self.driver);
        wait_until_gone(&app, Duration::from_secs(15))
    }
}

impl Drop for App {
    fn drop(&mut self) {
        stop(&mut self.driver);
        // A scenario that failed half-way must not leave its app running: the next one's
        // start would hand over to it (single instance) instead of opening a window.
        if let Ok(app) = app_binary() {
            let _ = wait_until_gone(&app, Duration::from_secs(5));
        }
    }
}

/// Kills the driver if a scenario fails before it owns it.
struct DriverGuard(Option<Child>);

impl Drop for DriverGuard {
    fn drop(&mut self) {
        if let Some(child) = self.0.as_mut() {
            stop(child);
        }
    }
}

/// Ends the driver and everything it started (its process group), then reaps it.
fn stop(child: &mut Child) {
    if matches!(child.try_wait(), Ok(None)) {
        #[cfg(unix)]
        let _ = Command::new("kill")
            .args(["-s", "KILL", "--", &format!("-{}", child.id())])
            .status();
        let _ = child.kill();
    }
    let _ = child.wait();
}

fn native_driver() -> Option<PathBuf> {
    let path = PathBuf::from("/usr/bin/WebKitWebDriver");
    path.is_file().then_some(path)
}

async fn wait_for_port(port: u16) -> Result<()> {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let deadline = Instant::now() + PATIENCE;
    while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
        if Instant::now() > deadline {
            bail!("the WebDriver server did not listen on port {port}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Ok(())
}

/// Process ids of running instances of `binary` (Linux: read from /proc).
pub fn running_instances(binary: &Path) -> Vec<u32> {
    // /proc/*/exe is canonical; compare like with like.
    let binary = binary
        .canonicalize()
        .unwrap_or_else(|_| binary.to_path_buf());
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| std::fs::read_link(format!("/proc/{pid}/exe")).is_ok_and(|exe| exe == binary))
        .collect()
}

/// Waits until no process runs `binary`; kills stragglers after `patience`.
pub fn wait_until_gone(binary: &Path, patience: Duration) -> Result<()> {
    let deadline = Instant::now() + patience;
    while !running_instances(binary).is_empty() {
        if Instant::now() > deadline {
            for pid in running_instances(binary) {
                let _ = Command::new("kill")
                    .args(["-s", "KILL", "--", &pid.to_string()])
                    .status();
            }
            bail!("the app did not exit within {patience:?} of closing its window");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Ok(())
}
