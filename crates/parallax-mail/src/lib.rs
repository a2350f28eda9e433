//! Mail over SMTP. `smtp://host:port` speaks plain SMTP (a relay on the
//! same host, or a test server), `smtp://…?tls=required` upgrades with
//! STARTTLS, `smtps://host:465` is TLS from the start; credentials go in the
//! URL's user and password. Each message carries the Message-ID the outbox
//! gave it, so a resend after a crash is the same message to receivers, and
//! RFC 8058 one-click unsubscribe headers when it has an unsubscribe link.

use std::future::Future;
use std::pin::Pin;

use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Mailbox, Message};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use parallax_app::mail::{MailError, Mailer, OutgoingMail};

/// Why the mail settings cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    /// The SMTP URL does not parse.
    #[error("the SMTP URL is not usable: {0}")]
    Url(String),
    /// The sender is not an address.
    #[error("the sender “{0}” is not a mail address")]
    From(String),
}

/// Sends through one SMTP server as one sender.
pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl std::fmt::Debug for SmtpMailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The transport holds the credentials: never printed.
        f.debug_struct("SmtpMailer")
            .field("from", &self.from)
            .finish_non_exhaustive()
    }
}

impl SmtpMailer {
    /// A mailer for `url` sending as `from` ("Parallax <parallax@example.org>").
    pub fn new(url: &str, from: &str) -> Result<SmtpMailer, SetupError> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| SetupError::Url(e.to_string()))?
            .build();
        let from = from
            .parse()
            .map_err(|_| SetupError::From(from.to_owned()))?;
        Ok(SmtpMailer { transport, from })
    }

    fn message(&self, mail: &OutgoingMail) -> Result<Message, MailError> {
        let to: Mailbox = mail
            .to
            .parse()
            .map_err(|_| MailError::Permanent(format!("“{}” is not a mail address", mail.to)))?;
        let mut builder = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(mail.subject.clone())
            .message_id(Some(mail.message_id.clone()));
        if let Some(link) = &mail.unsubscribe_url {
            builder = builder
                .raw_header(HeaderValue::new(
                    HeaderName::new_from_ascii_str("List-Unsubscribe"),
                    format!("<{link}>"),
                ))
                .raw_header(HeaderValue::new(
                    HeaderName::new_from_ascii_str("List-Unsubscribe-Post"),
                    "List-Unsubscribe=One-Click".to_owned(),
                ));
        }
        builder
            .header(ContentType::TEXT_PLAIN)
            .body(mail.text.clone())
            .map_err(|e| MailError::Permanent(e.to_string()))
    }
}

impl Mailer for SmtpMailer {
    fn send<'a>(
        &'a self,
        mail: &'a OutgoingMail,
    ) -> Pin<Box<dyn Future<Output = Result<(), MailError>> + Send + 'a>> {
        Box::pin(async move {
            let message = self.message(mail)?;
            match self.transport.send(message).await {
                Ok(_) => Ok(()),
                Err(e) if e.is_permanent() => Err(MailError::Permanent(e.to_string())),
                Err(e) => Err(MailError::Temporary(e.to_string())),
            }
        })
    }
}
