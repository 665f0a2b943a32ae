//! `deskmate persona …`: the persona library and expression sets.
//!
//! Exit codes: 0 ok; 1 some file could not be imported, or the input is invalid; 2 usage
//! or I/O error.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Subcommand, ValueEnum};
use deskmate_api::CardFileFormat as Format;
use deskmate_api::persona::{Continue, ExpressionReport, ImportReport, Outcome};
use deskmate_api::{
    DataDir, ExpressionLayout, PersonaQuery, PersonaSort, PersonaSummary, Personas,
};

use crate::output::{self, INVALID, OK, ok};

#[derive(Subcommand)]
pub enum PersonaCommand {
    /// Import cards: files, folders (SillyTavern's data folder too) and zips of cards
    Import {
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
    /// List the library (or the trash)
    List {
        #[arg(long)]
        tag: Option<String>,
        /// Text to find in names, creators and tags
        #[arg(long)]
        search: Option<String>,
        #[arg(long)]
        creator: Option<String>,
        #[arg(long, value_enum, default_value_t = SortBy::Name)]
        sort: SortBy,
        /// List deleted personas instead
        #[arg(long)]
        trash: bool,
    },
    /// Show one persona: its card, tags, rating, notes and expressions
    Show { id: i64 },
    /// Export personas: one to .png, .json or .charx; several to a .zip
    Export {
        #[arg(required = true, num_args = 2.., value_name = "ID... OUT")]
        ids_and_out: Vec<String>,
        /// The card format inside a .zip (each persona's own format by default)
        #[arg(long, value_enum)]
        format: Option<CardFormat>,
    },
    /// Move personas to the trash (undo with `restore`)
    Delete {
        #[arg(required = true)]
        ids: Vec<i64>,
    },
    /// Bring personas back from the trash
    Restore {
        #[arg(required = true)]
        ids: Vec<i64>,
    },
    /// Delete everything in the trash for good
    EmptyTrash {},
    /// Add or remove tags
    Tag {
        #[arg(required = true)]
        ids: Vec<i64>,
        #[arg(long, value_name = "TAG")]
        add: Vec<String>,
        #[arg(long, value_name = "TAG")]
        remove: Vec<String>,
    },
    /// Rate personas, 1 to 5 stars
    Rate {
        #[arg(required = true)]
        ids: Vec<i64>,
        #[arg(long, value_parser = clap::value_parser!(u8).range(1..=5), required_unless_present = "clear")]
        stars: Option<u8>,
        #[arg(long)]
        clear: bool,
    },
    /// Set the owner's notes on a persona
    Note { id: i64, text: String },
    /// Put personas on a server: each card with its expression files in DeskMate's naming, in
    /// its own folder, as a new kept version, checked through the backend
    Publish {
        #[arg(required = true)]
        ids: Vec<i64>,
        #[command(flatten)]
        target: crate::publish::Target,
    },
    /// Put an older published version of a persona's folder back
    Rollback {
        /// The persona's folder on the server (as `publish` printed it)
        folder: String,
        /// The version to go back to (the one before the live one by default)
        #[arg(long)]
        to: Option<u32>,
        #[command(flatten)]
        target: crate::publish::Target,
    },
    /// The personas published to a server, and their rollbacks
    Published {
        #[command(flatten)]
        target: crate::publish::Target,
    },
    /// Expression sprites: import, validate coverage, export for SillyTavern or DeskMate
    #[command(subcommand)]
    Expressions(ExpressionsCommand),
}

#[derive(Subcommand)]
pub enum ExpressionsCommand {
    /// Add sprites from a folder or zip (SillyTavern or DeskMate naming)
    Import {
        id: i64,
        from: PathBuf,
        /// Drop the persona's current sprites first
        #[arg(long)]
        replace: bool,
    },
    /// Validate the sprites and show which labels are covered ("check" is the server's word)
    #[command(alias = "check")]
    Validate { id: i64 },
    /// Write the sprites: a SillyTavern zip, a DeskMate persona folder, or a CHARX
    Export {
        id: i64,
        out: PathBuf,
        #[arg(long, value_enum)]
        layout: LayoutArg,
    },
}

#[derive(Clone, Copy, ValueEnum)]
pub enum SortBy {
    Name,
    Newest,
    Modified,
    Rating,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum CardFormat {
    Png,
    Json,
    Charx,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum LayoutArg {
    Sillytavern,
    Deskmate,
    Charx,
}

pub fn run(command: PersonaCommand, json: bool) -> ExitCode {
    match DataDir::from_env().and_then(|data| Personas::open(&data)) {
        Ok(personas) => run_with(personas, command, json),
        Err(e) => output::error(&e, json),
    }
}

fn run_with(personas: Personas, command: PersonaCommand, json: bool) -> ExitCode {
    use PersonaCommand::*;
    match command {
        Publish { ids, target } => crate::publish::personas(&personas, ids, target, json),
        Rollback { folder, to, target } => {
            crate::publish::persona_rollback(folder, to, target, json)
        }
        Published { target } => crate::publish::published("persona", target, json),
        Import { paths } => {
            let show_progress = !json && std::io::stderr().is_terminal();
            let result = personas.import(&paths, &mut |p| {
                if show_progress {
                    eprint!("\rimporting {}/{}", p.done, p.total);
                }
                Continue::Go
            });
            if show_progress {
                eprintln!();
            }
            output::finish(
                result,
                json,
                |r| if r.failed > 0 { INVALID } else { OK },
                print_import,
            )
        }
        List {
            tag,
            search,
            creator,
            sort,
            trash,
        } => {
            let query = PersonaQuery {
                search,
                tag,
                creator,
                sort: match sort {
                    SortBy::Name => PersonaSort::Name,
                    SortBy::Newest => PersonaSort::Newest,
                    SortBy::Modified => PersonaSort::Modified,
                    SortBy::Rating => PersonaSort::Rating,
                },
                trash,
            };
            output::finish(personas.list(&query), json, ok, |list| print_list(list))
        }
        Show { id } => output::finish(personas.show(id), json, ok, |p| {
            let s = &p.persona.summary;
            println!(
                "{} (id {}) — {} card from {}",
                s.name, s.id, s.spec, s.source_file
            );
            if !s.creator.is_empty() {
                println!("creator: {}", s.creator);
            }
            println!("tags: {}", s.tags.join(", "));
            if let Some(stars) = s.rating {
                println!("rating: {}", "★".repeat(stars as usize));
            }
            if !p.persona.notes.is_empty() {
                println!("notes: {}", p.persona.notes);
            }
            println!("expressions: {} sprites", p.sprites.len());
            for coverage in &p.coverage {
                println!(
                    "  {}: {} of {} own, {} by fallback, {} missing",
                    coverage.label_set,
                    coverage.present.len(),
                    coverage.total,
                    coverage.fallbacks.len(),
                    coverage.missing.len()
                );
            }
        }),
        Export {
            mut ids_and_out,
            format,
        } => {
            let out = PathBuf::from(ids_and_out.pop().expect("clap requires two values"));
            let ids: Result<Vec<i64>, _> = ids_and_out.iter().map(|i| i.parse()).collect();
            let Ok(ids) = ids else {
                return output::error(
                    &deskmate_api::ApiError::new(
                        "usage.bad_id",
                        "persona ids are numbers",
                        "see them with `deskmate persona list`",
                    ),
                    json,
                );
            };
            let format = format.map(|f| match f {
                CardFormat::Png => Format::Png,
                CardFormat::Json => Format::Json,
                CardFormat::Charx => Format::Charx,
            });
            output::finish(
                personas.export(&ids, &out, format, &mut |_| Continue::Go),
                json,
                ok,
                |r| {
                    for file in &r.files {
                        println!("wrote {file}");
                    }
                },
            )
        }
        Delete { ids } => {
            let n = ids.len();
            output::finish(personas.delete(&ids).map(|()| ids), json, ok, |_| {
                println!(
                    "moved {n} to the trash; `deskmate persona restore ID...` brings them back"
                );
            })
        }
        Restore { ids } => output::finish(personas.restore(&ids).map(|()| ids), json, ok, |ids| {
            println!("restored {}", ids.len());
        }),
        EmptyTrash {} => output::finish(personas.empty_trash(), json, ok, |n| {
            println!("deleted {n} for good");
        }),
        Tag { ids, add, remove } => output::finish(
            personas.tag(&ids, &add, &remove).map(|()| ids),
            json,
            ok,
            |ids| {
                println!("tagged {}", ids.len());
            },
        ),
        Rate { ids, stars, clear } => {
            let stars = if clear { None } else { stars };
            output::finish(personas.rate(&ids, stars).map(|()| ids), json, ok, |ids| {
                println!("rated {}", ids.len());
            })
        }
        Note { id, text } => {
            output::finish(personas.note(id, &text).map(|()| id), json, ok, |_| {
                println!("saved the note");
            })
        }
        Expressions(command) => expressions(&personas, command, json),
    }
}

fn expressions(personas: &Personas, command: ExpressionsCommand, json: bool) -> ExitCode {
    use ExpressionsCommand::*;
    match command {
        Import { id, from, replace } => output::finish(
            personas.import_expressions(id, &from, replace),
            json,
            ok,
            print_expressions,
        ),
        Validate { id } => output::finish(
            personas.validate_expressions(id),
            json,
            ok,
            print_expressions,
        ),
        Export { id, out, layout } => {
            let layout = match layout {
                LayoutArg::Sillytavern => ExpressionLayout::SillyTavern,
                LayoutArg::Deskmate => ExpressionLayout::DeskMate,
                LayoutArg::Charx => ExpressionLayout::Charx,
            };
            output::finish(
                personas.export_expressions(id, &out, layout),
                json,
                ok,
                |r| {
                    print_expressions(r);
                    for choice in r.deskmate.iter().filter(|c| c.fallback || c.converted) {
                        println!(
                            "  {} shows {}{}",
                            choice.file_name,
                            choice.from,
                            if choice.converted {
                                " (converted to PNG)"
                            } else {
                                ""
                            }
                        );
                    }
                    for file in &r.written {
                        println!("wrote {file}");
                    }
                },
            )
        }
    }
}

fn print_import(report: &ImportReport) {
    for file in &report.files {
        match file.outcome {
            Outcome::Imported => println!(
                "imported  {} as {} (id {}){}",
                file.file,
                file.name.as_deref().unwrap_or(""),
                file.id.unwrap_or(0),
                if file.sprites > 0 {
                    format!(", {} sprites", file.sprites)
                } else {
                    String::new()
                }
            ),
            outcome => println!(
                "{:<9} {}: {}",
                outcome.as_str(),
                file.file,
                file.reason.as_deref().unwrap_or("")
            ),
        }
        for problem in &file.sprite_problems {
            println!(
                "          sprite {} left out: {}",
                problem.file_name, problem.reason
            );
        }
    }
    println!(
        "{} imported, {} skipped, {} failed",
        report.imported, report.skipped, report.failed
    );
}

fn print_list(list: &[PersonaSummary]) {
    if list.is_empty() {
        println!("no personas; add some with `deskmate persona import PATH`");
        return;
    }
    for p in list {
        let stars = p.rating.map(|s| "★".repeat(s as usize)).unwrap_or_default();
        println!(
            "{:>5}  {:<30} {:<16} {:<5} {}",
            p.id,
            p.name,
            p.creator,
            stars,
            p.tags.join(", ")
        );
    }
}

fn print_expressions(report: &ExpressionReport) {
    println!("{} sprites", report.sprites.len());
    for skipped in &report.skipped {
        println!("  left out {}: {}", skipped.file_name, skipped.reason);
    }
    output::print_diagnostics(&report.diagnostics);
    for coverage in &report.coverage {
        println!(
            "{}: {} of {} own{}{}",
            coverage.label_set,
            coverage.present.len(),
            coverage.total,
            if coverage.missing.is_empty() {
                String::new()
            } else {
                format!("; missing {}", coverage.missing.join(", "))
            },
            if coverage.fallbacks.is_empty() {
                String::new()
            } else {
                format!(
                    "; fallbacks {}",
                    coverage
                        .fallbacks
                        .iter()
                        .map(|f| format!("{}←{}", f.label, f.from))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            }
        );
    }
}
