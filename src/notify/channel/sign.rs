//! Signatures: the webhook's `X-Ripcord-Signature` and DingTalk's signed robot URL.

use base64::Engine;
use ring::hmac;

/// Lower-case hex of HMAC-SHA256(`secret`, `body`): the webhook signature after `sha256=`.
pub fn hmac_sha256_hex(secret: &str, body: &[u8]) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret.as_bytes());
    hmac::sign(&key, body)
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// DingTalk's `sign`: base64(HMAC-SHA256(key = secret, message = "<ms>\n<secret>")),
/// percent-encoded for the query string.
pub fn dingtalk_sign(secret: &str, timestamp_ms: i64) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret.as_bytes());
    let tag = hmac::sign(&key, format!("{timestamp_ms}\n{secret}").as_bytes());
    let b64 = base64::engine::general_purpose::STANDARD.encode(tag.as_ref());
    percent_encode(&b64)
}

/// `url` with DingTalk's `timestamp` and `sign` parameters added.
pub fn dingtalk_url(url: &str, secret: &str, timestamp_ms: i64) -> String {
    let sep = if url.contains('?') { '&' } else { '?' };
    format!(
        "{url}{sep}timestamp={timestamp_ms}&sign={}",
        dingtalk_sign(secret, timestamp_ms)
    )
}

/// Percent-encodes everything but RFC 3986 unreserved bytes.
fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 3 / 2);
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_rfc_4231_case_2() {
        assert_eq!(
            hmac_sha256_hex("Jefe", b"what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn dingtalk_url_carries_timestamp_and_encoded_sign() {
        let url = dingtalk_url(
            "http://h/robot/send?access_token=t",
            "SECxyz",
            1_700_000_000_000,
        );
        assert!(
            url.starts_with("http://h/robot/send?access_token=t&timestamp=1700000000000&sign=")
        );
        let sign = url.rsplit("sign=").next().unwrap();
        assert!(!sign.contains('+') && !sign.contains('/') && !sign.contains('='));
        assert_eq!(percent_encode("a+b/c="), "a%2Bb%2Fc%3D");
    }
}
