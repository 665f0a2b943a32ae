//! `deskmate card …`

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand, ValueEnum};
use deskmate_api::{AvatarSize, CardReport, CardWriteOptions, Spec, ValidationReport, WriteReport};

use crate::output::{self, INVALID, OK, ok};

#[derive(Subcommand)]
pub enum CardCommand {
    /// Show a card's format, spec, name, layout and any problems
    Inspect { file: PathBuf },
    /// Convert a card; the output format follows OUT's extension (.png, .json, .charx)
    Convert {
        input: PathBuf,
        output: PathBuf,
        #[command(flatten)]
        write: WriteArgs,
    },
    /// Check a card against its spec; exit 0 when valid (warnings allowed), 1 when not
    Validate { file: PathBuf },
    /// Write a repaired copy: fills defaults, fixes loose types and checksums, lists each change
    Repair {
        input: PathBuf,
        output: PathBuf,
        #[command(flatten)]
        write: WriteArgs,
    },
}

#[derive(Args)]
pub struct WriteArgs {
    /// V3 (default) or V2; a V2 .png holds only a `chara` chunk; .charx is always V3
    #[arg(long, value_enum)]
    spec: Option<SpecArg>,
    /// A picture (PNG, JPEG, WebP, GIF) for the card; cropped to 2:3 and resized
    #[arg(long, value_name = "PICTURE")]
    image: Option<PathBuf>,
    /// Size of the picture made from --image
    #[arg(long, value_name = "WxH", value_parser = parse_size, default_value = "400x600")]
    size: AvatarSize,
}

#[derive(Clone, Copy, ValueEnum)]
enum SpecArg {
    V2,
    V3,
}

fn parse_size(text: &str) -> Result<AvatarSize, String> {
    let (w, h) = text
        .split_once(['x', 'X'])
        .ok_or("expected WIDTHxHEIGHT, e.g. 400x600")?;
    let parse = |s: &str| {
        s.trim()
            .parse::<u32>()
            .ok()
            .filter(|&n| (1..=8192).contains(&n))
    };
    match (parse(w), parse(h)) {
        (Some(width), Some(height)) => Ok(AvatarSize { width, height }),
        _ => Err("width and height must be whole numbers from 1 to 8192".into()),
    }
}

impl WriteArgs {
    fn options(&self) -> CardWriteOptions {
        CardWriteOptions {
            spec: self.spec.map(|s| match s {
                SpecArg::V2 => Spec::V2,
                SpecArg::V3 => Spec::V3,
            }),
            image: self.image.clone(),
            picture_size: Some(self.size),
            ..CardWriteOptions::default()
        }
    }
}

pub fn run(command: CardCommand, json: bool) -> ExitCode {
    match command {
        CardCommand::Inspect { file } => {
            output::finish(deskmate_api::inspect_card(&file), json, ok, print_inspect)
        }
        CardCommand::Validate { file } => output::finish(
            crate::plugin::open().and_then(|plugins| deskmate_api::validate_card(&file, &plugins)),
            json,
            |r| if r.valid { OK } else { INVALID },
            print_validation,
        ),
        CardCommand::Convert {
            input,
            output,
            write,
        } => output::finish(
            deskmate_api::convert_card(&input, &output, &write.options()),
            json,
            ok,
            |r| print_written(r, "wrote"),
        ),
        CardCommand::Repair {
            input,
            output,
            write,
        } => output::finish(
            deskmate_api::repair_card(&input, &output, &write.options()),
            json,
            ok,
            |r| print_written(r, "repaired into"),
        ),
    }
}

pub fn print_inspect(r: &CardReport) {
    print_header(&r.summary);
    if let Some(chunks) = &r.chunks {
        println!("chunks:");
        for c in chunks {
            let keyword = c
                .keyword
                .as_deref()
                .map(|k| format!(" \"{k}\""))
                .unwrap_or_default();
            let crc = if c.crc_ok { "" } else { "  BAD CHECKSUM" };
            let card = if c.card {
                "  <- card read from here"
            } else {
                ""
            };
            println!(
                "  #{:<3} {} {:>10} bytes at {:<10}{keyword}{crc}{card}",
                c.index, c.kind, c.length, c.offset
            );
        }
    }
    if let Some(entries) = &r.entries {
        println!("archive entries besides card.json:");
        for e in entries {
            println!("  {:>10} bytes  {}", e.size, e.name);
        }
    }
    print_verdict(&r.summary);
}

pub fn print_validation(r: &ValidationReport) {
    print_header(r);
    print_verdict(r);
}

fn print_header(r: &ValidationReport) {
    let name = r.name.as_deref().unwrap_or("(no name)");
    println!(
        "{name} — {} card, spec {}",
        r.format.to_uppercase(),
        r.spec.to_uppercase()
    );
}

fn print_verdict(r: &ValidationReport) {
    println!(
        "valid: {} ({})",
        if r.valid { "yes" } else { "no" },
        output::summary(&r.diagnostics)
    );
    output::print_diagnostics(&r.diagnostics);
}

pub fn print_written(r: &WriteReport, verb: &str) {
    println!(
        "{verb} {} ({} card, spec {})",
        r.output.display(),
        r.format.to_uppercase(),
        r.spec.to_uppercase()
    );
    for change in &r.changes {
        println!("  changed: {}", change.message);
    }
    output::print_diagnostics(&r.diagnostics);
}
