//! Outgoing mail: the SMTP server this process sends through
//! (`CRM_SMTP_URL`, `CRM_MAIL_FROM`) and sending one message. Mail goes
//! out only from jobs (the jobs table is the outbox): a use case enqueues
//! a job in its transaction, the job's handler builds the message and
//! sends it here, and a failed send is retried with the job's backoff.

use std::sync::Arc;

use lettre::message::Mailbox;
use lettre::{Message, SmtpTransport, Transport};

use crate::jobs::JobError;

/// Where mail goes, or nowhere (no `CRM_SMTP_URL`: jobs that would send
/// fail with a message saying so, visible in the jobs list).
#[derive(Clone)]
pub struct Mailer {
    /// The server and the sender.
    transport: Option<(Arc<SmtpTransport>, Mailbox)>,
    /// Where people outside open the web app (`CRM_PUBLIC_URL`, no
    /// trailing slash): links in mails start with it.
    public_url: Option<String>,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer")
            .field("from", &self.transport.as_ref().map(|(_, f)| f.to_string()))
            .field("public_url", &self.public_url)
            .finish()
    }
}

/// The sender when `CRM_MAIL_FROM` is not set.
pub const DEFAULT_FROM: &str = "CRM <crm@localhost>";

impl Default for Mailer {
    fn default() -> Self {
        Self::none()
    }
}

impl Mailer {
    /// Sends nothing.
    pub fn none() -> Self {
        Self {
            transport: None,
            public_url: None,
        }
    }

    /// Sends through the SMTP server of `url` — `smtp://host:25`,
    /// `smtp://user:password@host:587?tls=required` (STARTTLS) or
    /// `smtps://user:password@host:465` — as `from` (`名字 <a@b.cn>`).
    pub fn smtp(url: &str, from: Option<&str>) -> Result<Self, String> {
        let transport = SmtpTransport::from_url(url)
            .map_err(|e| format!("CRM_SMTP_URL is not an SMTP address: {e}"))?
            .timeout(Some(std::time::Duration::from_secs(30)))
            .build();
        let from = from.unwrap_or(DEFAULT_FROM);
        let from = from
            .parse()
            .map_err(|e| format!("CRM_MAIL_FROM is not a mailbox ({from:?}): {e}"))?;
        Ok(Self {
            transport: Some((Arc::new(transport), from)),
            public_url: None,
        })
    }

    /// Links in mails start with `url` (`https://crm.example.cn`): an
    /// http(s) address, kept without its trailing slash.
    pub fn with_public_url(mut self, url: &str) -> Result<Self, String> {
        let url = url.trim().trim_end_matches('/');
        let host = url
            .strip_prefix("https://")
            .or_else(|| url.strip_prefix("http://"))
            .unwrap_or_default();
        if host.is_empty() || host.contains(char::is_whitespace) {
            return Err(format!(
                "CRM_PUBLIC_URL must be an http:// or https:// address, not {url:?}"
            ));
        }
        self.public_url = Some(url.to_owned());
        Ok(self)
    }

    /// Where links in mails point (`None`: not set).
    pub fn public_url(&self) -> Option<&str> {
        self.public_url.as_deref()
    }

    pub fn configured(&self) -> bool {
        self.transport.is_some()
    }

    /// The sender (`None` when mail is not set up).
    pub fn from(&self) -> Option<&Mailbox> {
        self.transport.as_ref().map(|(_, from)| from)
    }

    /// Sends one message; a refusal or an unreachable server is retried.
    pub fn send(&self, message: &Message) -> Result<(), JobError> {
        let Some((transport, _)) = &self.transport else {
            return Err(JobError::permanent(
                "mail is not set up: set CRM_SMTP_URL (and CRM_MAIL_FROM) and restart",
            ));
        };
        transport
            .send(message)
            .map(|_| ())
            .map_err(|e| JobError::retry(format!("SMTP: {e}")))
    }
}

/// A user's mailbox: `显示名 <address>` (the name without the characters
/// a mailbox cannot quote), else the bare address.
pub(crate) fn mailbox(user: &crm_db::users::UserRow) -> Result<Mailbox, crate::AppError> {
    format!(
        "{} <{}>",
        user.display_name.replace(['<', '>', '"'], ""),
        user.email
    )
    .parse()
    .or_else(|_| user.email.parse())
    .map_err(|e| crate::AppError::Internal(format!("user {} has no mailbox: {e}", user.id.0)))
}

/// A plain-text message to one user.
pub(crate) fn plain(
    from: Mailbox,
    user: &crm_db::users::UserRow,
    subject: &str,
    text: String,
) -> Result<Message, crate::AppError> {
    Message::builder()
        .from(from)
        .to(mailbox(user)?)
        .subject(subject)
        .header(lettre::message::header::ContentType::TEXT_PLAIN)
        .body(text)
        .map_err(|e| crate::AppError::Internal(format!("mail: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_public_url_is_an_http_address_without_its_slash() {
        let m = Mailer::none()
            .with_public_url("https://crm.example.cn/")
            .expect("an address");
        assert_eq!(m.public_url(), Some("https://crm.example.cn"));
        for bad in ["crm.example.cn", "https://", "ftp://x", "http://a b"] {
            assert!(Mailer::none().with_public_url(bad).is_err(), "{bad}");
        }
    }
}
