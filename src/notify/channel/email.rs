//! The `email` channel: plain-text mail through the SMTP relay the runbook names, with
//! STARTTLS whenever the relay offers it (opportunistic: a plain local relay works too).

use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::{Mailbox, Message as Mail};
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use super::{Message, SendError};

/// Sends `msg` to `to` through `host:port`. The notification id is the `Message-ID`, so a
/// mail system that dedupes on it drops a resend after a restart.
pub async fn send(
    host: &str,
    port: u16,
    from: &str,
    to: &[String],
    msg: &Message,
    timeout: Duration,
) -> Result<(), SendError> {
    let mailbox = |text: &str, what: &str| {
        text.parse::<Mailbox>().map_err(|e| {
            SendError::permanent(format!("{what} address {text:?} is not usable: {e}"))
        })
    };
    let mut mail = Mail::builder()
        .from(mailbox(from, "the from")?)
        .subject(format!("[ripcord] {}", msg.title))
        .message_id(Some(format!("<{}@ripcord>", msg.id)))
        .header(ContentType::TEXT_PLAIN);
    for t in to {
        mail = mail.to(mailbox(t, "a to")?);
    }
    let mail = mail
        .body(format!("{}\n", msg.text))
        .map_err(|e| SendError::permanent(format!("cannot build the mail: {e}")))?;
    let tls = TlsParameters::new(host.to_string())
        .map_err(|e| SendError::permanent(format!("TLS setup for {host}: {e}")))?;
    let transport = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
        .port(port)
        .tls(Tls::Opportunistic(tls))
        .timeout(Some(timeout))
        .build();
    match tokio::time::timeout(timeout, transport.send(mail)).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) if e.is_permanent() => Err(SendError::permanent(format!(
            "the SMTP relay {host}:{port} refused the mail: {e}"
        ))),
        Ok(Err(e)) => Err(SendError::retry(format!("SMTP relay {host}:{port}: {e}"))),
        Err(_) => Err(SendError::retry(format!(
            "SMTP relay {host}:{port}: no answer within {}s",
            timeout.as_secs_f32()
        ))),
    }
}
