//! Each person's private calendar feed (RFC 5545): the rounds they answer
//! (the answering window and the due date), planned listening sessions and
//! the due dates of their open actions. The feed's URL holds a secret that only its hash is stored of;
//! replacing or turning off the feed makes the old URL answer 404.
//!
//! Blind holds here too: an entry names a round, its workspace and its due
//! date, never anything about an answer.

use parallax_domain::round::RoundState;
use time::OffsetDateTime;

use crate::secrets::{new_token, token_hash};
use crate::{Actor, App, AppError, Result};

/// How often calendar programs should fetch the feed again.
pub const REFRESH: &str = "PT1H";

/// One entry of the feed.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// Stable across fetches, e.g. `round-12-answering`.
    pub uid: String,
    /// The title calendar programs show.
    pub summary: String,
    /// A line of explanation.
    pub description: String,
    /// Path of the page it is about, e.g. `/w/1/rounds/12/answer`.
    pub path: String,
    /// When.
    pub when: When,
}

/// When an entry takes place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    /// From one instant to another, Unix ms (UTC).
    Span(i64, i64),
    /// The whole (UTC) day of a Unix-ms instant.
    Day(i64),
}

/// A person's feed.
#[derive(Debug, Clone, PartialEq)]
pub struct Calendar {
    /// Whose it is (shown as the calendar's name).
    pub owner: String,
    /// Its entries, rounds first.
    pub entries: Vec<Entry>,
}

/// Escapes a TEXT value (RFC 5545 §3.3.11).
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Appends a content line folded at 75 octets (RFC 5545 §3.1), never inside
/// a UTF-8 sequence, ended by CRLF.
fn line(out: &mut String, content: &str) {
    let mut width = 0;
    for c in content.chars() {
        if width + c.len_utf8() > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += c.len_utf8();
    }
    out.push_str("\r\n");
}

