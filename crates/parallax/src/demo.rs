//! The demo workspace of the quick start: a leader and a technical lead who
//! already ran one alignment round, so a first visit shows the product — the
//! listening session with realistic answers, and a gap register with
//! decisions, actions and a gap that recurs in a second round — not empty
//! pages.

use parallax_app::accounts::SignUp;
use parallax_app::gaps::{GapEdit, NewAction, NewGapInput};
use parallax_app::rounds::{NewRound, VisionEdit};
use parallax_app::{Actor, App};
use parallax_domain::gap::{ActionKind, GapStatus, Severity};
use parallax_domain::round::Flag;
use parallax_domain::vision::{AnswerValue, Pillar};
use parallax_domain::workspace::Role;
use parallax_store::NoteWrite;

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

const PRIORITIES_LEADER: [&str; 7] = [
    "Growth",
    "User experience",
    "Speed of delivery",
    "Revenue",
    "Reliability",
    "Cost",
    "Security and compliance",
];
const PRIORITIES_TECH: [&str; 7] = [
    "Reliability",
    "Security and compliance",
    "User experience",
    "Speed of delivery",
    "Growth",
    "Revenue",
    "Cost",
];

/// (question key, leader's answer, technical lead's answer) for the free-text questions.
const ANSWERS: [(&str, &str, &str); 6] = [
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
];

/// (question key, flag, note) the leader took in the listening session.
const NOTES: [(&str, Flag, &str); 5] = [
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
];

