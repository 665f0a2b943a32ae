//! The server test bed: a real Docker engine, and the images the server tests run, built here
//! from Debian packages (no registry is reachable).
//!
//! - [`Engine::ensure`] uses the daemon that answers `docker info`, or starts one with the
//!   two flags this sandbox needs, its data in the cache folder, and stops it again when
//!   dropped, but only if it started it.
//! - [`server_images`] builds two root file systems with `mmdebstrap` (the app images' shared
//!   one, and PostgreSQL's), imports them, builds the five images on top with
//!   `docker build`, and writes the release files. Every image is tagged with a hash of its
//!   recipe (package list, Dockerfile, files, build arguments), so a second run builds
//!   nothing.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::{Result, root, say, sh};

const IMAGES: &str = "testbed/images";

/// The options every root file system is made with: small (no docs, man pages, locales or
/// apt lists), Debian 12.
const MMDEBSTRAP: &[&str] = &[
    "--variant=apt",
    "--dpkgopt=path-exclude=/usr/share/man/*",
    "--dpkgopt=path-exclude=/usr/share/doc/*",
    "--dpkgopt=path-exclude=/usr/share/locale/*",
    "--dpkgopt=path-exclude=/usr/share/info/*",
    "--customize-hook=rm -rf \"$1\"/var/lib/apt/lists/* \"$1\"/var/cache/apt/* \"$1\"/var/cache/debconf/*-old",
    // PostgreSQL's package makes a cluster of its own; the image makes one at first start.
    // Its JIT (LLVM, 100 MB) is dropped: PostgreSQL turns JIT off when the library is absent.
    "--customize-hook=rm -rf \"$1\"/var/lib/postgresql/15 \"$1\"/etc/postgresql/15 \"$1\"/usr/lib/postgresql/15/lib/llvmjit* \"$1\"/usr/lib/postgresql/15/lib/bitcode \"$1\"/usr/lib/x86_64-linux-gnu/libLLVM-*",
    "bookworm",
];

/// The daemon the tests talk to.
pub struct Engine {
    /// Set when this run started the daemon, so only then is it stopped.
    started: Option<Child>,
}

