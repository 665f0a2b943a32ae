//! A room published as DeskMate's floor plans: versions kept, the active plan read back.

use crate::cancel::Cancel;
use crate::error::Result;
use crate::install::{ProxyProbe, check_cancel, refuse, run_script};
use crate::ops::Remote;
use crate::transfer::Visibility;

use super::*;

/// The floor-plan id of a room's version: DeskMate skips an id it has, so each version has
/// its own.
pub fn plan_id(room: &str, version: u32) -> String {
    format!("{room}-v{version}")
}

/// Publishes one room: `plan(id)` is its floor-plan file with `id` as its id.
pub fn publish_room(
    target: &Target,
    room: &str,
    plan: &dyn Fn(&str) -> Vec<u8>,
    cancel: &Cancel,
) -> Result<Published> {
    let Target {
        session,
        dir,
        project,
        probe,
        holder,
    } = *target;
    check_name(room)?;
    let folder = format!("{dir}/{PUBLISHED_DIR}/rooms");
    let versions = versions_in(session, &folder, &format!("{room}-v"), ".json")?;
    // The same content as the newest version is that version again.
    let (version, new_version) = match versions.last() {
        Some(&last)
            if read(session, &room_file(&folder, room, last))? == plan(&plan_id(room, last)) =>
        {
            (last, false)
        }
        Some(&last) => (last + 1, true),
        None => (1, true),
    };
    check_cancel(cancel)?;
    let file = room_file(&folder, room, version);
    if new_version {
        run_script(
            session,
            "making the published rooms folder",
            "mkdir -p -- \"$1\"",
            &[&folder],
        )?;
        session.write_file(
            &plan(&plan_id(room, version)),
            &file,
            Visibility::Normal,
            cancel,
        )?;
    }
    let checked = serve_room(session, project, probe, room, version, &file)?;
    record(session, dir, "room", room, version, "publish", holder)?;
    Ok(Published {
        kind: "room",
        name: room.to_string(),
        version,
        new_version,
        checked,
    })
}

/// Activates an older version of a room: `to`, or the one before the active one.
pub fn roll_back_room(target: &Target, room: &str, to: Option<u32>) -> Result<Published> {
    let Target {
        session,
        dir,
        project,
        probe,
        holder,
    } = *target;
    check_name(room)?;
    let folder = format!("{dir}/{PUBLISHED_DIR}/rooms");
    let versions = versions_in(session, &folder, &format!("{room}-v"), ".json")?;
    let live = live_version(session, dir, "room", room)?;
    let version = pick_older(&versions, live, to, "room", room)?;
    let checked = serve_room(
        session,
        project,
        probe,
        room,
        version,
        &room_file(&folder, room, version),
    )?;
    record(session, dir, "room", room, version, "rollback", holder)?;
    Ok(Published {
        kind: "room",
        name: room.to_string(),
        version,
        new_version: false,
        checked,
    })
}

fn room_file(folder: &str, room: &str, version: u32) -> String {
    format!("{folder}/{}.json", plan_id(room, version))
}

/// The kept file copied into every running backend, loaded (an id the database has is
/// skipped, so this is safe to repeat), activated, and the activation read back.
fn serve_room(
    session: &dyn Remote,
    project: &str,
    probe: &ProxyProbe,
    room: &str,
    version: u32,
    file: &str,
) -> Result<String> {
    let id = plan_id(room, version);
    run_script(
        session,
        "copying the floor plan into the backend",
        r#"found=
for c in $(docker ps -q --filter "label=com.docker.compose.project=$1" --filter label=com.docker.compose.service=backend); do
    docker cp "$2" "$c:$3/$4.json" && found=yes || exit 1
done
[ -n "$found" ] || { echo "no backend container is running" >&2; exit 1; }"#,
        &[project, file, TEMPLATES_IN_BACKEND, &id],
    )?;
    let call = |method: &str, path: &str| -> Result<Vec<u8>> {
        let (status, body) = session
            .request(probe.port, &probe.host, probe.https, method, path)
            .map_err(|e| {
                refuse(
                    "publish.backend_unreachable",
                    "The backend did not answer.",
                    e,
                )
            })?;
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
    };
    call("POST", "/api/rooms/templates/load-all")?;
    call("POST", &format!("/api/rooms/floor-plans/{id}/activate"))?;
    let active: serde_json::Value =
        serde_json::from_slice(&call("GET", "/api/rooms/floor-plans/active")?).map_err(|e| {
            refuse(
                "publish.check_failed",
                "The backend's active floor plan does not read.",
                e.to_string(),
            )
        })?;
    if active["id"] != id.as_str() {
        return Err(refuse(
            "publish.check_failed",
            format!("The backend did not make {id} its active floor plan."),
            format!(
                "It says {} is active. The room's file is kept on the server; publish it again.",
                active["id"]
            ),
        ));
    }
    Ok(format!(
        "{id} is the backend's active floor plan ({} pieces of furniture)",
        active["furniture_count"]
    ))
}
