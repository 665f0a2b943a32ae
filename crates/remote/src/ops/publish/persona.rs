//! A persona published in DeskMate's layout, and a rollback to an older version: versions
//! kept whole, the live folder swapped in by renames, checked through the backend, then
//! recorded. The swap is what changes what serves, so its undo (the folder that served
//! before, back in place) is what a failure or a cancel puts back.

use std::path::PathBuf;

use super::{PUBLISHED_DIR, Published, Target, check_name, pick_older, record};
use crate::error::{RemoteError, Result};
use crate::ops::{Cx, Did, Guard, Plan, Remote, Step, Unit};
use crate::parts::commands::{check_cancel, refuse, run_script};
use crate::transfer::Visibility;

mod check;
mod kept;
mod scripts;

use kept::{count_expressions, current, folder_sums, kept_card_name, sums};

/// The largest card or expression file DeskMate's reader takes.
const MAX_PERSONA_FILE: u64 = 50 << 20;
/// A card and DeskMate's 16 expression names, with room to spare.
const MAX_PERSONA_FILES: usize = 40;
/// In each kept persona version: the card's name, as the backend lists it.
const CARD_NAME_FILE: &str = ".card-name";

/// One persona's files for the server.
#[derive(Debug, Clone)]
pub struct PersonaFiles {
    /// The folder's name (DeskMate's file stem of the card's name).
    pub stem: String,
    /// The card's name, as the backend lists it.
    pub card_name: String,
    /// `(file name, local path, SHA-256)`, the card first.
    pub files: Vec<(String, PathBuf, String)>,
    /// How many expression files the backend must find.
    pub expressions: usize,
}

/// What a persona's publish or rollback learns, for its later steps, its undos and its
/// report.
#[derive(Debug, Default)]
pub struct PersonaState {
    pub version: u32,
    /// False when the same files were already kept as `version` (always, for a rollback).
    pub new_version: bool,
    /// What the backend showed afterwards, in words.
    pub checked: String,
    /// What the check looks for: the card's name and its number of expression files.
    card_name: String,
    expressions: usize,
    /// The live version `current` named before (None: none), put back by the record's undo.
    previous: Option<String>,
    /// This run is making `v<version>`, so its undo may remove it.
    making: bool,
    /// This run is writing `current`.
    recording: bool,
}

impl PersonaState {
    pub fn published(&self, stem: &str) -> Published {
        Published {
            kind: "persona",
            name: stem.to_string(),
            version: self.version,
            new_version: self.new_version,
            checked: self.checked.clone(),
        }
    }
}

/// Where one run's folders are.
#[derive(Debug, Clone)]
struct Paths {
    /// `shared/data/personas/<stem>`: what the backend reads.
    live: String,
    /// `shared/published/personas/<stem>`: every version, and `current`.
    kept: String,
    /// This run's staging prefix beside the personas folder (`….new`, `….old`, `….none`),
    /// outside `/data/personas` so the backend never lists a half-made folder; the run's own
    /// token in its name, so an undo never mistakes an earlier run's leftovers for its own.
    staged: String,
    /// What every run's staging names start with (leftovers are removed by the next swap).
    leftovers: String,
}

impl Paths {
    fn new(target: &Target, stem: &str) -> Paths {
        let leftovers = format!("{}/shared/data/.publish-{stem}+", target.dir);
        Paths {
            live: format!("{}/shared/data/personas/{stem}", target.dir),
            kept: format!("{}/{PUBLISHED_DIR}/personas/{stem}", target.dir),
            staged: format!("{leftovers}{}", &crate::ops::lock::token()[..8]),
            leftovers,
        }
    }

    fn version(&self, version: u32) -> String {
        format!("{}/v{version}", self.kept)
    }
}

