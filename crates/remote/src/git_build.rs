//! A release built on the server from a git ref of the DeskMate source: a clean checkout
//! (a fresh shallow fetch of the branch or tag into an empty folder), then
//! `docker compose build` of its `backend/` and `frontend/` folders, the way DeskMate's own
//! compose file builds them. The images are tagged `deskmate-build/<service>:<version>`;
//! the api makes a release of them with the current release's databases and proxy, and
//! deploys it like any other. The checkout is removed afterwards; the images stay (they
//! are never removed).

use crate::cancel::Cancel;
use crate::error::Result;
use crate::ops::Remote;
use crate::parts::commands::{check_cancel, refuse, run_script, run_script_with_input};
use crate::parts::compose::Compose;

/// What was built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Built {
    /// The commit the ref pointed at.
    pub commit: String,
    /// The backend image's `org.opencontainers.image.version` label, if it has one.
    pub label_version: Option<String>,
    /// `(tag, image id)` of the backend and the frontend.
    pub backend: (String, String),
    pub frontend: (String, String),
}

/// `url` as it may be shown: a user and password or token in it masked.
fn masked(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => match rest.split_once('/').unwrap_or((rest, "")) {
            (authority, path) if authority.contains('@') => {
                let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
                format!("{scheme}://***@{host}/{path}")
            }
            _ => url.to_string(),
        },
        None => url.to_string(),
    }
}

/// A branch or tag name git would take, and nothing a shell or git could read as an option.
pub fn check_ref(reference: &str) -> Result<()> {
    let ok = !reference.is_empty()
        && reference.len() <= 100
        && !reference.starts_with(['-', '/', '.'])
        && !reference.contains("..")
        && !reference.ends_with(['/', '.'])
        && reference
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._/-".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(refuse(
            "release.bad_ref",
            format!("'{reference}' is not a branch or tag name"),
            "Give a branch or tag of the DeskMate source, such as main or v1.3.0.",
        ))
    }
}

