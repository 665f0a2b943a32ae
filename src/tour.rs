//! `deskmate tour`: a guided walk through the card and room engines on the shipped samples. It
//! runs the same API calls as the real commands, on copies in a fresh temporary folder, so
//! everything it shows is real output.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use deskmate_api::{ApiError, CardWriteOptions, samples::SAMPLE_CARDS};

use crate::card::{print_inspect, print_validation, print_written};
use crate::output::{self, OK, USAGE_OR_IO};

pub fn run() -> ExitCode {
    // A fresh folder with a random name, made by us (0700): a predictable name in the shared
    // temp folder could be made in advance by another user, or be a link to somewhere else.
    // It is kept afterwards, so the owner can open what the tour made.
    let private = std::os::unix::fs::PermissionsExt::from_mode(0o700);
    let dir = match tempfile::Builder::new()
        .prefix("deskmate-tour-")
        .permissions(private)
        .tempdir()
    {
        Ok(dir) => dir.keep(),
        Err(e) => {
            let err = ApiError::new(
                "io.write_failed",
                e.to_string(),
                "check the temporary folder",
            );
            output::error(&err, false);
            return ExitCode::from(USAGE_OR_IO);
        }
    };
    match tour(&dir) {
        Ok(()) => {
            println!("\nThe files from this tour are in {}.", dir.display());
            ExitCode::from(OK)
        }
        Err(e) => {
            output::error(&e, false);
            ExitCode::from(USAGE_OR_IO)
        }
    }
}

fn step(n: u8, text: &str, command: &str) {
    println!("\n── {n}. {text}\n   $ deskmate {command}\n");
}

fn tour(dir: &Path) -> Result<(), ApiError> {
    for (name, bytes) in SAMPLE_CARDS {
        std::fs::write(dir.join(name), bytes).map_err(|e| {
            ApiError::new(
                "io.write_failed",
                e.to_string(),
                "check the temporary folder",
            )
        })?;
    }
    let path = |name: &str| -> PathBuf { dir.join(name) };
    println!("DeskMate Studio — guided tour");
    println!(
        "The desktop app, DeskMate Studio, does all of this by pointing and clicking; this tour runs the same engines through the CLI."
    );

    step(
        1,
        "Look inside a PNG card: every chunk, and which one holds the character",
        "card inspect nyx-holloway.png",
    );
    print_inspect(&deskmate_api::inspect_card(&path("nyx-holloway.png"))?);

    step(
        2,
        "Check a card exported by SillyTavern (V2, with its hybrid root copy)",
        "card validate bram-copperkettle.json",
    );
    // The tour shows the built-in checks only, whatever plugins this machine has.
    print_validation(&deskmate_api::validate_card(
        &path("bram-copperkettle.json"),
        &deskmate_api::Plugins::none()?,
    )?);

    step(
        3,
        "Repair it: loose types fixed, every change listed, nothing else touched",
        "card repair bram-copperkettle.json bram-repaired.json",
    );
    print_written(
        &deskmate_api::repair_card(
            &path("bram-copperkettle.json"),
            &path("bram-repaired.json"),
            &CardWriteOptions::default(),
        )?,
        "repaired into",
    );

    step(
        4,
        "Put a V3 card into a picture (the picture comes from another card here)",
        "card convert aster-vale.json aster-vale.png --image nyx-holloway.png",
    );
    let with_image = CardWriteOptions {
        image: Some(path("nyx-holloway.png")),
        ..CardWriteOptions::default()
    };
    print_written(
        &deskmate_api::convert_card(
            &path("aster-vale.json"),
            &path("aster-vale.png"),
            &with_image,
        )?,
        "wrote",
    );

    step(
        5,
        "Pack it as CHARX, the archive format RisuAI uses for cards with assets",
        "card convert aster-vale.png aster-vale.charx",
    );
    print_written(
        &deskmate_api::convert_card(
            &path("aster-vale.png"),
            &path("aster-vale.charx"),
            &CardWriteOptions::default(),
        )?,
        "wrote",
    );
    print_inspect(&deskmate_api::inspect_card(&path("aster-vale.charx"))?);

    step(
        6,
        "Start a room from the cozy template and check it",
        "room new --template cozy cabin.json",
    );
    crate::room::print_room(
        &deskmate_api::new_room("cozy", &path("cabin.json"))?,
        "wrote",
    );

    step(
        7,
        "Drag the rocking chair onto the tea table: refused, with the nearest free spot",
        r#"room edit cabin.json cabin-2.json --command '{"op":"move","id":"armchair_right","x":30,"y":5}'"#,
    );
    let onto_table: deskmate_api::RoomCommand =
        serde_json::from_str(r#"{"op":"move","id":"armchair_right","x":30,"y":5}"#)
            .expect("a valid command");
    match deskmate_api::edit_room(&path("cabin.json"), &[onto_table], &path("cabin-2.json")) {
        Ok(report) => crate::room::print_room(&report, "wrote"),
        Err(e) => println!("refused [{}]: {}\n  hint: {}", e.code, e.message, e.hint),
    }

    step(
        8,
        "Draw a preview and export it for the DeskMate server",
        "room render cabin.json cabin.png   (then: deskmate room export cabin.json --format grid-objects objects.json)",
    );
    let preview = deskmate_api::render_room(&path("cabin.json"), &path("cabin.png"), true)?;
    println!(
        "wrote {} ({}x{} pixels)",
        preview.output.display(),
        preview.width,
        preview.height
    );
    let export = deskmate_api::export_room(
        &path("cabin.json"),
        deskmate_api::ExportFormat::GridObjects,
        &path("objects.json"),
    )?;
    println!(
        "wrote {} ({} objects)",
        export.output.display(),
        export.objects
    );

    println!(
        "\nNext: `deskmate card --help` and `deskmate room --help` list every command; add --json to any of them for scripts."
    );
    Ok(())
}
