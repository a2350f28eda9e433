//! The demo workspace of the quick start: a leader and a technical lead
//! half a year into using Parallax, so a first visit shows the product — not
//! empty pages. Spring's round found three gaps; decisions and actions
//! followed; summer's round shows the customer question and the targets
//! aligned while the priorities still split (a pattern across two rounds);
//! both rounds are closed, and winter's is open now and waits for both
//! answers; a quarterly cadence opens the next ones. Each step is written at
//! the time it happened, months apart.

use parallax_app::accounts::SignUp;
use parallax_app::cadence::CadenceInput;
use parallax_app::gaps::{GapEdit, NewAction, NewGapInput};
use parallax_app::rounds::{NewRound, VisionEdit};
use parallax_app::{Actor, App};
use parallax_domain::gap::{ActionKind, ActionStatus, GapStatus, Severity};
use parallax_domain::round::Flag;
use parallax_domain::vision::{AnswerValue, Pillar};
use parallax_domain::workspace::Role;
use parallax_store::{NoteWrite, RoundRecord, as_of, now_ms};

/// A demo login printed at start-up.
#[derive(Debug, Clone)]
pub struct DemoLogin {
    /// What the person does.
    pub role: &'static str,
    /// E-mail to sign in with.
    pub email: &'static str,
    /// Password to sign in with.
    pub password: &'static str,
}

/// The demo logins.
pub const LOGINS: [DemoLogin; 2] = [
    DemoLogin {
        role: "leader (owner)",
        email: "lena@demo.example",
        password: "northwind-vision-2030",
    },
    DemoLogin {
        role: "technical lead",
        email: "tom@demo.example",
        password: "northwind-build-2030",
    },
];