/// Publishes one persona's folder; see the module's comment.
pub fn publish<'a>(target: &'a Target, persona: &'a PersonaFiles) -> Plan<'a, PersonaState> {
    let stem = persona.stem.as_str();
    let paths = Paths::new(target, stem);
    let (p1, p2, p3, p4) = (paths.clone(), paths.clone(), paths.clone(), paths.clone());
    let files_title = format!(
        "Check the files of {stem}: a card and at most {} expression files, each a .png of at most 50 MB",
        MAX_PERSONA_FILES - 1
    );
    let upload_title = format!(
        "Upload the card and its expression files as a new version in {PUBLISHED_DIR}/personas/{stem}, each checked, if they changed"
    );
    let plan = Plan::new("publish-persona", target.scope(stem), Guard::DeployLock)
        .step(Step::new(
            "files",
            files_title,
            move |cx: &mut Cx<'_, PersonaState>| {
                check_files(persona)?;
                cx.state.card_name = persona.card_name.clone();
                cx.state.expressions = persona.expressions;
                Ok(Did::unchanged(format!("{} files", persona.files.len())))
            },
        ))
        // Keeping a copy replaces nothing, so there is nothing to undo.
        .step(Step::new(
            "by_hand",
            "Keep a folder put there by hand as version 0, before anything replaces it",
            move |cx: &mut Cx<'_, PersonaState>| by_hand(cx.remote, &p1),
        ))
        .step(Step::new(
            "version",
            "Find which version these files are (the same as the newest kept version is that version again)",
            move |cx: &mut Cx<'_, PersonaState>| {
                let versions = super::versions_in(cx.remote, &p2.kept, "v", "")?;
                cx.state.previous = current(cx.remote, &p2)?;
                let (version, new_version) = match versions.iter().rev().find(|v| **v > 0) {
                    Some(&last) if folder_sums(cx.remote, &p2.version(last))? == sums(persona) => {
                        (last, false)
                    }
                    Some(&last) => (last + 1, true),
                    None => (versions.last().map_or(1, |v| v + 1), true),
                };
                cx.state.version = version;
                cx.state.new_version = new_version;
                Ok(Did::unchanged(if new_version {
                    format!("a new version, {version}")
                } else {
                    format!("the same as version {version}")
                }))
            },
        ))
        .step(
            Step::new("upload", upload_title, move |cx: &mut Cx<'_, PersonaState>| {
                upload(cx, &p3, persona)
            })
            .undo(move |cx: &mut Cx<'_, PersonaState>| remove_unserved(cx, &p4)),
        );
    serve(plan, target, stem, paths, "publish")
}

/// Puts an older kept version of a persona back: `to`, or the one before the live one.
pub fn rollback<'a>(target: &'a Target, stem: &'a str, to: Option<u32>) -> Plan<'a, PersonaState> {
    let paths = Paths::new(target, stem);
    let p = paths.clone();
    let which = to.map_or("the version before the one serving".into(), |v| {
        format!("version {v}")
    });
    let plan =
        Plan::new("rollback-persona", target.scope(stem), Guard::DeployLock).step(Step::new(
            "version",
            format!("Find {which} of the persona {stem} among the kept ones"),
            move |cx: &mut Cx<'_, PersonaState>| {
                check_name(stem)?;
                let versions = super::versions_in(cx.remote, &p.kept, "v", "")?;
                cx.state.previous = current(cx.remote, &p)?;
                let live = cx.state.previous.as_deref().and_then(|v| v.parse().ok());
                let version = pick_older(&versions, live, to, "persona", stem)?;
                cx.state.version = version;
                // The check looks for the card the kept version carries.
                cx.state.card_name = kept_card_name(cx.remote, &p.version(version), stem)?;
                cx.state.expressions = count_expressions(cx.remote, &p.version(version))?;
                Ok(Did::unchanged(format!("version {version}")))
            },
        ));
    serve(plan, target, stem, paths, "rollback")
}

