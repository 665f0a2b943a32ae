//! Lists the catalogue's drawings (`templates/objects/*.svg`) so that `catalogue.rs` compiles
//! each one in with `include_str!`: adding a drawing is adding a file.

use std::path::Path;

fn main() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../templates/objects");
    println!("cargo::rerun-if-changed={}", dir.display());
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("templates/objects exists")
        .filter_map(|entry| {
            let name = entry.ok()?.file_name().into_string().ok()?;
            name.strip_suffix(".svg").map(str::to_owned)
        })
        .collect();
    names.sort();
    let mut table = String::from("&[\n");
    for name in &names {
        let path = dir.join(format!("{name}.svg"));
        table.push_str(&format!(
            "    ({name:?}, include_str!({:?})),\n",
            path.display().to_string()
        ));
    }
    table.push_str("]\n");
    let out = Path::new(&std::env::var("OUT_DIR").unwrap()).join("drawings.rs");
    std::fs::write(out, table).expect("OUT_DIR is writable");
}