/// Creates the demo workspace when the instance has no account yet; returns
/// whether it did.
pub async fn seed(app: &App) -> anyhow::Result<bool> {
    if !app.is_fresh().await? {
        return Ok(false);
    }
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

    let vision = app.vision(&leader, w).await?.vision;
    let pillars = vec![
        Pillar::new(
            "Effortless for small clinics",
            "A receptionist sets it up in an afternoon; no IT needed.",
            40,
        )?,
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
    app.edit_vision(&leader, w, vision.version, VisionEdit::SetPillars(pillars))
        .await?;

    let round = answered_round(
        app,
        &leader,
        &tech,
        w,
        "Autumn 2026 alignment",
        |_, theirs| theirs,
    )
    .await?;
    for (key, flag, note) in NOTES {
        let note = NoteWrite {
            question_key: key,
            participant_id: tech.id(),
            body: note,
            flag: Some(flag),
            shared: false,
            expected_version: None,
        };
        app.save_note(&leader, w, round.id, &note).await?;
    }
    let asked = app
        .ask_clarification(
            &leader,
            w,
            round.id,
            "horizon-3",
            tech.id(),
            "Where does the 300 come from: sales capacity or product readiness?",
        )
        .await?;
    app.answer_clarification(&tech, w, round.id, asked, "Product readiness. Groups need single sign-on and the API before they buy; small clinics could come sooner.")
        .await?;
    register(app, &leader, &tech, w, round.id).await?;
    Ok(true)
}

/// Opens, answers, submits and reveals a round; the technical lead's answer
/// to each text question is `tech_answer(key, their first-round answer)`.
async fn answered_round(
    app: &App,
    leader: &Actor,
    tech: &Actor,
    w: i64,
    title: &str,
    tech_answer: impl Fn(&str, &'static str) -> &'static str,
) -> anyhow::Result<parallax_store::RoundRecord> {
    let round = app
        .create_round(
            leader,
            w,
            &NewRound {
                title: title.into(),
                participants: vec![tech.id()],
                due_at: None,
            },
        )
        .await?;
    app.send_round(leader, w, round.id).await?;
    for (key, mine, theirs) in ANSWERS {
        app.save_answer(
            leader,
            w,
            round.id,
            key,
            &AnswerValue::Text(mine.into()),
            None,
        )
        .await?;
        let theirs = AnswerValue::Text(tech_answer(key, theirs).into());
        app.save_answer(tech, w, round.id, key, &theirs, None)
            .await?;
    }
    let ranking =
        |list: [&str; 7]| AnswerValue::Ranking(list.iter().map(|s| s.to_string()).collect());
    app.save_answer(
        leader,
        w,
        round.id,
        "priorities",
        &ranking(PRIORITIES_LEADER),
        None,
    )
    .await?;
    app.save_answer(
        tech,
        w,
        round.id,
        "priorities",
        &ranking(PRIORITIES_TECH),
        None,
    )
    .await?;
    app.submit_answers(leader, w, round.id).await?;
    app.submit_answers(tech, w, round.id).await?;
    app.reveal_round(leader, w, round.id, false).await?;
    Ok(round)
}

const DAY_MS: i64 = 24 * 3600 * 1000;

/// The gap register: gaps from the first round with a decision and actions
/// of each kind, a second round in which the three-year targets line up but
/// the customer question does not — a pattern across two rounds.
async fn register(
    app: &App,
    leader: &Actor,
    tech: &Actor,
    w: i64,
    first: i64,
) -> anyhow::Result<()> {
    let gap = |round_id, key: &str, title: &str, description: &str, severity| NewGapInput {
        round_id,
        question_key: Some(key.into()),
        participant_id: Some(tech.id()),
        title: title.into(),
        description: description.into(),
        severity,
    };
    let customer = app
        .add_gap(leader, w, &gap(first, "ideal-customer", "Small clinics or clinic groups first?", "Lena builds for independent clinics without IT staff; Tom for groups with 20+ locations and an IT department.", Severity::High))
        .await?;
    let targets = app
        .add_gap(
            leader,
            w,
            &gap(
                first,
                "horizon-3",
                "Three-year targets: 1,000 vs 300 clinics",
                "4M vs 2M ARR, 35 vs 20 people. Sales capacity or product readiness?",
                Severity::High,
            ),
        )
        .await?;
    let priorities = app
        .add_gap(
            leader,
            w,
            &gap(
                first,
                "priorities",
                "Growth first or reliability first",
                "Security is last for Lena and second for Tom.",
                Severity::Medium,
            ),
        )
        .await?;
    app.edit_gap(leader, w, customer.id, &GapEdit {
        version: Some(customer.version),
        status: Some(GapStatus::Decided),
        decision: Some("Small clinics first until 500 customers; groups from 2028 with single sign-on and the API.".into()),
        ..GapEdit::default()
    })
    .await?;
    let now = parallax_store::now_ms();
    let actions = [
        (
            customer.id,
            ActionKind::PriorityChange,
            "Move single sign-on and the partner API to the 2028 roadmap",
            leader,
            Some(now + 30 * DAY_MS),
        ),
        (
            customer.id,
            ActionKind::TeamStructure,
            "Form an onboarding squad for small clinics",
            tech,
            Some(now + 21 * DAY_MS),
        ),
        (
            customer.id,
            ActionKind::Communication,
            "Explain the customer decision at the all-hands",
            leader,
            Some(now - 3 * DAY_MS),
        ),
        (
            priorities.id,
            ActionKind::ProcessChange,
            "Add a reliability review to every release",
            tech,
            Some(now + 14 * DAY_MS),
        ),
        (
            targets.id,
            ActionKind::Communication,
            "Share the sales-capacity model with the partner team",
            leader,
            None,
        ),
    ];
    for (gap_id, kind, title, owner, due_at) in actions {
        let new = NewAction {
            kind,
            title: title.into(),
            owner_id: owner.id(),
            due_at,
        };
        app.add_action(leader, w, gap_id, &new).await?;
    }

    let second = answered_round(
        app,
        leader,
        tech,
        w,
        "Winter 2027 alignment",
        |key, theirs| match ANSWERS.iter().find(|(k, _, _)| *k == key) {
            Some((_, mine, _)) if key == "horizon-3" => mine,
            _ => theirs,
        },
    )
    .await?;
    let notes = [
        (
            "ideal-customer",
            Flag::Misaligned,
            "Still groups vs small clinics, although we decided.",
        ),
        (
            "horizon-3",
            Flag::Aligned,
            "Same targets now: 1,000 clinics, 4M ARR.",
        ),
    ];
    for (key, flag, body) in notes {
        let note = NoteWrite {
            question_key: key,
            participant_id: tech.id(),
            body,
            flag: Some(flag),
            shared: false,
            expected_version: None,
        };
        app.save_note(leader, w, second.id, &note).await?;
    }
    app.add_gap(
        leader,
        w,
        &gap(
            second.id,
            "ideal-customer",
            "Still split on who we build for first",
            "The decision from autumn has not reached the partner team's answers.",
            Severity::High,
        ),
    )
    .await?;
    Ok(())
}
