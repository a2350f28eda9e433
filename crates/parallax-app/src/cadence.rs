//! A workspace's cadence: rounds that open by themselves on a recurring
//! date, with the same participants, answering window and listening-session
//! offset. The scheduler takes its time as an argument
//! ([`App::run_cadences`]), so tests can run a year of rounds in seconds.

use parallax_cadence::Schedule;
use parallax_store::{CadenceRecord, CadenceWrite, StoreError, as_of};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::policy::{self, Permission};
use crate::rounds::NewRound;
use crate::{Actor, App, AppError, Result};

const DAY_MS: i64 = 24 * 3600 * 1000;
/// How many occurrences the cadence page previews.
pub const PREVIEW: usize = 5;

/// What a leader sets.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CadenceInput {
    /// `quarterly`, `twice_a_year`, or an RFC 5545 rule such as
    /// `FREQ=MONTHLY;INTERVAL=4;BYDAY=1MO`.
    pub rule: String,
    /// IANA time zone, e.g. `Europe/Berlin`.
    pub time_zone: String,
    /// The first round's date, YYYY-MM-DD.
    pub first_date: String,
    /// When rounds open, local HH:MM.
    pub local_time: String,
    /// Days to answer (1–90).
    pub answer_days: i64,
    /// Days from the due date to the listening session (0–60), if planned.
    #[serde(default)]
    pub session_days: Option<i64>,
    /// Who answers besides the leader.
    #[serde(default)]
    pub participants: Vec<i64>,
    /// The version replaced; none for a first cadence.
    #[serde(default)]
    pub version: Option<i64>,
}

/// One coming occurrence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct OccurrenceView {
    /// When the rule puts it, Unix ms: name it to skip or move it.
    pub planned_at: i64,
    /// When it opens, Unix ms.
    pub at: i64,
    /// Whether it was moved.
    pub moved: bool,
    /// In the cadence's zone, e.g. "Mon 2027-01-04 09:00 Europe/Berlin".
    pub local: String,
}

/// The cadence as the page and the API show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CadenceView {
    /// Whether the caller may change it.
    pub can_manage: bool,
    /// The settings, when there is a cadence.
    pub settings: Option<CadenceRecord>,
    /// The rule in words, e.g. "every 3 months".
    pub in_words: Option<String>,
    /// The next occurrences as they will open (skips and moves applied).
    pub next: Vec<OccurrenceView>,
    /// Skipped occurrences still ahead, by planned time.
    pub skipped: Vec<OccurrenceView>,
    /// People in the cadence who are no longer members: the next rounds go
    /// without them.
    pub left: Vec<i64>,
}

/// A change to one occurrence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "change", rename_all = "snake_case", deny_unknown_fields)]
pub enum OccurrenceChange {
    /// Leave this one out.
    Skip {
        /// Its planned time.
        planned_at: i64,
    },
    /// Open it at another time.
    Move {
        /// Its planned time.
        planned_at: i64,
        /// The new time, Unix ms, in the future.
        to: i64,
    },
    /// Undo a skip or a move.
    Restore {
        /// Its planned time.
        planned_at: i64,
    },
}

fn schedule_of(c: &CadenceRecord) -> Result<Schedule> {
    Schedule::parse(&c.rule, &c.time_zone, &c.first_date, &c.local_time)
        .map_err(|e| AppError::Internal(format!("stored cadence does not parse: {e}")))
}

/// A `datetime-local` value (`YYYY-MM-DDTHH:MM`) in `settings`' zone as Unix ms.
pub fn local_moment(settings: &CadenceRecord, local: &str) -> Result<i64> {
    let schedule = Schedule::parse(
        &settings.rule,
        &settings.time_zone,
        &settings.first_date,
        &settings.local_time,
    )
    .map_err(|e| AppError::Internal(e.to_string()))?;
    schedule.local_ms(local).ok_or_else(|| {
        AppError::invalid(
            "to",
            format!(
                "use a date and time like 2027-04-06T09:00 ({})",
                settings.time_zone
            ),
        )
    })
}

/// The presets by the names forms and the API use.
const PRESETS: [(&str, &str); 2] = [
    ("quarterly", parallax_cadence::QUARTERLY),
    ("twice_a_year", parallax_cadence::TWICE_A_YEAR),
];

fn rule_of(input: &str) -> String {
    let input = input.trim();
    PRESETS.iter().find(|(name, _)| *name == input).map_or_else(
        || input.trim_start_matches("RRULE:").trim().to_owned(),
        |(_, rule)| (*rule).to_owned(),
    )
}

/// The preset name of a stored rule (`quarterly`), or the rule itself.
pub fn preset_of(rule: &str) -> &str {
    PRESETS
        .iter()
        .find(|(_, r)| *r == rule)
        .map_or(rule, |(name, _)| name)
}

impl App {
    async fn changes(&self, workspace_id: i64) -> Result<(Vec<i64>, Vec<(i64, i64)>)> {
        let mut skipped = Vec::new();
        let mut moved = Vec::new();
        for (planned, to) in self.store().occurrence_changes(workspace_id).await? {
            match to {
                Some(to) => moved.push((planned, to)),
                None => skipped.push(planned),
            }
        }
        Ok((skipped, moved))
    }

