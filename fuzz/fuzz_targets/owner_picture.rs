//! Any bytes as a picture an owner picked for an object: refused with a `picture.*` or
//! `svg.*` code, or taken; what is taken passes the room's own check and draws (resvg) in a
//! small room without a panic.
#![no_main]

use deskmate_rooms::picture::{check_picture, picture_from_file};
use deskmate_rooms::{Grid, RenderOptions, render, template};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match picture_from_file("own.png", data).or_else(|_| picture_from_file("own.svg", data)) {
        Ok(picture) => {
            let name = match picture {
                deskmate_rooms::Picture::Svg(_) => "own.svg",
                deskmate_rooms::Picture::Png(_) => "own.png",
            };
            check_picture(name, &picture).expect("a taken picture passes the room's check");
            let mut room = template("cozy").unwrap();
            room.grid = Grid { width: 4, height: 2 };
            room.objects.truncate(1);
            let object = &mut room.objects[0];
            (object.position_x, object.position_y, object.size_width, object.size_height) = (0, 0, 2, 1);
            object.sprite_name = Some(name.to_owned());
            room.pictures.insert(name.to_owned(), picture);
            let _ = render(&room, &RenderOptions { labels: true, max_pixels: 10_000 });
        }
        Err(e) => assert!(e.code().starts_with("picture.") || e.code().starts_with("svg.")),
    }
});
