//! Facts about outbound URLs that every HTTP client of the project shares
//! (the webhook push, the LLM client).

/// Whether the URL names this machine (127.0.0.0/8, ::1, localhost): such
/// requests bypass any configured proxy, which cannot reach the machine's own
/// loopback interface.
pub fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loopback(u: &str) -> bool {
        is_loopback(&url::Url::parse(u).expect("url"))
    }

    #[test]
    fn loopback_hosts_skip_proxies() {
        assert!(loopback("http://127.0.0.1:11434/v1/chat/completions"));
        assert!(loopback("http://localhost/v1/chat/completions"));
        assert!(loopback("http://[::1]:8080/v1"));
        assert!(!loopback("https://api.example.com/v1/chat/completions"));
    }
}
