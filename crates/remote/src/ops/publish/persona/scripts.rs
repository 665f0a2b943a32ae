//! The shell a persona's publish sends, in one place (`sh`, arguments as `"$1"`…), each
//! shellchecked in the tests. The live folder only ever changes by renames, and every
//! script can run again, or after a run that stopped part-way, and find its way.

/// `$1` the live folder, `$2` the kept versions. A folder someone put there by hand is
/// copied whole to `v0` (through `v0.part`, so `v0` is never half a copy) and made the live
/// version, unless versions are kept already. Prints `not-writable` when this account
/// could not replace the live folder (nothing changed then), `kept`, or nothing.
pub(super) const BY_HAND: &str = r#"parent=$(dirname -- "$1"); mkdir -p -- "$2" "$parent"
if [ ! -w "$parent" ] || { [ -e "$1" ] && [ ! -w "$1" ]; }; then echo not-writable; exit 0; fi
if [ -d "$1" ] && [ ! -e "$2/current" ] && [ ! -e "$2/v0" ]; then
    rm -rf -- "$2/v0.part" && cp -a -- "$1" "$2/v0.part" && mv -- "$2/v0.part" "$2/v0" &&
        echo 0 > "$2/current" && echo kept
fi"#;

/// `$1` a version folder, `$2` `yes` when this run made it. Removes its `.part` and, when
/// this run made it, the version; prints `removed` when there was something to remove.
pub(super) const REMOVE: &str = r#"found=none
if [ -e "$1.part" ]; then rm -rf -- "$1.part" && found=removed || exit 1; fi
if [ "$2" = yes ] && [ -e "$1" ]; then rm -rf -- "$1" && found=removed || exit 1; fi
echo "$found""#;

/// `$1` the live folder, `$2` a kept version: `same` when every file in both is the same.
pub(super) const SAME: &str = r#"sums() { (cd -- "$1" && find . -type f -exec sha256sum {} + | LC_ALL=C sort); }
wanted=$(sums "$2") || exit 1
live=$(sums "$1" 2>/dev/null) || live=missing
if [ "$live" = "$wanted" ]; then echo same; else echo different; fi"#;

/// `$1` the live folder, `$2` the kept version, `$3` this run's staging prefix, `$4` every
/// run's. Earlier runs' leftovers go; the version is copied beside (`$3.new`), the live
/// folder moved aside (`$3.old`; or `$3.none` marks that there was none), then the copy
/// renamed into place. What `$3.*` exists says how far it got, for [`PUT_BACK`].
pub(super) const SWAP: &str = r#"for left in "$4"*; do
    if [ -e "$left" ]; then rm -rf -- "$left" || exit 1; fi
done
cp -a -- "$2" "$3.new" && chmod -R a+rX -- "$3.new" &&
mkdir -p -- "$(dirname -- "$1")" &&
if [ -d "$1" ]; then mv -- "$1" "$3.old"; else mkdir -- "$3.none"; fi &&
mv -- "$3.new" "$1""#;

/// `$1` the live folder, `$2` this run's staging prefix: what [`SWAP`] did, undone, safe
/// however far it got. Prints `restored` (the old folder is back), `removed` (there was
/// none, and the new one is gone) or `untouched` (the live folder was never moved).
pub(super) const PUT_BACK: &str = r#"if [ -d "$2.old" ]; then
    rm -rf -- "$2.failed"
    if [ -e "$1" ]; then mv -- "$1" "$2.failed" || exit 1; fi
    mv -- "$2.old" "$1" && rm -rf -- "$2.failed" "$2.new" && echo restored
elif [ -d "$2.none" ]; then
    rm -rf -- "$2.failed"
    if [ -e "$1" ]; then mv -- "$1" "$2.failed" || exit 1; fi
    rm -rf -- "$2.failed" "$2.none" "$2.new" && echo removed
else
    rm -rf -- "$2.new" && echo untouched
fi"#;

/// `$1` the kept versions, `$2` the live version (empty: none). Written whole or not at all.
pub(super) const SET_CURRENT: &str = r#"if [ -z "$2" ]; then rm -f -- "$1/current"; exit; fi
printf '%s\n' "$2" > "$1/current.part" && mv -- "$1/current.part" "$1/current""#;

/// `$1` this run's staging prefix: the folder that served before (a kept version's copy)
/// and the markers go, once the swap is recorded. Renamed first, so a half-removed folder
/// is never taken for the one to put back.
pub(super) const TIDY: &str = r#"for d in "$1.old" "$1.none"; do
    if [ -e "$d" ]; then mv -- "$d" "$d.gone" && rm -rf -- "$d.gone"; fi
done"#;

#[cfg(test)]
mod tests {
    use std::fs;
    use std::path::Path;

    use super::*;

    #[test]
    fn every_script_passes_shellcheck() {
        crate::ops::publish::shellcheck(&[
            ("by_hand", BY_HAND),
            ("remove", REMOVE),
            ("same", SAME),
            ("swap", SWAP),
            ("put_back", PUT_BACK),
            ("set_current", SET_CURRENT),
            ("tidy", TIDY),
        ]);
    }

    /// Runs `script` here with `sh`, as the server would; its stdout.
    fn sh(script: &str, args: &[&str]) -> String {
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(script)
            .arg("sh")
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    }

    /// A stack's persona folders in a temp dir: the live folder, version 1 kept, and the
    /// staging prefixes of a run and of every run.
    struct Stack {
        _dir: tempfile::TempDir,
        live: String,
        kept: String,
        staged: String,
        leftovers: String,
    }

