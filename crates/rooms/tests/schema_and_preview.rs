//! The committed JSON Schema matches the types, and previews draw what the room says.

mod common;

use deskmate_rooms::{Grid, RenderOptions, render, render_png, schema, template};

const SCHEMA_PATH: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../templates/rooms/room.schema.json"
);

#[test]
fn committed_schema_is_generated_from_the_types() {
    let generated = serde_json::to_string_pretty(&schema()).unwrap() + "\n";
    if std::env::var_os("DESKMATE_BLESS").is_some() {
        std::fs::write(SCHEMA_PATH, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(SCHEMA_PATH).unwrap_or_default();
    assert!(
        committed == generated,
        "templates/rooms/room.schema.json is stale; run `DESKMATE_BLESS=1 cargo test -p deskmate-rooms --test schema_and_preview`"
    );
}

#[test]
fn schema_knows_the_kinds_and_the_server_fields() {
    let text = serde_json::to_string(&schema()).unwrap();
    for needle in [
        "position_x",
        "is_solid",
        "sprite_name",
        "allowed_states",
        "behavior",
        "\"storage\"",
        "\"lighting\"",
    ] {
        assert!(text.contains(needle), "{needle}");
    }
}

fn pixel(image: &image::RgbImage, x: u32, y: u32) -> [u8; 3] {
    image.get_pixel(x, y).0
}

fn hex(color: &str) -> [u8; 3] {
    let c = |i| u8::from_str_radix(&color[i..i + 2], 16).unwrap();
    [c(1), c(3), c(5)]
}

#[test]
fn a_preview_paints_floor_and_objects_in_palette_colours() {
    let room = template("modern").unwrap();
    let plain = render(
        &room,
        &RenderOptions {
            labels: false,
            ..RenderOptions::default()
        },
    );
    assert_eq!(plain.dimensions(), (1280, 480));
    // The middle of the floor, away from grid lines, is the floor colour.
    assert_eq!(
        pixel(&plain, 45 * 20 + 10, 7 * 30 + 15),
        hex(&room.theme.palette.floor)
    );
    // The dining table (wood) at cells 24..30 x 6..9, inside its border.
    assert_eq!(
        pixel(&plain, 26 * 20 + 5, 7 * 30 + 10),
        hex(&room.theme.palette.wood)
    );
    // Labels add ink.
    let labelled = render(&room, &RenderOptions::default());
    assert_ne!(plain, labelled);
}

#[test]
fn a_new_theme_recolours_the_same_layout() {
    let mut room = template("modern").unwrap();
    room.theme = template("futuristic").unwrap().theme;
    let picture = render(
        &room,
        &RenderOptions {
            labels: false,
            ..RenderOptions::default()
        },
    );
    assert_eq!(
        pixel(&picture, 26 * 20 + 5, 7 * 30 + 10),
        hex(&room.theme.palette.wood)
    );
}

#[test]
fn huge_grids_shrink_cells_to_stay_within_the_pixel_budget() {
    let mut room = common::empty_room();
    room.grid = Grid {
        width: 512,
        height: 512,
    };
    let options = RenderOptions {
        labels: true,
        max_pixels: 1_000_000,
    };
    let preview = render_png(&room, &options).unwrap();
    assert!(u64::from(preview.width) * u64::from(preview.height) <= 1_000_000);
    assert!(preview.png.starts_with(b"\x89PNG"));
}

#[test]
fn thousands_of_grid_sized_objects_still_render() {
    // Filled, these would be 1.2 billion pixel writes; past the fill budget they are drawn
    // as outlines, and only the top one is labelled.
    let mut room = common::empty_room();
    for i in 0..2_000 {
        room.objects
            .push(common::object(&format!("slab_{i}"), 0, 0, 64, 16));
    }
    let picture = render(&room, &RenderOptions::default());
    assert_eq!(picture.dimensions(), (1280, 480));
}
