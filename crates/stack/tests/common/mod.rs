//! A stack description for tests, and writing its files into a folder.

#![allow(dead_code)]

use std::path::Path;

use deskmate_stack::{Environment, File, ProxyKind, Secrets, Stack, Tls, release};

pub const ID: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

pub fn release_json(version: &str) -> String {
    let image = |name: &str| {
        format!("{{ \"image\": \"deskmate-testbed/{name}:{version}\", \"id\": \"{ID}\" }}")
    };
    format!(
        "{{ \"version\": \"{version}\", \"images\": {{ \"postgres\": {}, \"qdrant\": {}, \"backend\": {}, \"frontend\": {}, \"proxy\": {}, \"nginx\": {} }} }}",
        image("postgres"),
        image("qdrant"),
        image("backend"),
        image("frontend"),
        image("proxy"),
        image("proxy-nginx")
    )
}

pub fn stack(tls: Tls, domain: Option<&str>) -> Stack {
    Stack {
        environment: Environment::Production,
        dir: "/opt/deskmate".into(),
        domain: domain.map(String::from),
        email: Some("owner@example.org".into()),
        tls,
        proxy: ProxyKind::Caddy,
        http_port: 80,
        https_port: 443,
        ssh_port: 22,
        release: release::parse(release_json("1.0.0").as_bytes()).unwrap(),
        secrets: Secrets {
            postgres_password: "Pg0123456789abcdefghijklmnop".into(),
            secret_key: "Sk0123456789abcdefghijklmnop".into(),
            jwt_secret: "Jw0123456789abcdefghijklmnop".into(),
        },
        compose_command: vec!["/usr/bin/docker-compose".into()],
        data_volumes: Default::default(),
        settings: Vec::new(),
    }
}

/// The same stack behind nginx.
pub fn nginx_stack(tls: Tls, domain: Option<&str>) -> Stack {
    Stack {
        proxy: ProxyKind::Nginx,
        ..stack(tls, domain)
    }
}

/// Writes the files that live in the stack folder into `dir`, and the host's files (absolute
/// paths) under `dir/host`.
pub fn write(files: &[File], dir: &Path) {
    for file in files {
        let path = match file.path.strip_prefix('/') {
            Some(host) => dir.join("host").join(host),
            None => dir.join(&file.path),
        };
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &file.contents).unwrap();
    }
}

pub fn file<'a>(files: &'a [File], path: &str) -> &'a File {
    files
        .iter()
        .find(|f| f.path == path)
        .unwrap_or_else(|| panic!("no {path}"))
}