/// The steps that make a kept version serve, shared by a publish and a rollback.
fn serve<'a>(
    plan: Plan<'a, PersonaState>,
    target: &'a Target,
    stem: &'a str,
    paths: Paths,
    action: &'static str,
) -> Plan<'a, PersonaState> {
    let (p1, p2, p3, p4) = (paths.clone(), paths.clone(), paths.clone(), paths);
    let swap_title = format!(
        "Swap the live folder shared/data/personas/{stem} for that version, by renames (the backend sees the old folder or the new one, never half of one)"
    );
    plan.step(
        Step::new("swap", swap_title, move |cx: &mut Cx<'_, PersonaState>| {
            swap(cx.remote, &p1, cx.state.version)
        })
        .undo(move |cx: &mut Cx<'_, PersonaState>| put_back(cx.remote, &p2)),
    )
    .step(Step::new(
        "check",
        "Check through the backend that it lists the card with every expression file",
        move |cx: &mut Cx<'_, PersonaState>| {
            let state = &mut *cx.state;
            let cancel = cx.cancel;
            state.checked = check::persona(
                cx.remote,
                &target.probe,
                stem,
                &state.card_name,
                state.expressions,
            )
            // A check that did not come back after the owner cancelled is the cancel.
            .map_err(|e| {
                if cancel.is_cancelled() {
                    RemoteError::Cancelled
                } else {
                    e
                }
            })?;
            Ok(Did::unchanged(state.checked.clone()))
        },
    ))
    .step(
        Step::new(
            "record",
            "Record it as the live version and in the server's publish log",
            move |cx: &mut Cx<'_, PersonaState>| {
                let version = cx.state.version;
                cx.state.recording = true;
                run_script(
                    cx.remote,
                    "recording the live version",
                    scripts::SET_CURRENT,
                    &[&p3.kept, &version.to_string()],
                )?;
                let did = record(cx.remote, target, "persona", stem, version, action)?;
                // The folder that served before is a kept version too; its copy goes. Left
                // behind, the next swap removes it.
                let _ = run_script(cx.remote, "tidying up", scripts::TIDY, &[&p3.staged]);
                Ok(did)
            },
        )
        .undo(move |cx: &mut Cx<'_, PersonaState>| {
            if !cx.state.recording {
                return Ok(Did::unchanged("nothing was recorded"));
            }
            let previous = cx.state.previous.clone().unwrap_or_default();
            run_script(
                cx.remote,
                "putting the live version back",
                scripts::SET_CURRENT,
                &[&p4.kept, &previous],
            )?;
            Ok(Did::changed(if previous.is_empty() {
                "no live version, as before".to_string()
            } else {
                format!("version {previous} is the live one again")
            }))
        }),
    )
}

/// The files this computer sends, checked before the server is touched.
fn check_files(persona: &PersonaFiles) -> Result<()> {
    check_name(&persona.stem)?;
    if persona.files.is_empty() || persona.files.len() > MAX_PERSONA_FILES {
        return Err(refuse(
            "publish.too_many_files",
            format!(
                "{} has {} files to publish",
                persona.stem,
                persona.files.len()
            ),
            format!(
                "A persona is a card and at most {} expression files.",
                MAX_PERSONA_FILES - 1
            ),
        ));
    }
    for (name, path, _) in &persona.files {
        let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        if !name.ends_with(".png") || name.contains('/') || size == 0 || size > MAX_PERSONA_FILE {
            return Err(refuse(
                "publish.bad_file",
                format!("{name} cannot be published"),
                "DeskMate reads non-empty .png files of at most 50 MB.",
            ));
        }
    }
    Ok(())
}

fn by_hand(remote: &dyn Remote, paths: &Paths) -> Result<Did> {
    let out = run_script(
        remote,
        "keeping the persona folder that was there",
        scripts::BY_HAND,
        &[&paths.live, &paths.kept],
    )?;
    match out.trim() {
        "not-writable" => Err(refuse(
            "publish.not_writable",
            format!("The server's account cannot change {}.", paths.live),
            "Another account owns it (or the folder above it). Give it to the account DeskMate Studio signs in as, then publish again; nothing was changed.",
        )),
        "kept" => Ok(Did::changed("kept the folder that was there as version 0")),
        _ => Ok(Did::unchanged("nothing to keep")),
    }
}

