//! The public site's certificate, checked from the owner's machine as a visitor would.

use std::net::{TcpStream, ToSocketAddrs};
use std::path::Path;
use std::time::Duration;

use openssl::asn1::Asn1Time;
use openssl::ssl::{HandshakeError, SslConnector, SslMethod};
use serde::Serialize;

pub const WARN_DAYS: i32 = 30;
pub const CRITICAL_DAYS: i32 = 14;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct Certificate {
    pub days_left: i32,
    pub not_after: String,
    pub issuer: String,
}

/// Connects to `domain` (`host` or `host:port`, 443 by default), verifies the certificate
/// against the system's roots (plus `extra_root`, for tests and private CAs) and the name,
/// and says how long it has left. The error is a sentence for the report.
pub fn check(
    domain: &str,
    extra_root: Option<&Path>,
    timeout: Duration,
) -> Result<Certificate, String> {
    let (host, port) = match domain.rsplit_once(':') {
        Some((host, port)) if port.parse::<u16>().is_ok() => (host, port.parse().unwrap()),
        _ => (domain, 443),
    };
    let address = (host, port)
        .to_socket_addrs()
        .map_err(|e| format!("{host} could not be looked up: {e}"))?
        .next()
        .ok_or_else(|| format!("{host} has no address"))?;
    let stream = TcpStream::connect_timeout(&address, timeout)
        .map_err(|e| format!("{host}:{port} could not be reached: {e}"))?;
    let _ = stream.set_read_timeout(Some(timeout));
    let _ = stream.set_write_timeout(Some(timeout));

    let mut builder = SslConnector::builder(SslMethod::tls_client()).map_err(|e| e.to_string())?;
    if let Some(root) = extra_root {
        builder
            .set_ca_file(root)
            .map_err(|e| format!("could not read {}: {e}", root.display()))?;
    }
    let tls = builder.build().connect(host, stream).map_err(|e| match e {
        HandshakeError::Failure(mid) | HandshakeError::WouldBlock(mid) => {
            let verify = mid.ssl().verify_result();
            if verify.as_raw() != 0 {
                format!("the certificate is not valid: {}", verify.error_string())
            } else {
                format!("the secure connection failed: {}", mid.error())
            }
        }
        HandshakeError::SetupFailure(e) => e.to_string(),
    })?;
    let cert = tls
        .ssl()
        .peer_certificate()
        .ok_or("the site sent no certificate")?;
    let now = Asn1Time::days_from_now(0).map_err(|e| e.to_string())?;
    let days_left = now.diff(cert.not_after()).map_err(|e| e.to_string())?.days;
    let issuer = cert
        .issuer_name()
        .entries()
        .map(|e| openssl::asn1::Asn1StringRef::to_string(e.data()).unwrap_or_default())
        .collect::<Vec<_>>()
        .join(", ");
    Ok(Certificate {
        days_left,
        not_after: cert.not_after().to_string(),
        issuer,
    })
}
