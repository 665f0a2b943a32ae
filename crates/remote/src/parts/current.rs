//! `current`, the link that says which release serves: switched with one rename.

use crate::error::Result;
use crate::ops::Remote;

use super::commands::run_script;
use super::spec::InstallSpec;

pub fn switch(session: &dyn Remote, spec: &InstallSpec) -> Result<bool> {
    let out = run_script(
        session,
        "switching the current release",
        r#"cd "$1" || exit 1
[ "$(readlink current 2>/dev/null)" = "releases/$2" ] && { echo same; exit 0; }
ln -sfn "releases/$2" .current.new && mv -Tf .current.new current && echo switched"#,
        &[&spec.dir, &spec.version],
    )?;
    Ok(out.trim() == "switched")
}

/// The version `current` names, if any.
pub(crate) fn read(remote: &dyn Remote, dir: &str) -> Result<Option<String>> {
    let out = run_script(
        remote,
        "reading the current release",
        "readlink \"$1/current\" 2>/dev/null || true",
        &[dir],
    )?;
    let link = out.trim();
    let version = link.strip_prefix("releases/").unwrap_or(link);
    Ok((!version.is_empty()).then(|| version.to_string()))
}

/// No release is current any more (a first install put back).
pub(crate) fn remove(remote: &dyn Remote, dir: &str) -> Result<()> {
    run_script(
        remote,
        "removing the current link",
        "rm -f -- \"$1/current\"",
        &[dir],
    )?;
    Ok(())
}
