//! `room publish|rollback` and `persona publish|rollback`: a room or persona from this
//! computer put where the companion reads it, loaded, and checked through its backend, each
//! an operation on the engine (`deskmate-remote`'s `ops::publish` says how). The runner holds
//! the server's deploy lock, so an update and a publish never interleave, and a failure or a
//! cancel puts back what served.

use deskmate_remote::Cancel;
use deskmate_remote::ops::{Event, Runner, Stopped};
use deskmate_remote::publish::{
    self, PersonaFiles, PersonaState, Publication, Published, RoomState, Target,
};
use deskmate_rooms::Room;
use deskmate_stack::Environment;
use serde_json::Value;

use super::install::stack_dir;
use super::opened::Opened;
use super::{Servers, Shown, holder, remote_error, stopped_error};
use crate::error::ApiError;
use crate::persona::Personas;

impl Servers {
    /// Publishes `room` to `name`'s `environment`, as a new version unless the newest one is
    /// the same.
    pub fn room_publish(
        &self,
        name: &str,
        environment: Environment,
        room: &Room,
        on_event: &mut dyn FnMut(&Event),
        cancel: &Cancel,
    ) -> Result<Published, ApiError> {
        let plan = crate::room::floor_plan_for_server(room)?;
        let room_id = room.id.clone();
        let file_of = |id: &str| versioned_plan(&plan, id);
        let published = self.on_stack(
            name,
            environment,
            "a publish",
            on_event,
            cancel,
            |runner, target| {
                let mut state = RoomState::default();
                runner.run(
                    publish::room::publish(target, &room_id, &file_of),
                    &mut state,
                )?;
                Ok(state.published(&room_id))
            },
        )?;
        if environment == Environment::Production
            && let Ok(png) = crate::room::thumbnail(room)
        {
            self.keep_picture(name, Shown::Room, &published.name, &png);
        }
        Ok(published)
    }

    /// Activates an older published version of a room: `to`, or the one before the live one.
    pub fn room_rollback(
        &self,
        name: &str,
        environment: Environment,
        room_id: &str,
        to: Option<u32>,
    ) -> Result<Published, ApiError> {
        self.on_stack(
            name,
            environment,
            "a rollback",
            &mut |_: &Event| {},
            &Cancel::new(),
            |runner, target| {
                let mut state = RoomState::default();
                runner.run(publish::room::rollback(target, room_id, to), &mut state)?;
                Ok(state.published(room_id))
            },
        )
    }

    /// Publishes each persona (its card and DeskMate-named expression files); stops at the
    /// first that fails, the ones before it published.
    pub fn persona_publish(
        &self,
        name: &str,
        environment: Environment,
        personas: &Personas,
        ids: &[i64],
        on_event: &mut dyn FnMut(&Event),
        cancel: &Cancel,
    ) -> Result<Vec<Published>, ApiError> {
        let staging = tempfile::tempdir()
            .map_err(|e| ApiError::io("io.write_failed", &std::env::temp_dir(), &e))?;
        let mut exported = Vec::new();
        let mut portraits = Vec::new();
        for id in ids {
            let card_name = personas.show(*id)?.persona.summary.card_name;
            let out = staging.path().join(id.to_string());
            let report =
                personas.export_expressions(*id, &out, crate::persona::Layout::DeskMate)?;
            let mut files = Vec::new();
            for written in &report.written {
                let path = std::path::PathBuf::from(written);
                let bytes =
                    std::fs::read(&path).map_err(|e| ApiError::io("io.read_failed", &path, &e))?;
                let file_name = path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                files.push((file_name, path, crate::persona::import::sha256(&bytes)));
            }
            let stem = files
                .first()
                .and_then(|(n, _, _)| n.strip_suffix(".png"))
                .unwrap_or_default()
                .to_string();
            if let Ok(Some(png)) = personas.thumbnail(*id) {
                portraits.push((stem.clone(), png));
            }
            exported.push((stem, card_name, files, report.deskmate.len()));
        }
        // One operation per persona, in turn: a failure stops there, the ones before it stay
        // published (and that one's undo puts back what served it).
        let published = self.on_stack(
            name,
            environment,
            "a publish",
            on_event,
            cancel,
            |runner, target| {
                exported
                    .into_iter()
                    .map(|(stem, card_name, files, expressions)| {
                        let persona = PersonaFiles {
                            stem,
                            card_name,
                            files,
                            expressions,
                        };
                        let mut state = PersonaState::default();
                        runner.run(publish::persona::publish(target, &persona), &mut state)?;
                        Ok(state.published(&persona.stem))
                    })
                    .collect::<Result<Vec<_>, _>>()
            },
        )?;
        if environment == Environment::Production {
            for (stem, png) in &portraits {
                if published.iter().any(|p| p.name == *stem) {
                    self.keep_picture(name, Shown::Persona, stem, png);
                }
            }
        }
        Ok(published)
    }