    /// The workspace's cadence and its next occurrences.
    pub async fn cadence(&self, actor: &Actor, workspace_id: i64) -> Result<CadenceView> {
        let role = self
            .authorize(actor, workspace_id, Permission::ViewWorkspace)
            .await?;
        let can_manage = policy::role_allows(role, Permission::ManageRounds);
        let Some(c) = self.store().cadence(workspace_id).await? else {
            return Ok(CadenceView {
                can_manage,
                settings: None,
                in_words: None,
                next: Vec::new(),
                skipped: Vec::new(),
                left: Vec::new(),
            });
        };
        let schedule = schedule_of(&c)?;
        let (skipped, moved) = self.changes(workspace_id).await?;
        let now = parallax_store::now_ms();
        let view = |o: parallax_cadence::Occurrence| OccurrenceView {
            planned_at: o.planned_at,
            at: o.at,
            moved: o.moved,
            local: o.local,
        };
        let members = self.store().members(workspace_id).await?;
        Ok(CadenceView {
            can_manage,
            in_words: Some(schedule.describe()),
            next: schedule
                .upcoming(now, PREVIEW, &skipped, &moved)
                .into_iter()
                .map(view)
                .collect(),
            skipped: schedule
                .after(now, 64)
                .into_iter()
                .filter(|p| skipped.contains(p))
                .map(|p| OccurrenceView {
                    planned_at: p,
                    at: p,
                    moved: false,
                    local: schedule.local(p),
                })
                .collect(),
            left: c
                .participants
                .iter()
                .copied()
                .filter(|id| !members.iter().any(|m| m.user_id == *id))
                .collect(),
            settings: Some(c),
        })
    }

    /// Sets the workspace's cadence (owners and leaders).
    pub async fn set_cadence(
        &self,
        actor: &Actor,
        workspace_id: i64,
        input: &CadenceInput,
    ) -> Result<CadenceView> {
        self.authorize(actor, workspace_id, Permission::ManageRounds)
            .await?;
        let rule = rule_of(&input.rule);
        let schedule = Schedule::parse(
            &rule,
            &input.time_zone,
            &input.first_date,
            &input.local_time,
        )
        .map_err(|e| {
            let field = match e {
                parallax_cadence::CadenceError::TimeZone(_) => "time_zone",
                parallax_cadence::CadenceError::Date(_) => "first_date",
                parallax_cadence::CadenceError::Time(_) => "local_time",
                parallax_cadence::CadenceError::Rule(_) => "rule",
            };
            AppError::invalid(field, e)
        })?;
        if schedule.after(parallax_store::now_ms(), 1).is_empty() {
            return Err(AppError::invalid(
                "rule",
                "the rule has no occurrence after today",
            ));
        }
        if !(1..=90).contains(&input.answer_days) {
            return Err(AppError::invalid("answer_days", "must be 1 to 90 days"));
        }
        if input.session_days.is_some_and(|d| !(0..=60).contains(&d)) {
            return Err(AppError::invalid(
                "session_days",
                "must be 0 to 60 days after the due date",
            ));
        }
        let mut participants = self
            .eligible_participants(workspace_id, actor.id(), &input.participants)
            .await?;
        participants.retain(|id| *id != actor.id());
        let write = CadenceWrite {
            rule: &rule,
            time_zone: schedule.time_zone(),
            first_date: input.first_date.trim(),
            local_time: input.local_time.trim(),
            answer_days: input.answer_days,
            session_days: input.session_days,
            participants: &participants,
            expected_version: input.version,
        };
        match self
            .store()
            .set_cadence(workspace_id, actor.id(), &write)
            .await
        {
            Err(StoreError::Conflict) => {
                return Err(AppError::Conflict(
                    "someone changed the cadence meanwhile; reload to see it".into(),
                ));
            }
            other => other?,
        };
        self.store()
            .audit(
                Some(workspace_id),
                Some(actor.id()),
                "cadence.set",
                &schedule.describe(),
            )
            .await?;
        self.cadence(actor, workspace_id).await
    }

    /// Removes the cadence: no more rounds open by themselves.
    pub async fn remove_cadence(&self, actor: &Actor, workspace_id: i64) -> Result<()> {
        self.authorize(actor, workspace_id, Permission::ManageRounds)
            .await?;
        if self.store().delete_cadence(workspace_id).await? {
            self.store()
                .audit(Some(workspace_id), Some(actor.id()), "cadence.removed", "")
                .await?;
        }
        Ok(())
    }

