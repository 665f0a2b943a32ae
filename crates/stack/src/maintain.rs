//! Housekeeping: `bin/deskmate-maintain` (the database vacuumed and reindexed, older
//! releases' images, the build cache and old records removed, each with the space before and
//! after) and the weekly timer that runs it on the server's own schedule.

use crate::File;

pub const MAINTAIN_SCRIPT: &str = "bin/deskmate-maintain";
/// One line per run: `time<TAB>0|1` (1 when a step failed).
pub const MAINTAIN_LOG: &str = "logs/maintain.tsv";

pub fn script() -> File {
    File {
        path: MAINTAIN_SCRIPT.to_string(),
        contents: include_str!("../scripts/deskmate-maintain.sh").to_string(),
        mode: 0o644,
        secret: false,
    }
}

/// The script and the library it sources ([`crate::script_lib`]), as the server needs them.
pub fn scripts() -> Vec<File> {
    vec![crate::script_lib(), script()]
}

/// `<project>-maintain.service` and `.timer`: Mondays at 04:45 (after the night's backup),
/// catching up after the server was off, as `user`. The script runs with `--timer`: it takes
/// the server's deploy lock (or skips while another change holds it) and audits its steps,
/// as the app's maintenance does through its runner.
pub fn timer_units(dir: &str, project: &str, user: &str) -> Vec<File> {
    let unit = |name: &str, contents: String| File {
        path: format!("/etc/systemd/system/{project}-{name}"),
        contents,
        mode: 0o644,
        secret: false,
    };
    vec![
        unit(
            "maintain.service",
            format!(
                "# Written by DeskMate Studio: weekly housekeeping of {dir}.\n[Unit]\nDescription=DeskMate maintenance ({project})\nAfter=docker.service\n\n[Service]\nType=oneshot\nUser={user}\nExecStart=/bin/bash {dir}/{MAINTAIN_SCRIPT} {dir} --timer\nNice=10\nIOSchedulingClass=idle\n"
            ),
        ),
        unit(
            "maintain.timer",
            format!(
                "# Written by DeskMate Studio.\n[Unit]\nDescription=Weekly DeskMate maintenance ({project})\n\n[Timer]\nOnCalendar=Mon *-*-* 04:45:00\nRandomizedDelaySec=15min\nPersistent=true\n\n[Install]\nWantedBy=timers.target\n"
            ),
        ),
    ]
}

pub fn timer_name(project: &str) -> String {
    format!("{project}-maintain.timer")
}
