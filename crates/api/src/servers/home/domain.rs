//! Where the public name leads, resolved on this computer.

use std::net::{IpAddr, ToSocketAddrs};

use super::DomainPoints;

/// Resolves `domain` and the server's `host` on this computer (as a visitor's would).
pub(super) fn domain_points(domain: &str, host: &str) -> DomainPoints {
    let resolve = |name: &str| -> Result<Vec<IpAddr>, String> {
        let mut addrs: Vec<IpAddr> = (name, 443)
            .to_socket_addrs()
            .map_err(|e| e.to_string())?
            .map(|a| a.ip())
            .collect();
        addrs.sort();
        addrs.dedup();
        Ok(addrs)
    };
    match (resolve(domain), resolve(host)) {
        (Err(why), _) => DomainPoints::Unresolved(why),
        (Ok(domain), Ok(server)) if domain.iter().any(|a| server.contains(a)) => DomainPoints::Here,
        (Ok(domain), server) => DomainPoints::Elsewhere {
            domain,
            server: server.unwrap_or_default(),
        },
    }
}