/// One round of the story: what each side answered and how the leader
/// flagged it in the listening session.
struct Chapter {
    title: &'static str,
    /// (question key, leader's answer, technical lead's answer) for the
    /// free-text questions.
    answers: [(&'static str, &'static str, &'static str); 6],
    /// The leader's and the technical lead's ranking of the priorities.
    priorities: [[&'static str; 7]; 2],
    /// (question key, flag, note) from the listening session.
    notes: &'static [(&'static str, Flag, &'static str)],
}

const SPRING: Chapter = Chapter {
    title: "Spring 2026 alignment",
    answers: [
        (
            "ideal-customer",
            "Independent physiotherapy and sports-medicine clinics with 3 to 15 practitioners in Germany and Austria. They lose hours every week to scheduling, no-shows and insurance paperwork, and they have no IT staff. They want something that works on the front-desk PC and on the practitioner's phone.",
            "Clinic groups with 20 or more locations that need central scheduling integrated with the practice management software they already run. They have an IT department that can own integrations, and they care about single sign-on, audit logs and an API.",
        ),
        (
            "why-us",
            "We are the only scheduling tool built for small clinics that a receptionist can set up in an afternoon, and our automatic reminders cut no-shows in half. The big platforms are built for doctors' offices and feel heavy and expensive for a five-person practice.",
            "Our integrations: we sync in real time with the three biggest practice management systems, which the big platforms do not. Reliability is the other reason: 99.9% uptime and never a double booking.",
        ),
        (
            "feeling",
            "Relief. The clinic owner should feel that Monday mornings are calm: the day is planned, patients show up, and nobody at the front desk spends the morning on the phone rescheduling.",
            "Confidence that the data is right: the schedule always matches the practice management system, so practitioners trust it enough to stop keeping paper lists.",
        ),
        (
            "horizon-3",
            "1,000 paying clinics in the DACH region, 4 million euros in annual recurring revenue, a team of 35, and a mobile app for patients to book and cancel.",
            "300 clinics, mostly larger groups, around 2 million euros ARR, a team of 20 with a platform team of 6, and an open API that partners build on.",
        ),
        (
            "horizon-5",
            "The default booking tool for small clinics in Germany, Austria and Switzerland, expanding into the Netherlands, with 3,000 clinics.",
            "A scheduling platform with a partner ecosystem: 40 integrations, available in three countries, ISO 27001 certified.",
        ),
        (
            "horizon-10",
            "The company that small healthcare practices in Europe think of first when they think of running their day, known for simplicity.",
            "The infrastructure layer for appointment data in European outpatient care, known for reliability and openness.",
        ),
    ],
    priorities: [
        [
            "Growth",
            "User experience",
            "Speed of delivery",
            "Revenue",
            "Reliability",
            "Cost",
            "Security and compliance",
        ],
        [
            "Reliability",
            "Security and compliance",
            "User experience",
            "Speed of delivery",
            "Growth",
            "Revenue",
            "Cost",
        ],
    ],
    notes: &[
        (
            "ideal-customer",
            Flag::Misaligned,
            "Small independent clinics vs large groups with IT departments. Decide who we build for first.",
        ),
        (
            "why-us",
            Flag::Partly,
            "Both say reliability of the schedule matters; Tom leads with integrations, I lead with set-up time.",
        ),
        (
            "feeling",
            Flag::Aligned,
            "Calm and trust are the same thing seen from two sides.",
        ),
        (
            "horizon-3",
            Flag::Misaligned,
            "1,000 vs 300 clinics, 4M vs 2M ARR, 35 vs 20 people.",
        ),
        (
            "priorities",
            Flag::Misaligned,
            "Growth first vs reliability first. Security is last for me, second for Tom.",
        ),
    ],
};

/// Three months on: the customer decision has landed in Tom's answers, the
/// targets meet, the priorities moved but still split. Some answers stay as
/// they were, as they do.
const SUMMER: Chapter = Chapter {
    title: "Summer 2026 alignment",
    answers: [
        (
            "ideal-customer",
            "Small independent clinics, physiotherapy and sports medicine with 3 to 15 practitioners, in Germany and Austria and without IT staff. Clinic groups follow from 2028, once single sign-on and the partner API are ready.",
            "Small independent clinics first: 3 to 15 practitioners, no IT department, in Germany and Austria. Clinic groups with 20 or more locations come in 2028, when single sign-on and the API are ready for them.",
        ),
        (
            "why-us",
            "A receptionist sets us up in an afternoon and our reminders halve no-shows. And the schedule is always right: since the release reviews began we have not had a double booking.",
            "Set-up in an afternoon without IT, and a schedule that is always right: it syncs in real time with the big practice management systems and has never double-booked.",
        ),
        (
            "feeling",
            "Relief. The clinic owner should feel that Monday mornings are calm: the day is planned, patients show up, and nobody at the front desk spends the morning on the phone rescheduling.",
            "Calm, because the front desk trusts the schedule: nobody keeps paper lists any more or spends the morning rescheduling.",
        ),
        (
            "horizon-3",
            "1,000 paying clinics in Germany and Austria, 4 million euros ARR, a team of 32 with a small platform team, and a patient app for booking and cancelling.",
            "About a thousand clinics, nearly all of them small practices, close to 4 million euros of recurring revenue, and 30 to 35 people including a platform team of 5.",
        ),
        (
            "horizon-5",
            "The default booking tool for small clinics in Germany, Austria and Switzerland, expanding into the Netherlands, with 3,000 clinics.",
            "3,000 clinics across Germany, Austria and Switzerland, the partner API open to the first clinic groups, and ISO 27001 certified.",
        ),
        (
            "horizon-10",
            "The company that small healthcare practices in Europe think of first when they think of running their day, known for simplicity.",
            "What outpatient practices across Europe reach for first to run their day: simple on the surface, reliable and open underneath.",
        ),
    ],
    priorities: [
        [
            "Growth",
            "Reliability",
            "User experience",
            "Speed of delivery",
            "Revenue",
            "Security and compliance",
            "Cost",
        ],
        [
            "Reliability",
            "Growth",
            "Security and compliance",
            "User experience",
            "Speed of delivery",
            "Revenue",
            "Cost",
        ],
    ],
    notes: &[
        (
            "ideal-customer",
            Flag::Aligned,
            "Tom now names small clinics first and groups from 2028: the decision landed.",
        ),
        (
            "why-us",
            Flag::Aligned,
            "Set-up time and a schedule that is always right, for both of us.",
        ),
        (
            "horizon-3",
            Flag::Aligned,
            "Both around 1,000 clinics and 4M ARR; 32 vs 30 to 35 people.",
        ),
        (
            "priorities",
            Flag::Misaligned,
            "Growth moved up for Tom, but reliability still comes first for him.",
        ),
    ],
};

const DAY_MS: i64 = 24 * 3600 * 1000;

/// The time `days` days before now.
fn days_ago(days: i64) -> i64 {
    now_ms() - days * DAY_MS
}

/// Creates the demo workspace when the instance has no account yet; returns
/// whether it did.
pub async fn seed(app: &App) -> anyhow::Result<bool> {
    if !app.is_fresh().await? {
        return Ok(false);
    }
    let (leader, tech, w) = as_of(days_ago(200), people(app)).await?;
    let spring = answered_round(app, &leader, &tech, w, &SPRING, 190).await?;
    as_of(days_ago(177), async {
        let asked = app
            .ask_clarification(
                &leader,
                w,
                spring.id,
                "horizon-3",
                tech.id(),
                "Where does the 300 come from: sales capacity or product readiness?",
            )
            .await?;
        app.answer_clarification(&tech, w, spring.id, asked, "Product readiness. Groups need single sign-on and the API before they buy; small clinics could come sooner.")
            .await
    })
    .await?;
    let customer = spring_register(app, &leader, &tech, w, spring.id).await?;
    as_of(days_ago(168), app.close_round(&leader, w, spring.id)).await?;
    let summer = answered_round(app, &leader, &tech, w, &SUMMER, 100).await?;
    summer_register(app, &leader, &tech, w, summer.id, customer).await?;
    as_of(days_ago(85), app.close_round(&leader, w, summer.id)).await?;
    as_of(days_ago(3), async {
        let winter = app
            .create_round(
                &leader,
                w,
                &NewRound {
                    title: "Winter 2026 alignment".into(),
                    participants: vec![tech.id()],
                    due_at: Some(now_ms() + 14 * DAY_MS),
                },
            )
            .await?;
        app.send_round(&leader, w, winter.id).await
    })
    .await?;
    // The quarterly cadence the winter round began: the next ones open by
    // themselves, three months apart.
    let first_date = time::OffsetDateTime::from_unix_timestamp(days_ago(3) / 1000)?
        .date()
        .format(time::macros::format_description!("[year]-[month]-[day]"))?;
    app.set_cadence(
        &leader,
        w,
        &CadenceInput {
            rule: "quarterly".into(),
            time_zone: "Europe/Berlin".into(),
            first_date,
            local_time: "09:00".into(),
            answer_days: 14,
            session_days: Some(3),
            participants: vec![tech.id()],
            version: None,
        },
    )
    .await?;
    Ok(true)
}

/// The leader, her workspace and vision, and the technical lead she invited.
async fn people(app: &App) -> anyhow::Result<(Actor, Actor, i64)> {
    let (leader, workspace) = app
        .sign_up(&SignUp {
            name: "Lena Ortiz".into(),
            email: LOGINS[0].email.into(),
            password: LOGINS[0].password.into(),
            workspace: "Northwind Clinics".into(),
        })
        .await?;
    let leader = Actor { user: leader.user };
    let w = workspace.id;
    let (_, secret) = app.create_invite(&leader, w, Role::TechLead).await?;
    let (tech, _) = app
        .sign_up_by_invite(&secret, "Tom Becker", LOGINS[1].email, LOGINS[1].password)
        .await?;
    let tech = Actor { user: tech.user };
    set_pillars(
        app,
        &leader,
        w,
        "A receptionist sets it up in an afternoon; no IT needed.",
    )
    .await?;
    Ok((leader, tech, w))
}

async fn set_pillars(app: &App, leader: &Actor, w: i64, effortless: &str) -> anyhow::Result<()> {
    let vision = app.vision(leader, w).await?.vision;
    let pillars = vec![
        Pillar::new("Effortless for small clinics", effortless, 40)?,
        Pillar::new(
            "Fewer no-shows",
            "Reminders and easy rescheduling keep the day full.",
            35,
        )?,
        Pillar::new(
            "Trustworthy schedule",
            "The schedule is always right and always up.",
            25,
        )?,
    ];
    app.edit_vision(leader, w, vision.version, VisionEdit::SetPillars(pillars))
        .await?;
    Ok(())
}

/// Sends a round `sent` days ago; both answer over the following days,
/// submit, and the leader reveals it after ten days and holds the listening
/// session the day after.
async fn answered_round(
    app: &App,
    leader: &Actor,
    tech: &Actor,
    w: i64,
    chapter: &Chapter,
    sent: i64,
) -> anyhow::Result<RoundRecord> {
    let round = as_of(days_ago(sent), async {
        let round = app
            .create_round(
                leader,
                w,
                &NewRound {
                    title: chapter.title.into(),
                    participants: vec![tech.id()],
                    due_at: Some(now_ms() + 14 * DAY_MS),
                },
            )
            .await?;
        app.send_round(leader, w, round.id).await?;
        anyhow::Ok(round)
    })
    .await?;
    let [mine, theirs] = chapter.priorities;
    for (who, side, ranking, after) in [(leader, 0, mine, 2), (tech, 1, theirs, 6)] {
        as_of(days_ago(sent - after), async {
            for answer in chapter.answers {
                let text = if side == 0 { answer.1 } else { answer.2 };
                app.save_answer(
                    who,
                    w,
                    round.id,
                    answer.0,
                    &AnswerValue::Text(text.into()),
                    None,
                )
                .await?;
            }
            let ranking = AnswerValue::Ranking(ranking.iter().map(|s| s.to_string()).collect());
            app.save_answer(who, w, round.id, "priorities", &ranking, None)
                .await?;
            app.submit_answers(who, w, round.id).await?;
            anyhow::Ok(())
        })
        .await?;
    }
    as_of(
        days_ago(sent - 10),
        app.reveal_round(leader, w, round.id, false),
    )
    .await?;
    as_of(days_ago(sent - 11), async {
        for &(key, flag, body) in chapter.notes {
            let note = NoteWrite {
                question_key: key,
                participant_id: tech.id(),
                body,
                flag: Some(flag),
                shared: false,
                expected_version: None,
            };
            app.save_note(leader, w, round.id, &note).await?;
        }
        anyhow::Ok(())
    })
    .await?;
    Ok(round)
}

fn new_gap(
    round_id: i64,
    tech: &Actor,
    key: &str,
    title: &str,
    description: &str,
    severity: Severity,
) -> NewGapInput {
    NewGapInput {
        round_id,
        question_key: Some(key.into()),
        participant_id: Some(tech.id()),
        title: title.into(),
        description: description.into(),
        severity,
    }
}

/// Spring's gaps, decided within a fortnight; their actions, done over the
/// summer — all but one, still under way. Returns the customer gap.
async fn spring_register(
    app: &App,
    leader: &Actor,
    tech: &Actor,
    w: i64,
    spring: i64,
) -> anyhow::Result<i64> {
    let found = [
        (
            "ideal-customer",
            "Small clinics or clinic groups first?",
            "Lena builds for independent clinics without IT staff; Tom for groups with 20+ locations and an IT department.",
            Severity::High,
            "Small clinics first until 500 customers; groups from 2028 with single sign-on and the API.",
        ),
        (
            "horizon-3",
            "Three-year targets: 1,000 vs 300 clinics",
            "4M vs 2M ARR, 35 vs 20 people. Sales capacity or product readiness?",
            Severity::High,
            "Plan for 1,000 small clinics by 2029 and hire the sales team for it; the platform team grows with the groups from 2028.",
        ),
        (
            "priorities",
            "Growth first or reliability first",
            "Security is last for Lena and second for Tom.",
            Severity::Medium,
            "A reliability review on every release, without holding growth work back.",
        ),
    ];
    let mut ids = [0; 3];
    for (slot, (key, title, description, severity, decision)) in ids.iter_mut().zip(found) {
        let gap = as_of(
            days_ago(175),
            app.add_gap(
                leader,
                w,
                &new_gap(spring, tech, key, title, description, severity),
            ),
        )
        .await?;
        as_of(
            days_ago(170),
            app.edit_gap(
                leader,
                w,
                gap.id,
                &GapEdit {
                    version: Some(gap.version),
                    status: Some(GapStatus::Decided),
                    decision: Some(decision.into()),
                    ..GapEdit::default()
                },
            ),
        )
        .await?;
        *slot = gap.id;
    }
    let [customer, targets, priorities] = ids;
    // (gap, kind, title, owner, due and done in days ago; not done = under way)
    let actions = [
        (
            customer,
            ActionKind::Communication,
            "Explain the customer decision at the all-hands",
            leader,
            165,
            Some(165),
        ),
        (
            customer,
            ActionKind::PriorityChange,
            "Move single sign-on and the partner API to the 2028 roadmap",
            leader,
            150,
            Some(152),
        ),
        (
            customer,
            ActionKind::TeamStructure,
            "Form an onboarding squad for small clinics",
            tech,
            140,
            Some(131),
        ),
        (
            targets,
            ActionKind::Communication,
            "Share the sales-capacity model with the partner team",
            leader,
            150,
            Some(146),
        ),
        (
            priorities,
            ActionKind::ProcessChange,
            "Add a reliability review to every release",
            tech,
            140,
            Some(120),
        ),
        (
            priorities,
            ActionKind::ProcessChange,
            "Track no-show rates per clinic on the growth dashboard",
            tech,
            -30,
            None,
        ),
    ];
    for (gap_id, kind, title, owner, due, done) in actions {
        let new = NewAction {
            kind,
            title: title.into(),
            owner_id: owner.id(),
            due_at: Some(days_ago(due)),
        };
        let action = as_of(days_ago(170), app.add_action(leader, w, gap_id, &new)).await?;
        let (at, status) = match done {
            Some(at) => (at, ActionStatus::Done),
            None => (160, ActionStatus::InProgress),
        };
        as_of(
            days_ago(at),
            app.set_action_status(owner, w, gap_id, action.id, (ActionStatus::Open, status)),
        )
        .await?;
    }
    as_of(
        days_ago(160),
        set_pillars(
            app,
            leader,
            w,
            "A receptionist sets it up in an afternoon; no IT needed. Clinic groups follow from 2028.",
        ),
    )
    .await?;
    Ok(customer)
}

/// Summer's round closes the customer gap and shows the targets aligned
/// (left for the leader to close); the priorities split recurs with a new
/// gap whose action is overdue.
async fn summer_register(
    app: &App,
    leader: &Actor,
    tech: &Actor,
    w: i64,
    summer: i64,
    customer: i64,
) -> anyhow::Result<()> {
    as_of(days_ago(88), async {
        let seen = app.gap(leader, w, customer).await?;
        app.edit_gap(
            leader,
            w,
            customer,
            &GapEdit {
                version: Some(seen.gap.version),
                status: Some(GapStatus::Closed),
                ..GapEdit::default()
            },
        )
        .await?;
        let again = app
            .add_gap(
                leader,
                w,
                &new_gap(
                    summer,
                    tech,
                    "priorities",
                    "Reliability still ranked above growth",
                    "Growth moved up to second for Tom, but reliability stays first; the spring decision did not settle the order.",
                    Severity::Medium,
                ),
            )
            .await?;
        let budget = NewAction {
            kind: ActionKind::ProcessChange,
            title: "Agree an error budget that lets growth work ship".into(),
            owner_id: tech.id(),
            due_at: Some(now_ms() + 120 * DAY_MS),
        };
        let budget = app.add_action(leader, w, again.id, &budget).await?;
        app.set_action_status(tech, w, again.id, budget.id, (ActionStatus::Open, ActionStatus::InProgress))
            .await?;
        // Lena's own, past its date: the home page and My actions say so.
        let order = NewAction {
            kind: ActionKind::Communication,
            title: "Settle the order of growth and reliability with Tom before the winter round".into(),
            owner_id: leader.id(),
            due_at: Some(now_ms() + 80 * DAY_MS),
        };
        app.add_action(leader, w, again.id, &order).await?;
        anyhow::Ok(())
    })
    .await
}