impl Engine {
    pub fn ensure() -> Result<Engine> {
        if answers() {
            say("Docker engine: using the one that answers");
            return Ok(Engine { started: None });
        }
        let dir = cache_dir().join("docker");
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let log = std::fs::File::create(dir.join("dockerd.log"))
            .map_err(|e| format!("{}: {e}", dir.display()))?;
        say(&format!(
            "Docker engine: starting dockerd (data in {})",
            dir.display()
        ));
        // This sandbox refuses systemd cgroups and the default open-files limit.
        let child = Command::new("dockerd")
            .arg("--exec-opt=native.cgroupdriver=cgroupfs")
            .arg("--default-ulimit=nofile=20000:20000")
            .arg(format!("--data-root={}", dir.join("data").display()))
            .arg(format!("--pidfile={}", dir.join("dockerd.pid").display()))
            .stdout(log.try_clone().map_err(|e| e.to_string())?)
            .stderr(log)
            .spawn()
            .map_err(|e| format!("could not start dockerd: {e}"))?;
        let engine = Engine {
            started: Some(child),
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        while !answers() {
            if Instant::now() > deadline {
                return Err(format!(
                    "dockerd did not answer within 60 s; see {}",
                    dir.join("dockerd.log").display()
                ));
            }
            std::thread::sleep(Duration::from_millis(250));
        }
        Ok(engine)
    }
}

impl Drop for Engine {
    fn drop(&mut self) {
        if let Some(child) = &mut self.started {
            say("Docker engine: stopping the dockerd this run started");
            let _ = Command::new("kill")
                .args(["-TERM", &child.id().to_string()])
                .status();
            let _ = child.wait();
        }
    }
}

fn answers() -> bool {
    Command::new("docker")
        .args(["info", "--format", "{{.ServerVersion}}"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// `$DESKMATE_CACHE`, else `$XDG_CACHE_HOME/deskmate`, else `~/.cache/deskmate`.
pub fn cache_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("DESKMATE_CACHE") {
        return PathBuf::from(dir);
    }
    if let Some(dir) = std::env::var_os("XDG_CACHE_HOME") {
        return PathBuf::from(dir).join("deskmate");
    }
    let home = std::env::var_os("HOME").unwrap_or_else(|| "/root".into());
    PathBuf::from(home).join(".cache/deskmate")
}

/// One image of the test bed: its folder under testbed/images, the root file system it
/// builds on, its name and the build arguments that make this variant.
struct Image {
    folder: &'static str,
    rootfs: &'static str,
    name: &'static str,
    args: Vec<(&'static str, String)>,
}

/// What a release file says about one of its images.
struct Built {
    role: &'static str,
    tag: String,
    id: String,
}

/// The three releases: two good versions of the backend double and one that never turns
/// healthy. The stateful services and the proxies (Caddy and the optional nginx) are the same
/// images in all three.
const RELEASES: &[(&str, &str, bool)] = &[
    ("good-1", "1.0.0", false),
    ("good-2", "1.1.0", false),
    ("broken", "1.2.0-broken", true),
];

pub fn server_images(out: &Path) -> Result {
    let _engine = Engine::ensure()?;
    std::fs::create_dir_all(out).map_err(|e| format!("{}: {e}", out.display()))?;
    // Compose v2 beside the releases, for the test servers that have it (v1 is Debian's).
    let script = root().join("testbed/compose-v2.sh");
    let compose_dir = out.join("compose-v2");
    sh(
        "sh",
        &[&script.to_string_lossy(), &compose_dir.to_string_lossy()],
    )?;
    let base = rootfs("base")?;
    let postgres = rootfs("postgres")?;
    let rootfs_of = |name: &str| if name == "postgres" { &postgres } else { &base };
    let shared = [
        Image {
            folder: "postgres",
            rootfs: "postgres",
            name: "postgres",
            args: vec![],
        },
        Image {
            folder: "qdrant",
            rootfs: "base",
            name: "qdrant",
            args: vec![],
        },
        Image {
            folder: "proxy",
            rootfs: "base",
            name: "proxy",
            args: vec![],
        },
        Image {
            folder: "nginx",
            rootfs: "base",
            name: "proxy-nginx",
            args: vec![],
        },
    ];
    let mut stateful = Vec::new();
    for (image, role) in shared.iter().zip(["postgres", "qdrant", "proxy", "nginx"]) {
        let (tag, id) = build(image, rootfs_of(image.rootfs))?;
        stateful.push(Built { role, tag, id });
    }
    let stack_archive = save(out, "stack-images", &stateful)?;
    for (file, version, broken) in RELEASES {
        let mut app = Vec::new();
        for (folder, role) in [("backend", "backend"), ("frontend", "frontend")] {
            let image = Image {
                folder,
                rootfs: "base",
                name: folder,
                args: vec![
                    ("VERSION", version.to_string()),
                    ("BROKEN", if *broken { "1" } else { "0" }.to_string()),
                ],
            };
            let (tag, id) = build(&image, &base)?;
            app.push(Built { role, tag, id });
        }
        let app_archive = save(out, &format!("{file}-images"), &app)?;
        let release = release_json(
            version,
            &[(&stack_archive, &stateful), (&app_archive, &app)],
        );
        let path = out.join(format!("{file}.json"));
        std::fs::write(&path, release).map_err(|e| format!("{}: {e}", path.display()))?;
        say(&format!("wrote {}", path.display()));
    }
    Ok(())
}

/// The root file system `name` (from `<name>.packages`) as a local image, made with
/// mmdebstrap unless an image of the same recipe exists.
fn rootfs(name: &str) -> Result<String> {
    let list = root().join(IMAGES).join(format!("{name}.packages"));
    let text = std::fs::read_to_string(&list).map_err(|e| format!("{}: {e}", list.display()))?;
    let packages: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    let recipe = format!("{}\n{}", MMDEBSTRAP.join("\n"), packages.join("\n"));
    let tag = format!(
        "deskmate-testbed/rootfs-{name}:{}",
        hash(recipe.as_bytes())?
    );
    if image_id(&tag).is_some() {
        say(&format!("{tag}: cached"));
        return Ok(tag);
    }
    say(&format!(
        "{tag}: mmdebstrap {} (about a minute)",
        packages.join(" ")
    ));
    let work = cache_dir().join("rootfs");
    std::fs::create_dir_all(&work).map_err(|e| format!("{}: {e}", work.display()))?;
    let tar = work.join(format!("{name}.tar"));
    let include = format!("--include={}", packages.join(","));
    let mut args: Vec<&str> = vec!["--quiet", &include];
    args.extend(MMDEBSTRAP);
    let tar_arg = tar.to_string_lossy().to_string();
    args.push(&tar_arg);
    sh("mmdebstrap", &args)?;
    let path_env = "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    sh("docker", &["import", "--change", path_env, &tar_arg, &tag])?;
    let _ = std::fs::remove_file(&tar);
    Ok(tag)
}

/// Builds `image` on `rootfs` unless an image of the same recipe exists; its tag and id.
fn build(image: &Image, rootfs: &str) -> Result<(String, String)> {
    let folder = root().join(IMAGES).join(image.folder);
    let mut recipe = format!("{rootfs}\n");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&folder)
        .map_err(|e| format!("{}: {e}", folder.display()))?
        .flatten()
        .map(|e| e.path())
        .collect();
    files.sort();
    for file in &files {
        let bytes = std::fs::read(file).map_err(|e| format!("{}: {e}", file.display()))?;
        // By file name, not path: the same recipe in another clone is the same image.
        let name = file.file_name().map(|n| n.to_string_lossy().into_owned());
        recipe.push_str(&format!(
            "{}\n{}\n",
            name.unwrap_or_default(),
            hash(&bytes)?
        ));
    }
    for (key, value) in &image.args {
        recipe.push_str(&format!("{key}={value}\n"));
    }
    let version = image
        .args
        .iter()
        .find(|(k, _)| *k == "VERSION")
        .map_or("1", |(_, v)| v.as_str());
    let tag = format!("deskmate-testbed/{}:{version}", image.name);
    let recipe_hash = hash(recipe.as_bytes())?;
    if let Some(id) = image_id(&tag).filter(|_| label(&tag) == recipe_hash) {
        say(&format!("{tag}: cached"));
        return Ok((tag, id));
    }
    say(&format!("{tag}: docker build"));
    let mut args = vec![
        "build".to_string(),
        "--quiet".into(),
        "--tag".into(),
        tag.clone(),
        "--label".into(),
        format!("deskmate.recipe={recipe_hash}"),
        "--build-arg".into(),
        format!("ROOTFS={rootfs}"),
    ];
    for (key, value) in &image.args {
        args.push("--build-arg".into());
        args.push(format!("{key}={value}"));
    }
    args.push(folder.to_string_lossy().into_owned());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    sh("docker", &args)?;
    let id = image_id(&tag).ok_or_else(|| format!("{tag} was built but is not there"))?;
    Ok((tag, id))
}

/// A `docker save` archive beside the release files.
struct Archive {
    file: String,
    sha256: String,
    size: u64,
}

/// `docker save` of `images` into `<name>.tar` in `out` (rewritten only when the images
/// changed).
fn save(out: &Path, name: &str, images: &[Built]) -> Result<Archive> {
    let file = format!("{name}.tar");
    let path = out.join(&file);
    let ids: Vec<&str> = images.iter().map(|b| b.id.as_str()).collect();
    let stamp = out.join(format!("{name}.ids"));
    let want = ids.join("\n");
    let fresh = path.exists() && std::fs::read_to_string(&stamp).is_ok_and(|s| s == want);
    if !fresh {
        say(&format!("docker save -> {}", path.display()));
        let mut args = vec!["save", "--output"];
        let path_arg = path.to_string_lossy().to_string();
        args.push(&path_arg);
        let tags: Vec<&str> = images.iter().map(|b| b.tag.as_str()).collect();
        args.extend(tags);
        sh("docker", &args)?;
        std::fs::write(&stamp, &want).map_err(|e| format!("{}: {e}", stamp.display()))?;
    }
    let sha256 = crate::sha256_of(&path)?;
    let size = std::fs::metadata(&path)
        .map_err(|e| format!("{}: {e}", path.display()))?
        .len();
    Ok(Archive { file, sha256, size })
}

/// The release file: its version, each image by tag and id, and the archives that hold
/// them. Written by hand because xtask has no JSON crate; every value is our own.
fn release_json(version: &str, archives: &[(&Archive, &Vec<Built>)]) -> String {
    let mut images = Vec::new();
    let mut files = Vec::new();
    for (archive, built) in archives {
        let roles: Vec<String> = built.iter().map(|b| format!("\"{}\"", b.role)).collect();
        files.push(format!(
            "    {{ \"file\": \"{}\", \"sha256\": \"{}\", \"size\": {}, \"images\": [{}] }}",
            archive.file,
            archive.sha256,
            archive.size,
            roles.join(", ")
        ));
        for b in built.iter() {
            // The test bed's frontend is Caddy's file server on Debian, which has no wget
            // for the stack's default frontend check; the release says how to probe it.
            let health = if b.role == "frontend" {
                ", \"health\": [\"CMD\", \"python3\", \"-c\", \"import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/', timeout=5)\"]"
            } else {
                ""
            };
            images.push(format!(
                "    \"{}\": {{ \"image\": \"{}\", \"id\": \"{}\"{health} }}",
                b.role, b.tag, b.id
            ));
        }
    }
    format!(
        "{{\n  \"version\": \"{version}\",\n  \"source\": \"the test bed (cargo xtask server-images)\",\n  \"images\": {{\n{}\n  }},\n  \"archives\": [\n{}\n  ]\n}}\n",
        images.join(",\n"),
        files.join(",\n")
    )
}

fn image_id(tag: &str) -> Option<String> {
    let out = Command::new("docker")
        .args(["image", "inspect", "--format", "{{.Id}}", tag])
        .output()
        .ok()?;
    let id = String::from_utf8_lossy(&out.stdout).trim().to_string();
    (out.status.success() && id.starts_with("sha256:")).then_some(id)
}

fn label(tag: &str) -> String {
    Command::new("docker")
        .args([
            "image",
            "inspect",
            "--format",
            "{{index .Config.Labels \"deskmate.recipe\"}}",
            tag,
        ])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default()
}

/// The first 16 hex digits of the SHA-256 of `bytes` (xtask stays std-only: coreutils).
fn hash(bytes: &[u8]) -> Result<String> {
    use std::io::Write;
    let mut child = Command::new("sha256sum")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("could not run sha256sum: {e}"))?;
    child
        .stdin
        .take()
        .expect("piped")
        .write_all(bytes)
        .map_err(|e| e.to_string())?;
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    let text = String::from_utf8_lossy(&out.stdout);
    Ok(text.chars().take(16).collect())
}