    fn stack(live_file: Option<&str>) -> Stack {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_str().unwrap().to_string();
        let live = format!("{root}/shared/data/personas/aria");
        let kept = format!("{root}/shared/published/personas/aria");
        fs::create_dir_all(format!("{kept}/v1")).unwrap();
        fs::write(format!("{kept}/v1/aria.png"), "new").unwrap();
        fs::create_dir_all(format!("{root}/shared/data/personas")).unwrap();
        if let Some(text) = live_file {
            fs::create_dir_all(&live).unwrap();
            fs::write(format!("{live}/aria.png"), text).unwrap();
        }
        let leftovers = format!("{root}/shared/data/.publish-aria+");
        Stack {
            staged: format!("{leftovers}run1"),
            _dir: dir,
            live,
            kept,
            leftovers,
        }
    }

    fn read(path: &str) -> Option<String> {
        fs::read_to_string(path).ok()
    }

    fn staging_left(s: &Stack) -> Vec<String> {
        let parent = Path::new(&s.leftovers).parent().unwrap();
        fs::read_dir(parent)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with(".publish-"))
            .collect()
    }

    #[test]
    fn a_swap_put_back_leaves_the_folder_that_served() {
        let s = stack(Some("old"));
        let v1 = format!("{}/v1", s.kept);
        assert_eq!(sh(SAME, &[&s.live, &v1]), "different");
        sh(SWAP, &[&s.live, &v1, &s.staged, &s.leftovers]);
        assert_eq!(
            read(&format!("{}/aria.png", s.live)).as_deref(),
            Some("new")
        );
        assert_eq!(sh(SAME, &[&s.live, &v1]), "same");
        assert_eq!(sh(PUT_BACK, &[&s.live, &s.staged]), "restored");
        assert_eq!(
            read(&format!("{}/aria.png", s.live)).as_deref(),
            Some("old")
        );
        assert!(staging_left(&s).is_empty(), "{:?}", staging_left(&s));
        // Put back twice, nothing more happens.
        assert_eq!(sh(PUT_BACK, &[&s.live, &s.staged]), "untouched");
        assert_eq!(
            read(&format!("{}/aria.png", s.live)).as_deref(),
            Some("old")
        );
    }

    #[test]
    fn a_swap_where_no_folder_was_is_put_back_as_none() {
        let s = stack(None);
        let v1 = format!("{}/v1", s.kept);
        assert_eq!(sh(SAME, &[&s.live, &v1]), "different");
        sh(SWAP, &[&s.live, &v1, &s.staged, &s.leftovers]);
        assert!(Path::new(&s.live).is_dir());
        assert_eq!(sh(PUT_BACK, &[&s.live, &s.staged]), "removed");
        assert!(!Path::new(&s.live).exists());
        assert!(staging_left(&s).is_empty());
    }

    #[test]
    fn a_recorded_swap_is_tidied_and_an_earlier_run_s_leftovers_never_taken_for_this_one_s() {
        let s = stack(Some("old"));
        let v1 = format!("{}/v1", s.kept);
        // An earlier run stopped after moving the live folder aside.
        let earlier = format!("{}run0.old", s.leftovers);
        fs::create_dir_all(&earlier).unwrap();
        fs::write(format!("{earlier}/aria.png"), "older").unwrap();
        assert_eq!(sh(PUT_BACK, &[&s.live, &s.staged]), "untouched");
        assert_eq!(
            read(&format!("{}/aria.png", s.live)).as_deref(),
            Some("old")
        );
        sh(SWAP, &[&s.live, &v1, &s.staged, &s.leftovers]);
        assert!(!Path::new(&earlier).exists(), "the next swap removes it");
        sh(TIDY, &[&s.staged]);
        assert!(staging_left(&s).is_empty(), "{:?}", staging_left(&s));
        assert_eq!(
            read(&format!("{}/aria.png", s.live)).as_deref(),
            Some("new")
        );
    }

    #[test]
    fn a_folder_put_there_by_hand_is_kept_once_as_version_0() {
        let s = stack(Some("by hand"));
        assert_eq!(sh(BY_HAND, &[&s.live, &s.kept]), "kept");
        assert_eq!(
            read(&format!("{}/v0/aria.png", s.kept)).as_deref(),
            Some("by hand")
        );
        assert_eq!(read(&format!("{}/current", s.kept)).as_deref(), Some("0\n"));
        assert_eq!(sh(BY_HAND, &[&s.live, &s.kept]), "");
    }

    #[test]
    fn current_is_written_whole_or_removed() {
        let s = stack(None);
        sh(SET_CURRENT, &[&s.kept, "3"]);
        assert_eq!(read(&format!("{}/current", s.kept)).as_deref(), Some("3\n"));
        sh(SET_CURRENT, &[&s.kept, ""]);
        assert!(read(&format!("{}/current", s.kept)).is_none());
    }

    #[test]
    fn an_unserved_version_is_removed_only_when_this_run_made_it() {
        let s = stack(None);
        let v1 = format!("{}/v1", s.kept);
        assert_eq!(sh(REMOVE, &[&v1, "no"]), "none");
        assert!(Path::new(&v1).is_dir());
        fs::create_dir_all(format!("{v1}.part")).unwrap();
        assert_eq!(sh(REMOVE, &[&v1, "no"]), "removed");
        assert_eq!(sh(REMOVE, &[&v1, "yes"]), "removed");
        assert!(!Path::new(&v1).exists());
    }
}