    /// Puts an older published version of a persona's folder back.
    pub fn persona_rollback(
        &self,
        name: &str,
        environment: Environment,
        folder: &str,
        to: Option<u32>,
    ) -> Result<Published, ApiError> {
        self.on_stack(
            name,
            environment,
            "a rollback",
            &mut |_: &Event| {},
            &Cancel::new(),
            |runner, target| {
                let mut state = PersonaState::default();
                runner.run(publish::persona::rollback(target, folder, to), &mut state)?;
                Ok(state.published(folder))
            },
        )
    }

    /// Every publish and rollback on the server, oldest first.
    pub fn publications(
        &self,
        name: &str,
        environment: Environment,
    ) -> Result<Vec<Publication>, ApiError> {
        let (server, session) = self.open_session(name)?;
        publish::publications(&session, &stack_dir(&server.stack_dir, environment))
            .map_err(|e| remote_error(e, name))
    }
}

impl Servers {
    /// Runs `work` on `name`'s `environment` with the server claimed for `what` and one
    /// session: `work` runs its operations with the runner it is given, which takes and lets
    /// go of the deploy lock for each.
    fn on_stack<T>(
        &self,
        name: &str,
        environment: Environment,
        what: &'static str,
        on_event: &mut dyn FnMut(&Event),
        cancel: &Cancel,
        work: impl FnOnce(&mut Runner, &Target) -> Result<T, Box<Stopped>>,
    ) -> Result<T, ApiError> {
        let Opened {
            session,
            dir,
            _claim,
            ..
        } = self.open_for(name, environment, Some(what))?;
        let holder = holder();
        let target = Target {
            project: deskmate_stack::project_name(&dir),
            dir,
            environment: environment.name().into(),
            probe: self.proxy_probe(name, environment)?,
            holder: holder.clone(),
        };
        let mut runner = Runner::new(&session, cancel, &holder, on_event);
        work(&mut runner, &target).map_err(|stopped| stopped_error(stopped, name, environment))
    }
}

/// The floor plan as version `id`: DeskMate's loader skips ids it has and its tables key
/// rooms, walls, doorways and furniture by id too, so every id in the plan (and each
/// reference to one) gets the version's suffix.
pub fn versioned_plan(plan: &Value, id: &str) -> Vec<u8> {
    let base = plan["id"].as_str().unwrap_or_default();
    let suffix = id.strip_prefix(base).unwrap_or(id).to_string();
    let mut plan = plan.clone();
    plan["id"] = Value::String(id.to_string());
    let tag = |v: &mut Value| {
        if let Some(s) = v.as_str() {
            *v = Value::String(format!("{s}{suffix}"));
        }
    };
    for list in ["rooms", "walls", "doorways", "furniture"] {
        for item in plan[list].as_array_mut().into_iter().flatten() {
            tag(&mut item["id"]);
            match list {
                "furniture" => tag(&mut item["room_id"]),
                "doorways" => {
                    tag(&mut item["wall_id"]);
                    tag(&mut item["connections"]["room_a"]);
                    tag(&mut item["connections"]["room_b"]);
                }
                "rooms" => {
                    for entry in item["accessibility"]["entry_points"]
                        .as_array_mut()
                        .into_iter()
                        .flatten()
                    {
                        tag(entry);
                    }
                }
                _ => {}
            }
        }
    }
    let mut bytes = serde_json::to_vec_pretty(&plan).expect("JSON values serialize");
    bytes.push(b'\n');
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_version_suffixes_every_id_and_every_reference_to_one() {
        let plan = serde_json::json!({
            "id": "cozy",
            "rooms": [{"id": "cozy", "accessibility": {"entry_points": ["door"]}}],
            "walls": [{"id": "wall_north"}],
            "doorways": [{"id": "door", "wall_id": "wall_north",
                          "connections": {"room_a": "cozy", "room_b": null}}],
            "furniture": [{"id": "bed", "room_id": "cozy"}],
        });
        let out: Value = serde_json::from_slice(&versioned_plan(&plan, "cozy-v3")).unwrap();
        assert_eq!(out["id"], "cozy-v3");
        assert_eq!(out["rooms"][0]["id"], "cozy-v3");
        assert_eq!(
            out["rooms"][0]["accessibility"]["entry_points"][0],
            "door-v3"
        );
        assert_eq!(out["doorways"][0]["wall_id"], "wall_north-v3");
        assert_eq!(out["doorways"][0]["connections"]["room_a"], "cozy-v3");
        assert_eq!(out["doorways"][0]["connections"]["room_b"], Value::Null);
        assert_eq!(out["furniture"][0]["id"], "bed-v3");
        assert_eq!(out["furniture"][0]["room_id"], "cozy-v3");
    }
}
