//! A room published as DeskMate's floor plans, and a rollback to an older version: the
//! version found (or picked), its file kept, copied into the backends, loaded, activated and
//! read back, then recorded. Only the activation changes what serves, so its undo (the plan
//! that was active before, active again) is what a failure or a cancel puts back.

use super::{PUBLISHED_DIR, Published, Target, check_name, pick_older, publications, read, record};
use crate::error::Result;
use crate::ops::{Cx, Did, Guard, Plan, Step};
use crate::parts::commands::{refuse, run_script};
use crate::transfer::Visibility;

/// The floor-plan folder inside DeskMate's backend image.
const TEMPLATES_IN_BACKEND: &str = "/app/templates/floor_plans";

/// The floor-plan id of a room's version: DeskMate skips an id it has, so each version has
/// its own.
fn plan_id(room: &str, version: u32) -> String {
    format!("{room}-v{version}")
}

/// What a room's publish or rollback learns, for its later steps, its undos and its report.
#[derive(Debug, Default)]
pub struct RoomState {
    pub version: u32,
    /// False when the same content was already kept as `version` (always, for a rollback).
    pub new_version: bool,
    /// What the backend showed afterwards, in words.
    pub checked: String,
    /// This run wrote the version's file (so it may remove it again).
    wrote: bool,
    /// The file may have reached a backend: from then on DeskMate may load it under its id,
    /// so the kept file (and with it the version number) stays.
    copied: bool,
    /// The floor plan active before the activation: `None` until the activation looked,
    /// `Some(None)` when none was.
    active_before: Option<Option<String>>,
}

impl RoomState {
    pub fn published(&self, room: &str) -> Published {
        Published {
            kind: "room",
            name: room.to_string(),
            version: self.version,
            new_version: self.new_version,
            checked: self.checked.clone(),
        }
    }
}

/// Publishes `room`: `file_of(id)` is its floor-plan file with `id` as its id.
pub fn publish<'a>(
    target: &'a Target,
    room: &'a str,
    file_of: &'a dyn Fn(&str) -> Vec<u8>,
) -> Plan<'a, RoomState> {
    let version_title = format!(
        "Find which version of the room {room} this is (the same as the newest kept version is that version again)"
    );
    let keep_title =
        format!("Keep the floor plan of a new version in {PUBLISHED_DIR}/rooms on the server");
    let plan = Plan::new("publish-room", target.scope(room), Guard::DeployLock)
        .step(Step::new(
            "version",
            version_title,
            move |cx: &mut Cx<'_, RoomState>| find_version(cx, target, room, file_of),
        ))
        .step(
            Step::new("keep", keep_title, move |cx: &mut Cx<'_, RoomState>| {
                keep(cx, target, room, file_of)
            })
            .undo(move |cx: &mut Cx<'_, RoomState>| unkeep(cx, target, room)),
        );
    serve(plan, target, room, "publish")
}

/// The same content as the newest kept version is that version again; else a new one.
fn find_version(
    cx: &mut Cx<'_, RoomState>,
    target: &Target,
    room: &str,
    file_of: &dyn Fn(&str) -> Vec<u8>,
) -> Result<Did> {
    check_name(room)?;
    let folder = rooms_folder(target);
    let versions = super::versions_in(cx.remote, &folder, &format!("{room}-v"), ".json")?;
    let (version, new_version) = match versions.last() {
        Some(&last)
            if read(cx.remote, &room_file(&folder, room, last))?
                == file_of(&plan_id(room, last)) =>
        {
            (last, false)
        }
        Some(&last) => (last + 1, true),
        None => (1, true),
    };
    cx.state.version = version;
    cx.state.new_version = new_version;
    Ok(Did::unchanged(if new_version {
        format!("a new version, {version}")
    } else {
        format!("the same as version {version}")
    }))
}

fn keep(
    cx: &mut Cx<'_, RoomState>,
    target: &Target,
    room: &str,
    file_of: &dyn Fn(&str) -> Vec<u8>,
) -> Result<Did> {
    let version = cx.state.version;
    if !cx.state.new_version {
        return Ok(Did::unchanged(format!("version {version} is kept already")));
    }
    let folder = rooms_folder(target);
    run_script(
        cx.remote,
        "making the published rooms folder",
        "mkdir -p -- \"$1\"",
        &[&folder],
    )?;
    cx.state.wrote = true;
    let id = plan_id(room, version);
    cx.remote.write_file(
        &file_of(&id),
        &room_file(&folder, room, version),
        Visibility::Normal,
        cx.cancel,
    )?;
    Ok(Did::changed(format!("kept as {id}.json")))
}

