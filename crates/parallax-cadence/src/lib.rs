//! When a workspace's rounds recur.
//!
//! A cadence is an RFC 5545 recurrence rule (`FREQ=MONTHLY;INTERVAL=3`, or
//! a preset) anchored at a first date and a local time in an IANA time zone:
//! every occurrence opens at that local time, so a round due at 09:00 in
//! Berlin stays at 09:00 across daylight-saving changes. Occurrences are
//! Unix milliseconds (UTC); skipped and moved occurrences are applied by
//! [`Schedule::upcoming`].

use std::str::FromStr;

use chrono::{NaiveDate, NaiveTime, TimeZone, Utc};
use rrule::{RRuleSet, Tz};

/// Why a cadence cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CadenceError {
    /// The time zone is not an IANA name.
    #[error("“{0}” is not a time zone name such as Europe/Berlin")]
    TimeZone(String),
    /// The first date is not YYYY-MM-DD.
    #[error("“{0}” is not a date (YYYY-MM-DD)")]
    Date(String),
    /// The time is not HH:MM.
    #[error("“{0}” is not a time of day (HH:MM)")]
    Time(String),
    /// The rule does not parse or never occurs.
    #[error("the recurrence rule is not usable: {0}")]
    Rule(String),
}

/// Preset rules.
pub const QUARTERLY: &str = "FREQ=MONTHLY;INTERVAL=3";
/// Twice a year.
pub const TWICE_A_YEAR: &str = "FREQ=MONTHLY;INTERVAL=6";

/// A parsed cadence.
#[derive(Debug, Clone)]
pub struct Schedule {
    set: RRuleSet,
    tz: chrono_tz::Tz,
    rule: String,
}

/// One occurrence as a leader reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Occurrence {
    /// When the rule puts it, Unix ms: the key for skipping or moving it.
    pub planned_at: i64,
    /// When it opens (moved or not), Unix ms.
    pub at: i64,
    /// Whether it was moved.
    pub moved: bool,
    /// Local date and time with the zone, e.g. "Mon 2027-01-04 09:00 Europe/Berlin".
    pub local: String,
}

impl Schedule {
    /// Parses `rule` (with or without the `RRULE:` prefix) anchored at
    /// `first` (YYYY-MM-DD) at `time` (HH:MM) in `time_zone`.
    pub fn parse(
        rule: &str,
        time_zone: &str,
        first: &str,
        time: &str,
    ) -> Result<Schedule, CadenceError> {
        let tz: chrono_tz::Tz = chrono_tz::Tz::from_str(time_zone.trim())
            .map_err(|_| CadenceError::TimeZone(time_zone.to_owned()))?;
        let date = NaiveDate::parse_from_str(first.trim(), "%Y-%m-%d")
            .map_err(|_| CadenceError::Date(first.to_owned()))?;
        let at = NaiveTime::parse_from_str(time.trim(), "%H:%M")
            .map_err(|_| CadenceError::Time(time.to_owned()))?;
        let rule = rule.trim().trim_start_matches("RRULE:").trim().to_owned();
        if rule.contains(['\n', '\r']) || rule.is_empty() {
            return Err(CadenceError::Rule(
                "one RRULE line, e.g. FREQ=MONTHLY;INTERVAL=3".into(),
            ));
        }
        let local = date.and_time(at);
        let text = format!(
            "DTSTART;TZID={}:{}\nRRULE:{rule}",
            tz.name(),
            local.format("%Y%m%dT%H%M%S")
        );
        let set = RRuleSet::from_str(&text).map_err(|e| CadenceError::Rule(e.to_string()))?;
        Ok(Schedule { set, tz, rule })
    }

    /// The rule as stored.
    pub fn rule(&self) -> &str {
        &self.rule
    }

    /// The zone's IANA name.
    pub fn time_zone(&self) -> &str {
        self.tz.name()
    }

    /// The rule's occurrences after `after` (Unix ms), at most `limit`.
    pub fn after(&self, after: i64, limit: usize) -> Vec<i64> {
        let after = Utc
            .timestamp_millis_opt(after)
            .single()
            .unwrap_or_default()
            .with_timezone(&Tz::UTC);
        self.set
            .clone()
            .after(after)
            .into_iter()
            .filter(|t| t.timestamp_millis() > after.timestamp_millis())
            .take(limit)
            .map(|t| t.timestamp_millis())
            .collect()
    }

    /// The next `count` occurrences after `after` as they will open:
    /// `skipped` ones (planned times) left out, `moved` ones (planned, new
    /// time) at their new time, in order.
    pub fn upcoming(
        &self,
        after: i64,
        count: usize,
        skipped: &[i64],
        moved: &[(i64, i64)],
    ) -> Vec<Occurrence> {
        let mut out: Vec<Occurrence> = self
            .after(after, count + skipped.len() + moved.len() + 1)
            .into_iter()
            .filter(|planned| !skipped.contains(planned))
            .map(|planned| {
                let at = moved
                    .iter()
                    .find(|(p, _)| *p == planned)
                    .map_or(planned, |(_, to)| *to);
                Occurrence {
                    planned_at: planned,
                    at,
                    moved: at != planned,
                    local: self.local(at),
                }
            })
            .filter(|o| o.at > after)
            .collect();
        out.sort_by_key(|o| o.at);
        out.truncate(count);
        out
    }

    /// `at` in the cadence's zone: "Mon 2027-01-04 09:00 Europe/Berlin".
    pub fn local(&self, at: i64) -> String {
        Utc.timestamp_millis_opt(at)
            .single()
            .map(|t| {
                let local = t.with_timezone(&self.tz).format("%a %Y-%m-%d %H:%M");
                format!("{local} {}", self.tz.name())
            })
            .unwrap_or_default()
    }