fn utc(ms: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(ms.div_euclid(1000)).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// `20261215T183500Z`.
fn stamp(ms: i64) -> String {
    let t = utc(ms);
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// `20261215`, the UTC date of `ms` moved on by `days`.
fn date(ms: i64, days: i64) -> String {
    let t = utc(ms) + time::Duration::days(days);
    format!("{:04}{:02}{:02}", t.year(), u8::from(t.month()), t.day())
}

impl Calendar {
    /// The feed as `text/calendar`: UTC times, stable UIDs under `host`,
    /// links under `base`, a refresh hint and no METHOD (a feed, not an
    /// invitation). `now` is the DTSTAMP.
    pub fn to_ics(&self, base: &str, host: &str, now: i64) -> String {
        let mut out = String::new();
        for l in [
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            "PRODID:-//Parallax//Calendar feed//EN",
            "CALSCALE:GREGORIAN",
        ] {
            line(&mut out, l);
        }
        line(
            &mut out,
            &format!(
                "X-WR-CALNAME:{}",
                escape(&format!("Parallax · {}", self.owner))
            ),
        );
        line(
            &mut out,
            &format!("REFRESH-INTERVAL;VALUE=DURATION:{REFRESH}"),
        );
        line(&mut out, &format!("X-PUBLISHED-TTL:{REFRESH}"));
        for entry in &self.entries {
            line(&mut out, "BEGIN:VEVENT");
            line(&mut out, &format!("UID:{}@{host}", entry.uid));
            line(&mut out, &format!("DTSTAMP:{}", stamp(now)));
            match entry.when {
                When::Span(start, end) => {
                    line(&mut out, &format!("DTSTART:{}", stamp(start)));
                    line(&mut out, &format!("DTEND:{}", stamp(end.max(start))));
                }
                When::Day(at) => {
                    line(&mut out, &format!("DTSTART;VALUE=DATE:{}", date(at, 0)));
                    line(&mut out, &format!("DTEND;VALUE=DATE:{}", date(at, 1)));
                }
            }
            line(&mut out, &format!("SUMMARY:{}", escape(&entry.summary)));
            let url = format!("{base}{}", entry.path);
            line(
                &mut out,
                &format!(
                    "DESCRIPTION:{}",
                    escape(&format!("{}\n{url}", entry.description))
                ),
            );
            line(&mut out, &format!("URL:{url}"));
            line(&mut out, "TRANSP:TRANSPARENT");
            line(&mut out, "END:VEVENT");
        }
        line(&mut out, "END:VCALENDAR");
        out
    }
}

impl App {
    /// Gives the caller a new calendar feed (replacing any earlier one, whose
    /// URL then stops working); returns the secret for the URL, shown once.
    pub async fn create_calendar_feed(&self, actor: &Actor) -> Result<String> {
        let (secret, hash) = new_token();
        self.store().set_calendar_feed(actor.id(), &hash).await?;
        self.store()
            .audit(None, Some(actor.id()), "calendar.feed_created", "")
            .await?;
        Ok(secret)
    }

    /// When the caller's calendar feed was made, if they have one.
    pub async fn calendar_feed_since(&self, actor: &Actor) -> Result<Option<i64>> {
        Ok(self.store().calendar_feed_since(actor.id()).await?)
    }

    /// Turns the caller's calendar feed off; whether there was one.
    pub async fn revoke_calendar_feed(&self, actor: &Actor) -> Result<bool> {
        let had = self.store().delete_calendar_feed(actor.id()).await?;
        if had {
            self.store()
                .audit(None, Some(actor.id()), "calendar.feed_revoked", "")
                .await?;
        }
        Ok(had)
    }

    /// The feed behind a secret; NotFound for an unknown or revoked one.
    pub async fn calendar(&self, secret: &str) -> Result<Calendar> {
        let user = self
            .store()
            .calendar_feed_user(&token_hash(secret))
            .await?
            .ok_or(AppError::NotFound)?;
        let actor = Actor { user };
        let mut entries = Vec::new();
        for membership in self.store().memberships_of(actor.id()).await? {
            let w = &membership.workspace;
            for (round, takes_part) in self
                .store()
                .rounds_with_participation(w.id, actor.id())
                .await?
            {
                if !takes_part {
                    continue;
                }
                if let (Some(session), RoundState::Answering | RoundState::Revealed) =
                    (round.session_at, round.state)
                {
                    entries.push(Entry {
                        uid: format!("round-{}-session", round.id),
                        summary: format!("Listening session: “{}” ({})", round.title, w.name),
                        description: "The answers side by side, with the leader.".into(),
                        path: format!("/w/{}/rounds/{}", w.id, round.id),
                        when: When::Span(session, session + 3600 * 1000),
                    });
                }
                if round.state != RoundState::Answering {
                    continue;
                }
                let path = format!("/w/{}/rounds/{}/answer", w.id, round.id);
                let Some(due) = round.due_at else {
                    continue;
                };
                entries.push(Entry {
                    uid: format!("round-{}-answering", round.id),
                    summary: format!("Answer “{}” ({})", round.title, w.name),
                    description: "Your answers stay blind until the round is revealed.".into(),
                    path: path.clone(),
                    when: When::Span(round.created_at, due),
                });
                entries.push(Entry {
                    uid: format!("round-{}-due", round.id),
                    summary: format!("Answers due: “{}” ({})", round.title, w.name),
                    description: "The round's answers are due.".into(),
                    path,
                    when: When::Span(due, due),
                });
            }
        }
        for owned in self.my_actions(&actor).await? {
            let Some(due) = owned.action.due_at else {
                continue;
            };
            entries.push(Entry {
                uid: format!("action-{}-due", owned.action.id),
                summary: format!("Action due: {}", owned.action.title),
                description: format!(
                    "For the gap “{}” ({}).",
                    owned.gap_title, owned.workspace_name
                ),
                path: format!("/w/{}/gaps/{}", owned.workspace_id, owned.action.gap_id),
                when: When::Day(due),
            });
        }
        Ok(Calendar {
            owner: actor.user.name.clone(),
            entries,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn calendar() -> Calendar {
        Calendar {
            owner: "Tom, the; lead".into(),
            entries: vec![
                Entry {
                    uid: "round-3-answering".into(),
                    summary:
                        "Answer “Winter 2026 alignment, the long title that goes on” (Northwind)"
                            .into(),
                    description: "Blind until the reveal.".into(),
                    path: "/w/1/rounds/3/answer".into(),
                    when: When::Span(1_765_000_000_000, 1_766_000_000_000),
                },
                Entry {
                    uid: "action-9-due".into(),
                    summary: "Action due: ship".into(),
                    description: "For the gap.".into(),
                    path: "/w/1/gaps/2".into(),
                    when: When::Day(1_767_225_599_000),
                },
            ],
        }
    }

    #[test]
    fn lines_are_crlf_folded_at_75_octets_and_escaped() {
        let ics = calendar().to_ics("https://px.example", "px.example", 1_765_000_000_000);
        assert!(ics.ends_with("END:VCALENDAR\r\n"));
        for l in ics.split("\r\n") {
            assert!(l.len() <= 75, "{l:?} is {} octets", l.len());
        }
        assert!(!ics.replace("\r\n", "").contains('\n'), "bare LF");
        let unfolded = ics.replace("\r\n ", "");
        assert!(unfolded.contains("X-WR-CALNAME:Parallax · Tom\\, the\\; lead\r\n"));
        assert!(unfolded.contains(
            "SUMMARY:Answer “Winter 2026 alignment\\, the long title that goes on” (Northwind)\r\n"
        ));
        assert!(!ics.contains("METHOD:"), "a feed, not an invitation");
    }

    #[test]
    fn times_are_utc_and_days_are_dates() {
        let ics = calendar().to_ics("https://px.example", "px.example", 1_765_000_000_000);
        assert!(ics.contains("DTSTAMP:20251206T054640Z\r\n"), "{ics}");
        assert!(ics.contains("DTSTART:20251206T054640Z\r\nDTEND:20251217T193320Z\r\n"));
        assert!(ics.contains("DTSTART;VALUE=DATE:20251231\r\nDTEND;VALUE=DATE:20260101\r\n"));
        assert!(ics.contains("UID:round-3-answering@px.example\r\n"));
        assert!(ics.contains("REFRESH-INTERVAL;VALUE=DURATION:PT1H\r\nX-PUBLISHED-TTL:PT1H\r\n"));
    }
}