/// Builds `reference` of the repository at `url` on the server; see the module's comment.
pub fn build(
    session: &dyn Remote,
    dir: &str,
    compose: &Compose,
    url: &str,
    reference: &str,
    cancel: &Cancel,
) -> Result<Built> {
    check_ref(reference)?;
    // (A quote or backslash could not be written into git's config as it is.)
    let odd = |c: char| c.is_control() || c == '"' || c == '\\';
    if url.is_empty() || url.starts_with('-') || url.chars().any(odd) {
        return Err(refuse(
            "release.bad_git_url",
            format!("'{}' is not a git address", masked(url).escape_debug()),
            "Give the address git clones from: https://…, ssh://…, or a path on the server.",
        ));
    }
    check_cancel(cancel)?;
    // The address may hold a user and token (https://user:token@host/…): it comes on stdin
    // and goes into the checkout's config by the shell's own printf, so it is on no command
    // line (`ps` on the server); git's words about it are shown with it masked, and the
    // remote is removed from the config once fetched.
    let out = run_script_with_input(
        session,
        "fetching the DeskMate source",
        r#"IFS= read -r url
command -v git > /dev/null || { echo no-git; exit 0; }
work="$1/.build"; rm -rf -- "$work"; mkdir -p -- "$work"
git init -q -- "$work/src" &&
printf '[remote "origin"]\n\turl = "%s"\n' "$url" >> "$work/src/.git/config" &&
{ git -C "$work/src" fetch -q --depth 1 origin "refs/tags/$2" 2> "$work/fetch.err" ||
git -C "$work/src" fetch -q --depth 1 origin "refs/heads/$2" 2>> "$work/fetch.err"; } ||
{ echo "no-ref"; tail -n 3 "$work/fetch.err" | sed 's#//[^/@]*@#//***@#g'; rm -rf -- "$work"; exit 0; }
git -C "$work/src" remote remove origin &&
git -C "$work/src" -c advice.detachedHead=false checkout -q FETCH_HEAD &&
[ -z "$(git -C "$work/src" status --porcelain)" ] || { echo unclean; exit 0; }
for s in backend frontend; do [ -f "$work/src/$s/Dockerfile" ] || { echo "no-dockerfile $s"; exit 0; }; done
echo "commit $(git -C "$work/src" rev-parse HEAD)""#,
        &[dir, reference],
        format!("{url}\n").as_bytes(),
    )?;
    let url = &masked(url);
    let first = out.lines().next().unwrap_or("");
    let said: String = out.lines().skip(1).collect::<Vec<_>>().join(" ");
    let commit = match first.split_once(' ') {
        _ if first == "no-git" => {
            return Err(refuse(
                "release.no_git",
                "The server has no git, so it cannot build from the source.",
                "Install git on the server (Debian and Ubuntu: the git package), or deploy a release file instead.",
            ));
        }
        _ if first == "no-ref" => {
            return Err(refuse(
                "release.ref_not_found",
                format!("The server could not fetch {reference} from {url}."),
                format!(
                    "git said: {said}. Check the address, that the branch or tag exists, and that the server may read the repository."
                ),
            ));
        }
        Some(("no-dockerfile", service)) => {
            return Err(refuse(
                "release.not_deskmate_source",
                format!("{reference} of {url} has no {service}/Dockerfile."),
                "DeskMate's source builds its backend and frontend from backend/Dockerfile and frontend/Dockerfile; is this the DeskMate repository?",
            ));
        }
        Some(("commit", commit)) if commit.len() >= 7 => commit.to_string(),
        _ => {
            return Err(refuse(
                "release.build_failed",
                format!("The checkout of {reference} is not clean."),
                "Build again; nothing was changed.",
            ));
        }
    };
    let short = &commit[..7];
    let tag_of = |service: &str| {
        format!(
            "deskmate-build/{service}:{}-git.{short}",
            tag_safe(reference)
        )
    };
    let (backend, frontend) = (tag_of("backend"), tag_of("frontend"));
    let file = format!(
        "# Written by DeskMate Studio to build {reference} ({commit}).\nservices:\n  backend:\n    build: ./src/backend\n    image: \"{backend}\"\n  frontend:\n    build: ./src/frontend\n    image: \"{frontend}\"\n"
    );
    check_cancel(cancel)?;
    session.write_file(
        file.as_bytes(),
        &format!("{dir}/.build/build.yml"),
        crate::transfer::Visibility::Normal,
        cancel,
    )?;
    let built = run_script(
        session,
        "building the backend and frontend (docker compose build)",
        &format!(
            r#"cd -- "$1/.build" && {} -p deskmate-build -f build.yml build > build.log 2>&1 || {{ tail -n 15 build.log >&2; exit 1; }}
for t in "$2" "$3"; do docker image inspect --format '{{{{.Id}}}}' "$t"; done
docker image inspect --format '{{{{index .Config.Labels "org.opencontainers.image.version"}}}}' "$2""#,
            compose.shell()
        ),
        &[dir, &backend, &frontend],
    );
    let _ = run_script(
        session,
        "removing the checkout",
        "rm -rf -- \"$1/.build\"",
        &[dir],
    );
    let built = built.map_err(|e| match e {
        crate::RemoteError::RemoteFailed { detail, .. } => refuse(
            "release.build_failed",
            format!("Building {reference} ({short}) failed on the server."),
            format!(
                "The build said:\n{}\nNothing was changed; the release serving still serves.",
                detail.trim()
            ),
        ),
        other => other,
    })?;
    let lines: Vec<&str> = built.lines().collect();
    let [backend_id, frontend_id, label, ..] = lines[..] else {
        return Err(refuse(
            "release.build_failed",
            format!("The images of {reference} were not found after the build."),
            "Build again; nothing was changed.",
        ));
    };
    Ok(Built {
        commit,
        label_version: Some(label.trim().to_string())
            .filter(|l| !l.is_empty() && l != "<no value>"),
        backend: (backend, backend_id.trim().to_string()),
        frontend: (frontend, frontend_id.trim().to_string()),
    })
}

/// A ref as a Docker tag: `/` is not allowed there.
fn tag_safe(reference: &str) -> String {
    reference.replace('/', "-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_user_and_token_in_an_address_are_never_shown() {
        assert_eq!(
            masked("https://bob:ghp_secret@git.example/deskmate.git"),
            "https://***@git.example/deskmate.git"
        );
        assert_eq!(masked("ssh://git@host:2222/x"), "ssh://***@host:2222/x");
        for plain in [
            "https://git.example/d.git",
            "/srv/git/deskmate",
            "git.example:x",
        ] {
            assert_eq!(masked(plain), plain);
        }
    }

    #[test]
    fn refs_are_branch_or_tag_names_and_nothing_else() {
        for ok in ["main", "v1.3.0", "release/2026-12", "fix_x"] {
            check_ref(ok).unwrap();
        }
        for bad in [
            "",
            "-x",
            "--upload-pack=x",
            "a..b",
            "a b",
            "/x",
            "x/",
            ".x",
            "a;b",
            "$(x)",
        ] {
            assert!(check_ref(bad).is_err(), "{bad}");
        }
        assert_eq!(tag_safe("release/2026"), "release-2026");
    }
}