/// A version that never reached a backend is removed again, so the next publish uses its
/// number; one that may have is kept, since DeskMate may hold its id (and skips an id it
/// has, so the number must never come back with other content).
fn unkeep(cx: &mut Cx<'_, RoomState>, target: &Target, room: &str) -> Result<Did> {
    if !cx.state.wrote {
        return Ok(Did::unchanged("nothing was kept"));
    }
    let version = cx.state.version;
    if cx.state.copied {
        return Ok(Did::unchanged(format!(
            "version {version} stays kept: it may have reached a backend"
        )));
    }
    let file = room_file(&rooms_folder(target), room, version);
    run_script(
        cx.remote,
        "removing the unserved version",
        "rm -f -- \"$1\"",
        &[&file],
    )?;
    Ok(Did::changed(format!(
        "removed version {version}, which never served"
    )))
}

/// Activates an older kept version of `room`: `to`, or the one before the live one.
pub fn rollback<'a>(target: &'a Target, room: &'a str, to: Option<u32>) -> Plan<'a, RoomState> {
    let which = to.map_or("the version before the one serving".into(), |v| {
        format!("version {v}")
    });
    let plan = Plan::new("rollback-room", target.scope(room), Guard::DeployLock).step(Step::new(
        "version",
        format!("Find {which} of the room {room} among the kept ones"),
        move |cx: &mut Cx<'_, RoomState>| {
            check_name(room)?;
            let versions = super::versions_in(
                cx.remote,
                &rooms_folder(target),
                &format!("{room}-v"),
                ".json",
            )?;
            // The live version is the last publish or rollback of it in the log.
            let live = publications(cx.remote, &target.dir)?
                .into_iter()
                .rfind(|p| p.kind == "room" && p.name == room)
                .map(|p| p.version);
            cx.state.version = pick_older(&versions, live, to, "room", room)?;
            Ok(Did::unchanged(format!("version {}", cx.state.version)))
        },
    ));
    serve(plan, target, room, "rollback")
}

/// The steps that make a kept version serve, shared by a publish and a rollback: copied into
/// every running backend, loaded (an id the database has is skipped, so this is safe to
/// repeat), activated and read back, recorded.
fn serve<'a>(
    plan: Plan<'a, RoomState>,
    target: &'a Target,
    room: &'a str,
    action: &'static str,
) -> Plan<'a, RoomState> {
    plan.step(Step::new(
        "copy",
        "Copy the floor plan into every running backend container",
        move |cx: &mut Cx<'_, RoomState>| {
            cx.state.copied = true;
            let id = plan_id(room, cx.state.version);
            let file = room_file(&rooms_folder(target), room, cx.state.version);
            let out = run_script(
                cx.remote,
                "copying the floor plan into the backend",
                COPY,
                &[&target.project, &file, TEMPLATES_IN_BACKEND, &id],
            )?;
            Ok(Did::changed(format!(
                "copied into {} backend container(s)",
                out.trim()
            )))
        },
    ))
    // Rows of every version stay in the database by design (a rollback activates them), so
    // loading has nothing to put back: it does not change what serves.
    .step(Step::new(
        "load",
        "Load it into DeskMate's database (ids it has are skipped)",
        move |cx: &mut Cx<'_, RoomState>| {
            call(cx, target, "POST", "/api/rooms/templates/load-all")?;
            Ok(Did::changed("loaded"))
        },
    ))
    .step(
        Step::new(
            "activate",
            "Make it the backend's active floor plan and read that back",
            move |cx: &mut Cx<'_, RoomState>| activate(cx, target, room),
        )
        .undo(move |cx: &mut Cx<'_, RoomState>| activate_before(cx, target, room)),
    )
    .step(Step::new(
        "record",
        "Record it in the server's publish log",
        move |cx: &mut Cx<'_, RoomState>| {
            record(cx.remote, target, "room", room, cx.state.version, action)
        },
    ))
}

/// Every running backend of the project gets the file; none running is a failure. Prints
/// how many.
pub(super) const COPY: &str = r#"found=0
for c in $(docker ps -q --filter "label=com.docker.compose.project=$1" --filter label=com.docker.compose.service=backend); do
    docker cp "$2" "$c:$3/$4.json" || exit 1
    found=$((found + 1))
