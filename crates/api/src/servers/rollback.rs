//! Which release a rollback goes to: pure, over the server's list of releases (newest
//! first), so it is tested without a server.
//!
//! Without a version, the newest release other than the current one that has served
//! healthily (`ReleaseEntry::served`): never a release that failed its health check, even
//! though its folder is newer. A version named that never served is refused too: there is
//! no "force" here; the owner who is sure deploys it from its release file instead, which
//! is the same deploy with the same safety.

use deskmate_remote::releases::ReleaseEntry;

use crate::error::ApiError;

/// The release `release rollback` on `server` deploys; `to` is the version the owner named.
pub(super) fn rollback_target<'a>(
    server: &str,
    list: &'a [ReleaseEntry],
    to: Option<&str>,
) -> Result<&'a ReleaseEntry, ApiError> {
    let deploy_instead = "deploy it from its release file instead (`deskmate release deploy --release FILE`, or Choose a release file in the app), with the same backup first and the same health checks";
    match to {
        Some(version) => {
            let found = list.iter().find(|r| r.version == version).ok_or_else(|| {
                ApiError::new(
                    "release.unknown",
                    format!("{server} keeps no release {}", version.escape_debug()),
                    "the server's list of releases shows the ones it keeps",
                )
            })?;
            // The current one serves now, so it counts as served; deploying it again is
            // refused later as `release.same`.
            if !found.served {
                return Err(ApiError::new(
                    "release.never_served",
                    format!(
                        "DeskMate {version} is not known to have served healthily on {server} (it failed its health check, or ran before the server kept that record), so it is not offered as a way back"
                    ),
                    format!(
                        "Roll back to a release marked as served. If you are sure {version} works now, {deploy_instead}."
                    ),
                ));
            }
            Ok(found)
        }
        None => {
            if list.iter().all(|r| r.current) {
                return Err(ApiError::new(
                    "release.unknown",
                    format!("{server} keeps no release before the current one"),
                    "the server's list of releases shows the ones it keeps",
                ));
            }
            list.iter().find(|r| !r.current && r.served).ok_or_else(|| {
                ApiError::new(
                    "release.none_served",
                    format!(
                        "{server} keeps no earlier release known to have served healthily (the others failed their health check, or ran before the server kept that record)"
                    ),
                    format!(
                        "The release serving now stays. To go to another release, {deploy_instead}."
                    ),
                )
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(version: &str, current: bool, served: bool) -> ReleaseEntry {
        ReleaseEntry {
            version: version.into(),
            source: String::new(),
            time: String::new(),
            current,
            served,
        }
    }

    /// good-1, good-2 (serving), then broken, which failed its health check: newest first.
    fn after_a_failed_update() -> Vec<ReleaseEntry> {
        vec![
            entry("1.2.0-broken", false, false),
            entry("1.1.0", true, true),
            entry("1.0.0", false, true),
        ]
    }

    #[test]
    fn without_a_version_it_goes_to_the_newest_release_that_served_never_one_that_failed() {
        let list = after_a_failed_update();
        assert_eq!(
            rollback_target("home", &list, None).unwrap().version,
            "1.0.0"
        );
        // Several that served: the newest of them.
        let mut more = list.clone();
        more.push(entry("0.9.0", false, true));
        assert_eq!(
            rollback_target("home", &more, None).unwrap().version,
            "1.0.0"
        );
    }

    #[test]
    fn without_a_version_and_nothing_else_served_it_is_refused_in_plain_words() {
        let list = vec![
            entry("1.2.0-broken", false, false),
            entry("1.1.0", true, true),
        ];
        let err = rollback_target("home", &list, None).unwrap_err();
        assert_eq!(err.code, "release.none_served");
        assert!(err.hint.contains("release file"), "{err:?}");
        // Nothing but the current release: the older code, as before.
        let err = rollback_target("home", &list[1..], None).unwrap_err();
        assert_eq!(err.code, "release.unknown");
        assert_eq!(
            rollback_target("home", &[], None).unwrap_err().code,
            "release.unknown"
        );
    }

    #[test]
    fn a_named_release_must_be_kept_and_have_served() {
        let list = after_a_failed_update();
        assert_eq!(
            rollback_target("home", &list, Some("1.0.0"))
                .unwrap()
                .version,
            "1.0.0"
        );
        let err = rollback_target("home", &list, Some("1.2.0-broken")).unwrap_err();
        assert_eq!(err.code, "release.never_served");
        assert!(err.message.contains("1.2.0-broken"), "{err:?}");
        assert!(
            err.hint.contains("deploy it from its release file"),
            "{err:?}"
        );
        let err = rollback_target("home", &list, Some("3.0.0")).unwrap_err();
        assert_eq!(err.code, "release.unknown");
        // The current one is found (the deploy then says it already runs).
        assert!(
            rollback_target("home", &list, Some("1.1.0"))
                .unwrap()
                .current
        );
    }
}
