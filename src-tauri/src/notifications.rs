//! Desktop notifications, shown by the app: the watchdog's changes while the window is open
//! (the page decides what is new; see `ui/src/lib/watching.svelte.ts`). The app uses Tauri's
//! notification plugin; the browser tests' bridge records them instead.

/// Shows one notification; an error in plain words when the desktop refused it.
pub trait Notifier: Send + Sync {
    fn show(&self, title: &str, body: &str) -> Result<(), String>;
}

/// Until the app has a window there is no desktop to notify.
pub struct NoNotifier;

impl Notifier for NoNotifier {
    fn show(&self, _: &str, _: &str) -> Result<(), String> {
        Err("the app has no window yet".into())
    }
}
