//! Alignment rounds: their states and the flags of the listening session.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::Invalid;

/// The earliest due date accepted: 2000-01-01T00:00:00Z, in Unix ms.
pub const EARLIEST_DUE_AT: i64 = 946_684_800_000;
/// The latest due date accepted: 9999-12-31T23:59:59.999Z, in Unix ms.
pub const LATEST_DUE_AT: i64 = 253_402_300_799_999;

/// Checks a due date (of a round or an action) given in Unix milliseconds:
/// a date every page can show, from the year 2000 to the year 9999.
pub fn due_at(field: &'static str, ms: Option<i64>) -> Result<Option<i64>, Invalid> {
    match ms {
        Some(ms) if !(EARLIEST_DUE_AT..=LATEST_DUE_AT).contains(&ms) => Err(Invalid::new(
            field,
            "must be a date from 2000-01-01 to 9999-12-31",
        )),
        other => Ok(other),
    }
}

/// One day in Unix ms: due dates are days.
pub const DAY_MS: i64 = 86_400_000;

/// Checks the due date of a new round at `now` (Unix ms): as [`due_at`], and
/// not a day that has already ended — today is fine.
pub fn new_due_at(field: &'static str, ms: Option<i64>, now: i64) -> Result<Option<i64>, Invalid> {
    let due = due_at(field, ms)?;
    match due {
        Some(d) if d < now - now.rem_euclid(DAY_MS) => Err(Invalid::new(
            field,
            "is in the past: pick today or a later date",
        )),
        other => Ok(other),
    }
}

/// Whether a round still waiting for answers is past its due date at `now`:
/// the due day has ended.
pub fn is_overdue(state: RoundState, due_at: Option<i64>, now: i64) -> bool {
    matches!(state, RoundState::Draft | RoundState::Answering)
        && due_at.is_some_and(|d| d - d.rem_euclid(DAY_MS) + DAY_MS <= now)
}

/// Where a round is in its life: draft → answering → revealed → closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RoundState {
    /// Being prepared; nobody answers yet.
    Draft,
    /// Sent: participants answer blind.
    Answering,
    /// Answers are shown side by side and locked.
    Revealed,
    /// Finished; read-only.
    Closed,
}

impl RoundState {
    /// Stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            RoundState::Draft => "draft",
            RoundState::Answering => "answering",
            RoundState::Revealed => "revealed",
            RoundState::Closed => "closed",
        }
    }

    /// Whether answers of others may be shown (to those allowed to see the round).
    pub fn is_revealed(self) -> bool {
        matches!(self, RoundState::Revealed | RoundState::Closed)
    }

    /// Spelling shown to people.
    pub fn label(self) -> &'static str {
        match self {
            RoundState::Draft => "Draft",
            RoundState::Answering => "Answering",
            RoundState::Revealed => "Revealed",
            RoundState::Closed => "Closed",
        }
    }
}

impl FromStr for RoundState {
    type Err = Invalid;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [
            RoundState::Draft,
            RoundState::Answering,
            RoundState::Revealed,
            RoundState::Closed,
        ]
        .into_iter()
        .find(|state| state.as_str() == s)
        .ok_or_else(|| Invalid::new("state", format!("unknown round state {s:?}")))
    }
}

/// The leader's reading of one question for one participant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Flag {
    /// Both mean the same.
    Aligned,
    /// Overlap with differences.
    Partly,
    /// They read the vision differently.
    Misaligned,
}

impl Flag {
    /// Every flag.
    pub const ALL: [Flag; 3] = [Flag::Aligned, Flag::Partly, Flag::Misaligned];

    /// Stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Flag::Aligned => "aligned",
            Flag::Partly => "partly",
            Flag::Misaligned => "misaligned",
        }
    }

    /// Spelling shown to people.
    pub fn label(self) -> &'static str {
        match self {
            Flag::Aligned => "Aligned",
            Flag::Partly => "Partly aligned",
            Flag::Misaligned => "Misaligned",
        }
    }
}

impl fmt::Display for Flag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

impl FromStr for Flag {
    type Err = Invalid;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Flag::ALL
            .into_iter()
            .find(|flag| flag.as_str() == s)
            .ok_or_else(|| Invalid::new("flag", format!("unknown flag {s:?}")))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_new_round_may_be_due_today_but_not_yesterday() {
        let now = super::EARLIEST_DUE_AT + 20 * super::DAY_MS + 15 * 3_600_000;
        let today = now - now % super::DAY_MS;
        assert_eq!(
            super::new_due_at("due_at", Some(today), now),
            Ok(Some(today))
        );
        assert!(super::new_due_at("due_at", Some(today - 1), now).is_err());
        assert_eq!(super::new_due_at("due_at", None, now), Ok(None));
    }

    #[test]
    fn a_round_is_overdue_once_its_due_day_has_ended_and_only_while_answering() {
        use super::RoundState::*;
        let day = super::EARLIEST_DUE_AT + 20 * super::DAY_MS;
        let evening = day + 23 * 3_600_000;
        assert!(!super::is_overdue(Answering, Some(day), evening));
        assert!(super::is_overdue(Answering, Some(day), day + super::DAY_MS));
        assert!(super::is_overdue(Draft, Some(day), day + 2 * super::DAY_MS));
        assert!(!super::is_overdue(
            Revealed,
            Some(day),
            day + 2 * super::DAY_MS
        ));
        assert!(!super::is_overdue(Answering, None, evening));
    }

    use super::*;

    #[test]
    fn due_dates_outside_the_calendar_are_refused() {
        for bad in [
            i64::MIN,
            -1,
            0,
            EARLIEST_DUE_AT - 1,
            LATEST_DUE_AT + 1,
            i64::MAX,
        ] {
            assert_eq!(due_at("due_at", Some(bad)).unwrap_err().field, "due_at");
        }
        for good in [EARLIEST_DUE_AT, 1_800_000_000_000, LATEST_DUE_AT] {
            assert_eq!(due_at("due_at", Some(good)), Ok(Some(good)));
        }
        assert_eq!(due_at("due_at", None), Ok(None));
    }

    #[test]
    fn states_and_flags_round_trip() {
        for state in [
            RoundState::Draft,
            RoundState::Answering,
            RoundState::Revealed,
            RoundState::Closed,
        ] {
            assert_eq!(state.as_str().parse::<RoundState>().unwrap(), state);
        }
        for flag in Flag::ALL {
            assert_eq!(flag.as_str().parse::<Flag>().unwrap(), flag);
        }
        assert!(!RoundState::Answering.is_revealed());
        assert!(RoundState::Closed.is_revealed());
    }
}
