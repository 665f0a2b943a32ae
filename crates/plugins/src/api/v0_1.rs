//! `deskmate:validator@0.1.0`, generated from `plugins/wit/0.1.0`: the host's `log` import,
//! and calls to `info` and `validate` whose answers are checked against the output limits
//! before the host uses them.

use deskmate_diagnostics::{Diagnostic, Severity as HostSeverity};
use wasmtime::component::{Component, Linker};
use wasmtime::{Engine, Store};

use crate::api::PluginInfo;
use crate::failure::Failure;
use crate::log::LogLevel as HostLogLevel;
use crate::manifest::Target as HostTarget;
use crate::sandbox::{Sandbox, call_failure};

pub(crate) const VERSION: &str = "0.1.0";

mod bindings {
    wasmtime::component::bindgen!({
        path: "../../plugins/wit/0.1.0",
        world: "validator",
    });
}

use bindings::deskmate::validator::host::{self, LogLevel};
use bindings::deskmate::validator::types::{self, Severity, Target};

pub(crate) fn linker(engine: &Engine) -> wasmtime::Result<Linker<Sandbox>> {
    let mut linker = Linker::new(engine);
    wasmtime_wasi::p2::add_to_linker_sync(&mut linker)?;
    crate::sandbox::forbid_waiting(&mut linker)?;
    host::add_to_linker::<Sandbox, wasmtime::component::HasSelf<Sandbox>>(&mut linker, |s| s)?;
    Ok(linker)
}

impl host::Host for Sandbox {
    fn log(&mut self, level: LogLevel, message: String) {
        let level = match level {
            LogLevel::Debug => HostLogLevel::Debug,
            LogLevel::Info => HostLogLevel::Info,
            LogLevel::Warn => HostLogLevel::Warn,
            LogLevel::Error => HostLogLevel::Error,
        };
        self.log.line(level, &message);
    }
}

impl types::Host for Sandbox {}

pub(crate) struct Prepared {
    pre: bindings::ValidatorPre<Sandbox>,
}

impl Prepared {
    pub(crate) fn new(linker: &Linker<Sandbox>, component: &Component) -> wasmtime::Result<Self> {
        Ok(Prepared {
            pre: bindings::ValidatorPre::new(linker.instantiate_pre(component)?)?,
        })
    }

    pub(crate) fn check_exports(&self, store: &mut Store<Sandbox>) -> Result<(), Failure> {
        self.pre
            .instantiate(&mut *store)
            .map(|_| ())
            .map_err(|e| call_failure(store, e))
    }

    pub(crate) fn info(&self, store: &mut Store<Sandbox>) -> Result<PluginInfo, Failure> {
        let validator = self
            .pre
            .instantiate(&mut *store)
            .map_err(|e| call_failure(store, e))?;
        let info = validator
            .call_info(&mut *store)
            .map_err(|e| call_failure(store, e))?;
        let mut budget = Budget::new(store.data().limits.max_output_bytes);
        Ok(PluginInfo {
            id: budget.take(info.id, "id", 64)?,
            name: budget.take(info.name, "name", 200)?,
            version: budget.take(info.version, "version", 64)?,
            targets: info.targets.into_iter().map(host_target).collect(),
        })
    }

    pub(crate) fn validate(
        &self,
        store: &mut Store<Sandbox>,
        target: HostTarget,
        document: &str,
    ) -> Result<Vec<Diagnostic>, Failure> {
        let validator = self
            .pre
            .instantiate(&mut *store)
            .map_err(|e| call_failure(store, e))?;
        // The answer is copied out of the guest as the call returns (the guest frees it
        // right after), so its size is bounded first by the guest's memory limit, then
        // checked against the output limits below.
        let found = validator
            .call_validate(&mut *store, guest_target(target), document)
            .map_err(|e| call_failure(store, e))?;
        let limits = &store.data().limits;
        if found.len() > limits.max_diagnostics {
            return Err(Failure::bad_output(format!(
                "it returned {} findings; a plugin may return at most {}",
                found.len(),
                limits.max_diagnostics
            )));
        }
        let mut budget = Budget::new(limits.max_output_bytes);
        found
            .into_iter()
            .enumerate()
            .map(|(i, raw)| {
                let code = budget.take(raw.code, "code", 64)?;
                if !valid_code(&code) {
                    return Err(Failure::bad_output(format!(
                        "finding {i} has the code \"{}\"; codes are lowercase letters, digits, `.`, `_` and `-`",
                        code.escape_debug()
                    )));
                }
                let mut diagnostic =
                    Diagnostic::new(host_severity(raw.severity), code, budget.take(raw.message, "message", usize::MAX)?);
                if let Some(path) = raw.path {
                    diagnostic = diagnostic.at(budget.take(path, "path", usize::MAX)?);
                }
                if let Some(hint) = raw.hint {
                    diagnostic = diagnostic.hint(budget.take(hint, "hint", usize::MAX)?);
                }
                Ok(diagnostic)
            })
            .collect()
    }
}

/// Bytes of text a call may still return.
struct Budget(usize);

impl Budget {
    fn new(bytes: usize) -> Self {
        Budget(bytes)
    }

    /// Accepts one string of the answer if it fits both its field's limit and what is left.
    fn take(&mut self, text: String, field: &str, max: usize) -> Result<String, Failure> {
        if text.len() > max {
            return Err(Failure::bad_output(format!(
                "its `{field}` is longer than {max} bytes"
            )));
        }
        if text.len() > self.0 {
            return Err(Failure::bad_output(
                "its answer is larger than the output limit",
            ));
        }
        self.0 -= text.len();
        Ok(text)
    }
}

fn valid_code(code: &str) -> bool {
    !code.is_empty()
        && code
            .bytes()
            .all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'.' | b'_' | b'-'))
}

fn guest_target(target: HostTarget) -> Target {
    match target {
        HostTarget::Room => Target::Room,
        HostTarget::Persona => Target::Persona,
    }
}

fn host_target(target: Target) -> HostTarget {
    match target {
        Target::Room => HostTarget::Room,
        Target::Persona => HostTarget::Persona,
    }
}

fn host_severity(severity: Severity) -> HostSeverity {
    match severity {
        Severity::Info => HostSeverity::Info,
        Severity::Warning => HostSeverity::Warning,
        Severity::Error => HostSeverity::Error,
    }
}