    /// Skips, moves or restores one coming occurrence; the others stay.
    pub async fn change_occurrence(
        &self,
        actor: &Actor,
        workspace_id: i64,
        change: OccurrenceChange,
    ) -> Result<CadenceView> {
        self.authorize(actor, workspace_id, Permission::ManageRounds)
            .await?;
        let c = self
            .store()
            .cadence(workspace_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let schedule = schedule_of(&c)?;
        let now = parallax_store::now_ms();
        let planned = match change {
            OccurrenceChange::Skip { planned_at }
            | OccurrenceChange::Move { planned_at, .. }
            | OccurrenceChange::Restore { planned_at } => planned_at,
        };
        if !schedule.after(now, 64).contains(&planned) {
            return Err(AppError::invalid(
                "planned_at",
                "is not one of the cadence's coming occurrences",
            ));
        }
        match change {
            OccurrenceChange::Skip { .. } => {
                self.store()
                    .change_occurrence(workspace_id, planned, None)
                    .await?
            }
            OccurrenceChange::Move { to, .. } => {
                if to <= now {
                    return Err(AppError::invalid("to", "must be in the future"));
                }
                self.store()
                    .change_occurrence(workspace_id, planned, Some(to))
                    .await?
            }
            OccurrenceChange::Restore { .. } => {
                self.store()
                    .restore_occurrence(workspace_id, planned)
                    .await?
            }
        }
        self.cadence(actor, workspace_id).await
    }

    /// Opens every cadence round due at `now` (Unix ms): the newest due
    /// occurrence of each cadence, on the vision's current version, with the
    /// cadence's participants who are still members, sent at once. Older
    /// due occurrences (the server was down) are recorded as missed. Each
    /// occurrence is claimed once across instances. Returns the rounds
    /// opened.
    pub async fn run_cadences(&self, now: i64) -> Result<Vec<i64>> {
        as_of(now, self.open_due_rounds(now)).await
    }

    async fn open_due_rounds(&self, now: i64) -> Result<Vec<i64>> {
        let mut opened = Vec::new();
        for c in self.store().cadences().await? {
            let schedule = match schedule_of(&c) {
                Ok(s) => s,
                Err(err) => {
                    tracing::error!(workspace_id = c.workspace_id, error = %err, "cadence skipped");
                    continue;
                }
            };
            let (skipped, moved) = self.changes(c.workspace_id).await?;
            let taken: Vec<i64> = self
                .store()
                .cadence_runs(c.workspace_id)
                .await?
                .into_iter()
                .map(|(planned, _)| planned)
                .collect();
            let due: Vec<_> = schedule
                .upcoming(c.updated_at, 256, &skipped, &moved)
                .into_iter()
                .take_while(|o| o.at <= now)
                .filter(|o| !taken.contains(&o.planned_at))
                .collect();
            let Some((newest, missed)) = due.split_last() else {
                continue;
            };
            for o in missed {
                self.store()
                    .claim_occurrence(c.workspace_id, o.planned_at)
                    .await?;
            }
            if !self
                .store()
                .claim_occurrence(c.workspace_id, newest.planned_at)
                .await?
            {
                continue;
            }
            match self.open_cadence_round(&c, &schedule, newest.at).await {
                Ok(round_id) => {
                    self.store()
                        .record_run(c.workspace_id, newest.planned_at, round_id)
                        .await?;
                    opened.push(round_id);
                }
                Err(err) => tracing::error!(
                    workspace_id = c.workspace_id,
                    error = %err,
                    "the cadence's round could not be opened"
                ),
            }
        }
        Ok(opened)
    }

    async fn open_cadence_round(
        &self,
        c: &CadenceRecord,
        schedule: &Schedule,
        at: i64,
    ) -> Result<i64> {
        let leader = c
            .updated_by
            .ok_or_else(|| AppError::Conflict("nobody runs this cadence any more".into()))?;
        let actor = Actor {
            user: self.store().user(leader).await?,
        };
        let members = self.store().members(c.workspace_id).await?;
        let participants: Vec<i64> = c
            .participants
            .iter()
            .copied()
            .filter(|id| members.iter().any(|m| m.user_id == *id))
            .collect();
        if participants.len() < c.participants.len() {
            self.store()
                .audit(
                    Some(c.workspace_id),
                    Some(leader),
                    "cadence.participants_left",
                    &format!(
                        "{} no longer members",
                        c.participants.len() - participants.len()
                    ),
                )
                .await?;
        }
        let due = at + c.answer_days * DAY_MS;
        let round = self
            .create_round(
                &actor,
                c.workspace_id,
                &NewRound {
                    title: format!("{} alignment", schedule.month_year(at)),
                    participants,
                    due_at: Some(due),
                },
            )
            .await?;
        self.send_round(&actor, c.workspace_id, round.id).await?;
        if let Some(days) = c.session_days {
            self.store()
                .set_session_at(round.id, Some(due + days * DAY_MS))
                .await?;
        }
        Ok(round.id)
    }

    /// Runs the scheduler until the process ends: every minute, the rounds
    /// due now.
    pub async fn run_scheduler(self) {
        loop {
            if let Err(err) = self.run_cadences(parallax_store::now_ms()).await {
                tracing::warn!(error = %err, "the scheduler could not run");
            }
            tokio::time::sleep(std::time::Duration::from_secs(60)).await;
        }
    }
}
