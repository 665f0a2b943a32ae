//! The store on disk: migrations, WAL, server profiles, and what is refused.

use deskmate_library::{Auth, DEFAULT_STACK_DIR, Library, Server, migrations};
use proptest::prelude::*;

fn server(name: &str) -> Server {
    Server {
        name: name.into(),
        host: "deskmate.example.org".into(),
        port: 22,
        user: "owner".into(),
        auth: Auth::Key {
            path: "/home/owner/.ssh/id_ed25519".into(),
        },
        stack_dir: DEFAULT_STACK_DIR.into(),
        domain: Some("companion.example.org".into()),
        backend_port: deskmate_library::DEFAULT_BACKEND_PORT,
    }
}

#[test]
fn a_new_library_is_migrated_and_in_wal_mode() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested/library.sqlite");
    let library = Library::open(&path).unwrap();
    assert_eq!(
        library.schema_version().unwrap() as usize,
        migrations::STEPS.len()
    );
    assert_eq!(library.journal_mode().unwrap(), "wal");
    drop(library);
    // Opening again applies nothing new and keeps the data.
    assert_eq!(
        Library::open(&path).unwrap().schema_version().unwrap() as usize,
        migrations::STEPS.len()
    );
}

#[test]
fn a_library_from_a_newer_app_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("library.sqlite");
    drop(Library::open(&path).unwrap());
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch("PRAGMA user_version = 999").unwrap();
    drop(conn);
    let error = Library::open(&path).err().unwrap();
    assert_eq!(error.code(), "library.newer_schema");
}

#[test]
fn server_profiles_are_added_listed_read_and_removed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("library.sqlite");
    let mut library = Library::open(&path).unwrap();
    let added = library.add_server(&server("home")).unwrap();
    assert_eq!(
        added.server.auth,
        Auth::Key {
            path: "/home/owner/.ssh/id_ed25519".into()
        }
    );
    assert!(added.created_at > 0);
    library
        .add_server(&Server {
            auth: Auth::Agent,
            domain: None,
            ..server("attic")
        })
        .unwrap();
    library
        .add_server(&Server {
            auth: Auth::Password,
            ..server("cloud")
        })
        .unwrap();

    let names: Vec<_> = library
        .servers()
        .unwrap()
        .into_iter()
        .map(|s| s.server.name)
        .collect();
    assert_eq!(names, ["attic", "cloud", "home"]);
    assert_eq!(
        library.add_server(&server("home")).err().unwrap().code(),
        "server.exists"
    );

    drop(library);
    let mut library = Library::open(&path).unwrap();
    assert_eq!(library.server("home").unwrap(), added);
    assert_eq!(library.server("cloud").unwrap().server.auth, Auth::Password);
    library.remove_server("home").unwrap();
    assert_eq!(
        library.server("home").err().unwrap().code(),
        "server.not_found"
    );
    assert_eq!(
        library.remove_server("home").err().unwrap().code(),
        "server.not_found"
    );
}

#[test]
fn invalid_profiles_are_refused_with_the_field_named() {
    let dir = tempfile::tempdir().unwrap();
    let mut library = Library::open(&dir.path().join("library.sqlite")).unwrap();
    for (bad, expect) in [
        (
            Server {
                name: "my server".into(),
                ..server("x")
            },
            "the name",
        ),
        (
            Server {
                host: "-oProxyCommand=x".into(),
                ..server("x")
            },
            "the host",
        ),
        (
            Server {
                host: "a b".into(),
                ..server("x")
            },
            "the host",
        ),
        (
            Server {
                user: "".into(),
                ..server("x")
            },
            "the user",
        ),
        (
            Server {
                port: 0,
                ..server("x")
            },
            "the port",
        ),
        (
            Server {
                stack_dir: "opt/deskmate".into(),
                ..server("x")
            },
            "the stack folder",
        ),
        (
            Server {
                auth: Auth::Key {
                    path: String::new(),
                },
                ..server("x")
            },
            "key file",
        ),
    ] {
        let error = library.add_server(&bad).err().unwrap();
        assert_eq!(error.code(), "server.invalid");
        assert!(error.to_string().contains(expect), "{expect}: {error}");
    }
    assert!(library.servers().unwrap().is_empty());
}

proptest! {
    #[test]
    fn any_profile_is_stored_exactly_or_refused(
        name in "\\PC{0,20}", host in "\\PC{0,20}", user in "\\PC{0,10}", port in any::<u16>(),
        stack_dir in "\\PC{0,20}", domain in proptest::option::of("\\PC{0,20}"),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let mut library = Library::open(&dir.path().join("library.sqlite")).unwrap();
        let new = Server { name, host, port, user, auth: Auth::Agent, stack_dir, domain, backend_port: 8001 };
        if let Ok(saved) = library.add_server(&new) {
            let read = library.server(&new.name).unwrap();
            prop_assert_eq!(&read, &saved);
            prop_assert_eq!(read.server, new);
        }
    }
}

#[test]
fn health_history_is_newest_first_trimmed_and_removed_with_its_server() {
    use deskmate_library::{HealthRun, MAX_RUNS_PER_SERVER};
    let dir = tempfile::tempdir().unwrap();
    let mut library = Library::open(&dir.path().join("library.sqlite")).unwrap();
    library.add_server(&server("home")).unwrap();
    let run = |i: i64| HealthRun {
        checked_at: 1_700_000_000 + i,
        overall: if i % 2 == 0 { "pass" } else { "warn" }.into(),
        elapsed_ms: 100 + i,
        report: format!("{{\"run\":{i}}}"),
    };
    for i in 0..MAX_RUNS_PER_SERVER + 5 {
        library.record_health("home", &run(i)).unwrap();
    }
    let all = library.health_history("home", 10_000).unwrap();
    assert_eq!(all.len() as i64, MAX_RUNS_PER_SERVER);
    assert_eq!(all[0], run(MAX_RUNS_PER_SERVER + 4));
    assert_eq!(all.last().unwrap(), &run(5));
    assert_eq!(library.health_history("home", 3).unwrap().len(), 3);
    assert_eq!(
        library
            .record_health("nowhere", &run(0))
            .unwrap_err()
            .code(),
        "server.not_found"
    );
    let bad = HealthRun {
        overall: "great".into(),
        ..run(0)
    };
    assert!(
        library.record_health("home", &bad).is_err(),
        "the CHECK holds"
    );

    library.remove_server("home").unwrap();
    library.add_server(&server("home")).unwrap();
    assert!(library.health_history("home", 10).unwrap().is_empty());
}

/// The app and the CLI started together on a first run both open the new library; each
/// migration step runs once, and both get a library at the current schema.
#[test]
fn a_new_library_opened_by_many_at_once_is_migrated_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("library.sqlite");
    let opened: Vec<_> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..8)
            .map(|_| {
                scope.spawn(|| deskmate_library::Library::open(&path).map(|l| l.schema_version()))
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for result in opened {
        let version = result.expect("every opener succeeds").unwrap();
        assert_eq!(version as usize, deskmate_library::migrations::STEPS.len());
    }
}