/// Each file uploaded into `v<N>.part`, checked against its SHA-256, with the card's name
/// beside them; then renamed to `v<N>`, so a kept version is always whole.
fn upload(cx: &mut Cx<'_, PersonaState>, paths: &Paths, persona: &PersonaFiles) -> Result<Did> {
    let version = cx.state.version;
    if !cx.state.new_version {
        return Ok(Did::unchanged(format!("version {version} is kept already")));
    }
    cx.state.making = true;
    let target = paths.version(version);
    let staging = format!("{target}.part");
    run_script(
        cx.remote,
        "making the version folder",
        "rm -rf -- \"$1\" && mkdir -p -- \"$1\"",
        &[&staging],
    )?;
    let (remote, cancel) = (cx.remote, cx.cancel);
    let total: u64 = persona
        .files
        .iter()
        .map(|(_, path, _)| std::fs::metadata(path).map_or(0, |m| m.len()))
        .sum();
    let mut done = 0;
    for (name, path, sha) in &persona.files {
        check_cancel(cancel)?;
        let sent = remote.upload(
            path,
            &format!("{staging}/{name}"),
            Visibility::Normal,
            &mut |p| cx.progress(done + p.done, Some(total), Unit::Bytes),
            cancel,
        )?;
        done += sent.bytes;
        if &sent.sha256 != sha {
            return Err(refuse(
                "publish.transfer_mismatch",
                format!("{name} arrived changed"),
                "Publish again; nothing was switched.",
            ));
        }
    }
    // The card's name, for a rollback's check later.
    remote.write_file(
        persona.card_name.as_bytes(),
        &format!("{staging}/{CARD_NAME_FILE}"),
        Visibility::Normal,
        cancel,
    )?;
    run_script(
        remote,
        "keeping the version",
        "mv -- \"$1\" \"$2\"",
        &[&staging, &target],
    )?;
    Ok(Did::changed(format!(
        "uploaded {} files ({done} bytes) as version {version}",
        persona.files.len()
    )))
}

/// A version that never served is removed again, so the next publish uses its number
/// (nothing else holds it: the backend reads only the live folder).
fn remove_unserved(cx: &mut Cx<'_, PersonaState>, paths: &Paths) -> Result<Did> {
    let version = cx.state.version;
    let making = if cx.state.making { "yes" } else { "no" };
    let out = run_script(
        cx.remote,
        "removing the unserved version",
        scripts::REMOVE,
        &[&paths.version(version), making],
    )?;
    Ok(Did::either(
        out.trim() == "removed",
        format!("removed version {version}, which never served"),
        "nothing was kept",
    ))
}

/// What the swap did, undone however far it got: the folder that served before is back.
fn put_back(remote: &dyn Remote, paths: &Paths) -> Result<Did> {
    let out = run_script(
        remote,
        "putting the persona's folder back",
        scripts::PUT_BACK,
        &[&paths.live, &paths.staged],
    )?;
    Ok(match out.trim() {
        "restored" => Did::changed("the folder that served before is back"),
        "removed" => Did::changed("removed: there was no folder before"),
        _ => Did::unchanged("the live folder was not changed"),
    })
}

/// The live folder replaced by a copy of `v<version>`, unless it is that already.
fn swap(remote: &dyn Remote, paths: &Paths, version: u32) -> Result<Did> {
    let kept = paths.version(version);
    let same = run_script(
        remote,
        "comparing the live folder",
        scripts::SAME,
        &[&paths.live, &kept],
    )?;
    if same.trim() == "same" {
        return Ok(Did::unchanged(format!("version {version} is live already")));
    }
    run_script(
        remote,
        "switching the persona's folder",
        scripts::SWAP,
        &[&paths.live, &kept, &paths.staged, &paths.leftovers],
    )?;
    Ok(Did::changed(format!("version {version} is live")))
}