done
[ "$found" -gt 0 ] || { echo "no backend container is running" >&2; exit 1; }
echo "$found""#;

/// Looks first (the plan active before, for the undo), activates unless it is active
/// already, and reads the activation back.
fn activate(cx: &mut Cx<'_, RoomState>, target: &Target, room: &str) -> Result<Did> {
    let id = plan_id(room, cx.state.version);
    let before = active(cx, target)?;
    let before_id = before
        .as_ref()
        .and_then(|a| a["id"].as_str())
        .map(str::to_string);
    cx.state.active_before = Some(before_id.clone());
    let was = before_id.clone().unwrap_or_else(|| "none".into());
    let (now, changed) = match before {
        Some(active) if before_id.as_deref() == Some(id.as_str()) => (active, false),
        _ => {
            call(
                cx,
                target,
                "POST",
                &format!("/api/rooms/floor-plans/{id}/activate"),
            )?;
            let now = active(cx, target)?.unwrap_or_default();
            (now, true)
        }
    };
    if now["id"] != id.as_str() {
        return Err(refuse(
            "publish.check_failed",
            format!("The backend did not make {id} its active floor plan."),
            format!(
                "It says {} is active. The room's file is kept on the server; publish it again.",
                now["id"]
            ),
        ));
    }
    cx.state.checked = format!(
        "{id} is the backend's active floor plan ({} pieces of furniture)",
        now["furniture_count"]
    );
    Ok(Did::either(
        changed,
        format!("{id} is active (was {was})"),
        format!("{id} was active already"),
    ))
}

/// The floor plan that was active before, active again.
fn activate_before(cx: &mut Cx<'_, RoomState>, target: &Target, room: &str) -> Result<Did> {
    let id = plan_id(room, cx.state.version);
    match cx.state.active_before.clone() {
        None => Ok(Did::unchanged("nothing was activated")),
        Some(None) => Ok(Did::unchanged(format!(
            "no floor plan was active before, and DeskMate cannot make none active: {id} stays active"
        ))),
        Some(Some(before)) if before == id => Ok(Did::unchanged(format!("{id} was active before"))),
        Some(Some(before)) => {
            let path = format!("/api/rooms/floor-plans/{before}/activate");
            call(cx, target, "POST", &path)?;
            Ok(Did::changed(format!(
                "{before} is the active floor plan again"
            )))
        }
    }
}

/// The active floor plan, or None when the backend has none (it answers 404 then).
fn active(cx: &Cx<'_, RoomState>, target: &Target) -> Result<Option<serde_json::Value>> {
    let path = "/api/rooms/floor-plans/active";
    let (status, body) = request(cx, target, "GET", path)?;
    if status == 404 {
        return Ok(None);
    }
    let body = answered(status, "GET", path, body)?;
    serde_json::from_slice(&body).map(Some).map_err(|e| {
        refuse(
            "publish.check_failed",
            "The backend's active floor plan does not read.",
            e.to_string(),
        )
    })
}

fn call(cx: &Cx<'_, RoomState>, target: &Target, method: &str, path: &str) -> Result<Vec<u8>> {
    let (status, body) = request(cx, target, method, path)?;
    answered(status, method, path, body)
}

/// One request to the backend through the proxy. A request that did not come back after
/// the owner cancelled is the cancel.
fn request(
    cx: &Cx<'_, RoomState>,
    target: &Target,
    method: &str,
    path: &str,
) -> Result<(u16, Vec<u8>)> {
    let probe = &target.probe;
    cx.remote
        .request(probe.port, &probe.host, probe.https, method, path)
        .map_err(|why| {
            if cx.cancel.is_cancelled() {
                return crate::error::RemoteError::Cancelled;
            }
            refuse(
                "publish.backend_unreachable",
                "The backend did not answer.",
                why,
            )
        })
}

fn answered(status: u16, method: &str, path: &str, body: Vec<u8>) -> Result<Vec<u8>> {
    if status != 200 {
        return Err(refuse(
            "publish.backend_refused",
            format!("The backend answered HTTP {status} to {method} {path}."),
            String::from_utf8_lossy(&body)
                .chars()
                .take(300)
                .collect::<String>(),
        ));
    }
    Ok(body)
}

fn rooms_folder(target: &Target) -> String {
    format!("{}/{PUBLISHED_DIR}/rooms", target.dir)
}

fn room_file(folder: &str, room: &str, version: u32) -> String {
    format!("{folder}/{}.json", plan_id(room, version))
}