    /// A local date and time in the cadence's zone (`YYYY-MM-DDTHH:MM`, as
    /// a `datetime-local` field sends it) as Unix ms; the earlier instant
    /// when the clock goes back, None when it does not exist there.
    pub fn local_ms(&self, local: &str) -> Option<i64> {
        let local = chrono::NaiveDateTime::parse_from_str(local.trim(), "%Y-%m-%dT%H:%M").ok()?;
        self.tz
            .from_local_datetime(&local)
            .earliest()
            .map(|t| t.timestamp_millis())
    }

    /// The month and year of `at` in the cadence's zone: "January 2027".
    pub fn month_year(&self, at: i64) -> String {
        Utc.timestamp_millis_opt(at)
            .single()
            .map(|t| t.with_timezone(&self.tz).format("%B %Y").to_string())
            .unwrap_or_default()
    }

    /// The rule in words: "every 3 months", "every week on Monday".
    pub fn describe(&self) -> String {
        let mut freq = "";
        let mut interval = 1u32;
        let mut extra = Vec::new();
        for part in self.rule.split(';') {
            let (key, value) = part.split_once('=').unwrap_or((part, ""));
            match key.to_ascii_uppercase().as_str() {
                "FREQ" => {
                    freq = match value.to_ascii_uppercase().as_str() {
                        "YEARLY" => "year",
                        "MONTHLY" => "month",
                        "WEEKLY" => "week",
                        "DAILY" => "day",
                        _ => "time",
                    }
                }
                "INTERVAL" => interval = value.parse().unwrap_or(1),
                "COUNT" => extra.push(format!("{value} times in all")),
                "UNTIL" => extra.push(format!("until {value}")),
                "BYDAY" => extra.push(format!("on {value}")),
                "BYMONTHDAY" => extra.push(format!("on day {value} of the month")),
                "BYMONTH" => extra.push(format!("in month {value}")),
                _ => {}
            }
        }
        let every = if interval == 1 {
            format!("every {freq}")
        } else {
            format!("every {interval} {freq}s")
        };
        std::iter::once(every)
            .chain(extra)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(y: i32, m: u32, d: u32, h: u32, min: u32) -> i64 {
        Utc.with_ymd_and_hms(y, m, d, h, min, 0)
            .unwrap()
            .timestamp_millis()
    }

    #[test]
    fn quarterly_rounds_open_at_the_same_local_time_across_daylight_saving() {
        let s = Schedule::parse(QUARTERLY, "Europe/Berlin", "2027-01-04", "09:00").unwrap();
        let next = s.upcoming(ms(2026, 12, 1, 0, 0), 5, &[], &[]);
        let at: Vec<i64> = next.iter().map(|o| o.at).collect();
        // 09:00 in Berlin is 08:00 UTC in winter and 07:00 UTC in summer.
        assert_eq!(
            at,
            [
                ms(2027, 1, 4, 8, 0),
                ms(2027, 4, 4, 7, 0),
                ms(2027, 7, 4, 7, 0),
                ms(2027, 10, 4, 7, 0),
                ms(2028, 1, 4, 8, 0)
            ]
        );
        assert_eq!(next[1].local, "Sun 2027-04-04 09:00 Europe/Berlin");
        assert_eq!(s.describe(), "every 3 months");
        assert_eq!(s.month_year(next[0].at), "January 2027");
        assert_eq!(s.local_ms("2027-04-04T09:00"), Some(next[1].at));
        assert_eq!(
            s.local_ms("2027-03-28T02:30"),
            None,
            "the hour the clocks skip"
        );
    }

    #[test]
    fn skipped_and_moved_occurrences_leave_the_rest_alone() {
        let s = Schedule::parse(TWICE_A_YEAR, "America/New_York", "2027-03-01", "10:30").unwrap();
        let all = s.upcoming(ms(2027, 1, 1, 0, 0), 3, &[], &[]);
        let moved_to = all[1].planned_at + 7 * 24 * 3600 * 1000;
        let changed = s.upcoming(
            ms(2027, 1, 1, 0, 0),
            3,
            &[all[0].planned_at],
            &[(all[1].planned_at, moved_to)],
        );
        assert_eq!(changed[0].at, moved_to);
        assert!(changed[0].moved);
        assert_eq!(changed[1].at, all[2].at);
        assert_eq!(changed.len(), 3);
    }

    #[test]
    fn bad_input_names_what_is_wrong() {
        assert_eq!(
            Schedule::parse(QUARTERLY, "Mars/Olympus", "2027-01-04", "09:00").unwrap_err(),
            CadenceError::TimeZone("Mars/Olympus".into())
        );
        assert!(matches!(
            Schedule::parse("FREQ=SOMETIMES", "UTC", "2027-01-04", "09:00"),
            Err(CadenceError::Rule(_))
        ));
        assert!(matches!(
            Schedule::parse(QUARTERLY, "UTC", "04/01/2027", "09:00"),
            Err(CadenceError::Date(_))
        ));
        assert!(matches!(
            Schedule::parse(QUARTERLY, "UTC", "2027-01-04", "9 o'clock"),
            Err(CadenceError::Time(_))
        ));
        assert!(matches!(
            Schedule::parse(
                "FREQ=DAILY\nRRULE:FREQ=YEARLY",
                "UTC",
                "2027-01-04",
                "09:00"
            ),
            Err(CadenceError::Rule(_))
        ));
    }
}
