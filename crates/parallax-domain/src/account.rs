//! Accounts: e-mail addresses, display names and passwords.

use crate::{Invalid, bounded_text};

/// A syntactically valid e-mail address, lower-cased.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    /// Parses and normalises an address (`Ada@Example.com ` → `ada@example.com`).
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let text = raw.trim().to_lowercase();
        let invalid = || Invalid::new("email", "is not a valid e-mail address");
        if text.is_empty() {
            return Err(Invalid::new("email", "is required"));
        }
        if text.len() > 254 || text.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(invalid());
        }
        let (local, domain) = text.rsplit_once('@').ok_or_else(invalid)?;
        if local.is_empty()
            || local.len() > 64
            || local.contains('@')
            || domain.len() < 3
            || !domain.contains('.')
            || domain.starts_with('.')
            || domain.ends_with('.')
            || domain.contains("..")
        {
            return Err(invalid());
        }
        Ok(Self(text))
    }

    /// The normalised address.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A person's name as shown to others.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplayName(String);

impl DisplayName {
    /// 1–80 characters after trimming.
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        bounded_text("name", raw, 1, 80).map(Self)
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A password that meets the policy: 8–128 characters, not a common password.
///
/// It is never trimmed: spaces are part of a passphrase.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(…)")
    }
}

impl Password {
    /// Checks the policy.
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let count = raw.chars().count();
        if count < 8 {
            return Err(Invalid::new("password", "needs at least 8 characters"));
        }
        if count > 128 {
            return Err(Invalid::new("password", "may have at most 128 characters"));
        }
        if is_common(raw) {
            return Err(Invalid::new(
                "password",
                "is one of the most common passwords; choose another",
            ));
        }
        Ok(Self(raw.to_owned()))
    }

    /// The secret, for hashing only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// Common passwords (and their simple variants) that attackers try first.
const COMMON_PASSWORDS: &str = include_str!("common_passwords.txt");

fn is_common(raw: &str) -> bool {
    let lowered = raw.to_lowercase();
    let trimmed = lowered.trim_end_matches(|c: char| c.is_ascii_digit() || c == '!');
    let all_same = lowered.chars().all(|c| lowered.starts_with(c));
    all_same
        || COMMON_PASSWORDS
            .lines()
            .any(|common| common == lowered || (trimmed.len() >= 4 && common == trimmed))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn email_is_normalised() {
        assert_eq!(
            Email::parse(" Ada@Example.COM ").unwrap().as_str(),
            "ada@example.com"
        );
    }

    #[test]
    fn malformed_emails_are_rejected() {
        for bad in [
            "",
            "ada",
            "ada@",
            "@example.com",
            "ada@example",
            "a b@example.com",
            "ada@.com",
            "ada@example..com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn password_policy() {
        assert!(Password::parse("short").is_err());
        assert!(Password::parse("password").is_err());
        assert!(Password::parse("Password123!").is_err());
        assert!(Password::parse("qwertyuiop").is_err());
        assert!(Password::parse("aaaaaaaaaaaa").is_err());
        assert!(Password::parse(&"x".repeat(129)).is_err());
        assert!(Password::parse("correct horse battery staple").is_ok());
    }

    #[test]
    fn password_debug_hides_secret() {
        let p = Password::parse("violet-harbour-lamp").unwrap();
        assert!(!format!("{p:?}").contains("violet"));
    }

    proptest! {
        #[test]
        fn parsed_emails_reparse_to_themselves(local in "[a-z0-9._%+-]{1,20}", domain in "[a-z0-9-]{1,20}\\.[a-z]{2,6}") {
            let email = Email::parse(&format!("{local}@{domain}")).unwrap();
            prop_assert_eq!(Email::parse(email.as_str()).unwrap(), email);
        }

        #[test]
        fn display_names_are_trimmed_and_bounded(raw in "\\PC{0,100}") {
            if let Ok(name) = DisplayName::parse(&raw) {
                prop_assert_eq!(name.as_str(), name.as_str().trim());
                prop_assert!((1..=80).contains(&name.as_str().chars().count()));
            }
        }
    }
}
