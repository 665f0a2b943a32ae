//! Property tests for every reader of what a server (or a hand-edited file) sends us:
//! known_hosts, `compose ps`, the backend's HTTP reply, and the facts script's output.

use deskmate_remote::facts;
use deskmate_remote::known_hosts::{self, HostKey, Verdict};
use deskmate_remote::parsers::{parse_compose_ps, parse_response};
use proptest::prelude::*;

/// An SSH key blob of the given type (type name, then key bytes).
fn blob(key_type: &str, key: &[u8]) -> Vec<u8> {
    let mut out = (key_type.len() as u32).to_be_bytes().to_vec();
    out.extend_from_slice(key_type.as_bytes());
    out.extend_from_slice(&(key.len() as u32).to_be_bytes());
    out.extend_from_slice(key);
    out
}

fn key_type() -> impl Strategy<Value = &'static str> {
    prop_oneof![
        Just("ssh-ed25519"),
        Just("ecdsa-sha2-nistp256"),
        Just("ssh-rsa")
    ]
}

proptest! {
    #[test]
    fn pinned_keys_round_trip_through_the_file(
        host in "[a-z0-9.-]{1,30}",
        port in 1u16..,
        kind in key_type(),
        key in proptest::collection::vec(any::<u8>(), 16..64),
        other in proptest::collection::vec(any::<u8>(), 16..64),
        noise in "(# [ -~]{0,40}\n|\n|@cert-authority \\*.example ssh-ed25519 AAAA\n){0,4}",
    ) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("known_hosts");
        std::fs::write(&path, &noise).unwrap();
        let key = HostKey::new(&blob(kind, &key));
        let mut pins = known_hosts::KnownHosts::load(&path).unwrap();
        prop_assert_eq!(pins.verdict(&host, port, &key), Verdict::Unknown);
        pins.pin(&host, port, &key).unwrap();

        let reread = known_hosts::KnownHosts::load(&path).unwrap();
        prop_assert_eq!(reread.verdict(&host, port, &key), Verdict::Trusted);
        prop_assert_eq!(reread.pinned_types(&host, port), vec![kind.to_string()]);
        let text = std::fs::read_to_string(&path).unwrap();
        prop_assert!(text.starts_with(&noise), "other lines are kept as they were");
        let changed = HostKey::new(&blob(kind, &other));
        if changed != key {
            let verdict = reread.verdict(&host, port, &changed);
            prop_assert_eq!(verdict, Verdict::Changed { pinned: vec![key.fingerprint()] });
        }
        // Another port of the same host is another server.
        let elsewhere = if port == 22 { 2222 } else { 22 };
        prop_assert_eq!(reread.verdict(&host, elsewhere, &key), Verdict::Unknown);
    }

    #[test]
    fn known_hosts_text_never_panics(text in "\\PC{0,400}") {
        let _ = known_hosts::parse(&text);
    }

    #[test]
    fn fingerprints_parse_back(key in proptest::collection::vec(any::<u8>(), 1..64)) {
        let fp = known_hosts::fingerprint(&key);
        prop_assert_eq!(known_hosts::parse_fingerprint(&fp).unwrap(), fp.clone());
        let bare = fp.trim_start_matches("SHA256:").to_string() + "=";
        prop_assert_eq!(known_hosts::parse_fingerprint(&format!("  {bare} ")).unwrap(), fp);
    }

    #[test]
    fn compose_output_in_either_form_reads_the_same(
        services in proptest::collection::vec(("[a-z]{1,10}", "running|exited|restarting", "healthy|unhealthy|starting|", 0i64..256), 0..8)
    ) {
        let objects: Vec<serde_json::Value> = services.iter().map(|(name, state, health, code)| serde_json::json!({
            "Service": name, "Name": format!("deskmate-{name}"), "State": state, "Health": health,
            "Status": "Up", "ExitCode": code,
            "Publishers": [{"URL": "0.0.0.0", "TargetPort": 80, "PublishedPort": 80, "Protocol": "tcp"}],
            "Labels": "ignored",
        })).collect();
        let array = serde_json::to_string(&objects).unwrap();
        let lines: String = objects.iter().map(|o| o.to_string() + "\n").collect();
        let a = parse_compose_ps(&array).unwrap();
        let b = parse_compose_ps(&lines).unwrap();
        prop_assert_eq!(&a, &b);
        prop_assert_eq!(a.len(), services.len());
        for (c, (name, state, health, code)) in a.iter().zip(&services) {
            prop_assert_eq!((&c.service, &c.state, &c.health, c.exit_code), (name, state, health, *code));
        }
    }

    #[test]
    fn compose_output_never_panics(text in "\\PC{0,300}") {
        let _ = parse_compose_ps(&text);
    }

    #[test]
    fn chunked_and_sized_http_bodies_decode_to_the_body(
        body in proptest::collection::vec(any::<u8>(), 0..2000),
        cuts in proptest::collection::vec(1usize..300, 0..10),
    ) {
        let sized = [format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n", body.len()).into_bytes(), body.clone()].concat();
        prop_assert_eq!(parse_response(&sized).unwrap(), (200, body.clone()));

        let mut chunked = b"HTTP/1.1 503 Service Unavailable\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
        let mut rest = &body[..];
        for cut in cuts.iter().cycle().take(if body.is_empty() { 0 } else { 100 }) {
            if rest.is_empty() { break; }
            let n = (*cut).min(rest.len());
            chunked.extend(format!("{n:x}\r\n").bytes());
            chunked.extend(&rest[..n]);
            chunked.extend(b"\r\n");
            rest = &rest[n..];
        }
        if !rest.is_empty() {
            chunked.extend(format!("{:x}\r\n", rest.len()).bytes());
            chunked.extend(rest);
            chunked.extend(b"\r\n");
        }
        chunked.extend(b"0\r\n\r\n");
        prop_assert_eq!(parse_response(&chunked).unwrap(), (503, body));
    }

    #[test]
    fn http_replies_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let _ = parse_response(&bytes);
        let mut with_head = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
        with_head.extend(&bytes);
        let _ = parse_response(&with_head);
    }

    #[test]
    fn facts_never_panic_and_keep_what_they_read(text in "\\PC{0,400}", value in "[a-z0-9 .]{1,20}") {
        let _ = facts::parse(&text);
        let parsed = facts::parse(&format!("os.ID\t\"{value}\"\nlisten\t0050\nlisten\t01BB\n")).unwrap();
        prop_assert_eq!(parsed.get("os.ID"), Some(value.trim()).filter(|v| !v.is_empty()));
        prop_assert_eq!(parsed.listening, vec![80, 443]);
    }

    #[test]
    fn backup_reports_keep_the_first_value_of_each_key_and_never_panic(
        noise in "\\PC{0,300}",
        key in "[a-z_]{1,20}",
        value in "[A-Za-z0-9 ,.]{0,40}",
        later in "[A-Za-z0-9]{1,10}",
    ) {
        let text = format!("{key}\t{value}\n{noise}\n{key}\t{later}\n");
        let report = deskmate_remote::backup::parse_report(&text);
        prop_assert_eq!(report.get(&key).map(String::as_str), Some(value.as_str()));
        let _ = deskmate_remote::backup::parse_list(&noise);
    }

    #[test]
    fn a_backup_list_is_newest_first_whatever_order_restic_gives(
        times in proptest::collection::vec((0u32..24, 0u32..60), 1..12),
    ) {
        let snapshots: Vec<String> = times
            .iter()
            .enumerate()
            .map(|(i, (h, m))| format!(
                r#"{{"time":"2026-12-02T{h:02}:{m:02}:00Z","id":"{i:08x}aaaa","short_id":"{i:08x}","tags":["deskmate"]}}"#
            ))
            .collect();
        let text = format!("[{}]\n--history--\n--verified--\n", snapshots.join(","));
        let list = deskmate_remote::backup::parse_list(&text).unwrap();
        prop_assert_eq!(list.len(), times.len());
        prop_assert!(list.windows(2).all(|w| w[0].time >= w[1].time));
        prop_assert!(list.iter().all(|b| b.verified.is_none()));
    }
}
