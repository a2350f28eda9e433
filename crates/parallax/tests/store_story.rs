//! One story of the store, told on SQLite and on PostgreSQL alike.

mod common;

use common::{Db, fresh_database};
use parallax_domain::gap::{ActionKind, ActionStatus, GapStatus, Severity};
use parallax_domain::round::{Flag, RoundState};
use parallax_domain::vision::AnswerValue;
use parallax_domain::workspace::Role;
use parallax_store::{GapChange, NewGap, NewUser, NoteWrite, Store, StoreError, now_ms};

fn user<'a>(email: &'a str, name: &'a str) -> NewUser<'a> {
    NewUser {
        email,
        name,
        password_hash: "$argon2id$stub",
    }
}

async fn story(db: Db) {
    let (url, _dir) = fresh_database(db).await;
    let store = Store::connect(&url).await.unwrap();
    assert_eq!(
        store.migrate().await.unwrap(),
        vec![
            "0001_foundation",
            "0002_vision_rounds",
            "0003_analysis",
            "0004_gaps",
            "0005_embeddings_per_round",
            "0006_login_slots",
            "0007_shared_notes",
            "0008_calendar_feeds",
            "0009_cadences",
            "0010_outbox",
            "0011_password_resets",
            "0012_outbox_rounds"
        ]
    );
    assert!(
        store.migrate().await.unwrap().is_empty(),
        "migrations run once"
    );

    // The first account becomes instance admin, the next does not.
    let (ada, acme) = store
        .create_user_with_workspace(&user("ada@acme.test", "Ada"), "Acme", true)
        .await
        .unwrap();
    assert!(ada.is_admin);
    let bob = store
        .create_user(&user("bob@partner.test", "Bob"))
        .await
        .unwrap();
    assert!(!bob.is_admin);
    assert!(
        matches!(
            store
                .create_user_with_workspace(&user("eve@evil.test", "Eve"), "Evil", true)
                .await,
            Err(StoreError::Conflict)
        ),
        "only the first account may sign up while sign-up is closed"
    );
    assert!(
        store
            .user_by_email("eve@evil.test")
            .await
            .unwrap()
            .is_none()
    );
    assert!(matches!(
        store.create_user(&user("ada@acme.test", "Ada 2")).await,
        Err(StoreError::Duplicate)
    ));

    // An invitation admits exactly once.
    let expires = now_ms() + 60_000;
    store
        .create_invite(acme.id, Role::TechLead, "hash-1", ada.id, expires)
        .await
        .unwrap();
    let invite = store.accept_invite("hash-1", bob.id).await.unwrap();
    assert_eq!(invite.role, Role::TechLead);
    assert!(matches!(
        store.accept_invite("hash-1", bob.id).await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(
        store.role_in(acme.id, bob.id).await.unwrap(),
        Some(Role::TechLead)
    );

    // An expired invitation admits nobody; a new account is not half-created.
    store
        .create_invite(acme.id, Role::Member, "hash-2", ada.id, now_ms() - 1)
        .await
        .unwrap();
    assert!(matches!(
        store
            .accept_invite_with_new_user("hash-2", &user("cy@acme.test", "Cy"))
            .await,
        Err(StoreError::NotFound)
    ));
    assert!(store.user_by_email("cy@acme.test").await.unwrap().is_none());

    // A workspace always keeps an owner.
    assert!(matches!(
        store.set_role(acme.id, ada.id, Role::Leader).await,
        Err(StoreError::Conflict)
    ));
    assert!(matches!(
        store.remove_member(acme.id, ada.id).await,
        Err(StoreError::Conflict)
    ));
    store.set_role(acme.id, bob.id, Role::Owner).await.unwrap();
    store.set_role(acme.id, ada.id, Role::Leader).await.unwrap();
    let members = store.members(acme.id).await.unwrap();
    assert_eq!(members.len(), 2);

    // Removal ends the member's sessions at once.
    store
        .create_session("session-bob", bob.id, now_ms() + 60_000)
        .await
        .unwrap();
    assert!(store.session_user("session-bob").await.unwrap().is_some());
    store.set_role(acme.id, ada.id, Role::Owner).await.unwrap();
    store.remove_member(acme.id, bob.id).await.unwrap();
    // Removal ends access to this workspace only; Bob stays signed in.
    assert!(store.session_user("session-bob").await.unwrap().is_some());
    assert_eq!(store.role_in(acme.id, bob.id).await.unwrap(), None);

    // Sign-in attempts take slots per address and per account; a right
    // password gives its slot back.
    let attempt = |slot: &'static str| parallax_store::LoginAttempt {
        ip: "10.0.0.1",
        email: "ada@acme.test",
        slot,
        ip_since: now_ms() - 60_000,
        ip_limit: 3,
        email_since: now_ms() - 3_600_000,
        email_limit: 4,
    };
    for slot in ["s1", "s2", "s3"] {
        assert_eq!(
            store.take_login_slot(&attempt(slot)).await.unwrap(),
            parallax_store::LoginSlot::Taken
        );
    }
    assert!(matches!(
        store.take_login_slot(&attempt("s4")).await.unwrap(),
        parallax_store::LoginSlot::AddressFull { oldest: Some(_) }
    ));
    store.release_login_slot("s3").await.unwrap();
    assert_eq!(
        store.take_login_slot(&attempt("s5")).await.unwrap(),
        parallax_store::LoginSlot::Taken
    );
    let elsewhere = parallax_store::LoginAttempt {
        ip: "10.0.0.2",
        ..attempt("s6")
    };
    assert_eq!(
        store.take_login_slot(&elsewhere).await.unwrap(),
        parallax_store::LoginSlot::Taken
    );
    assert!(matches!(
        store
            .take_login_slot(&parallax_store::LoginAttempt {
                ip: "10.0.0.3",
                ..attempt("s7")
            })
            .await
            .unwrap(),
        parallax_store::LoginSlot::AccountFull { .. }
    ));

    // API tokens resolve to their owner until revoked.
    let token = store
        .create_api_token(ada.id, "ci", "token-hash")
        .await
        .unwrap();
    assert_eq!(
        store
            .api_token_user("token-hash")
            .await
            .unwrap()
            .unwrap()
            .id,
        ada.id
    );
    store.revoke_api_token(ada.id, token.id).await.unwrap();
    assert!(store.api_token_user("token-hash").await.unwrap().is_none());

    // The audit log keeps what happened, newest first.
    store
        .audit(
            Some(acme.id),
            Some(ada.id),
            "member.removed",
            "Bob was removed",
        )
        .await
        .unwrap();
    let log = store.audit_log(acme.id, 10).await.unwrap();
    assert_eq!(log[0].action, "member.removed");
    assert_eq!(log[0].actor_name.as_deref(), Some("Ada"));

    // A round freezes its vision version; answers are versioned and lock at
    // the reveal; left-out participants stay out of the revealed answers.
    let vision = store
        .latest_vision(acme.id)
        .await
        .unwrap()
        .expect("a workspace starts with the template");
    assert_eq!((vision.number, vision.questions.len()), (1, 7));
    let cy = store
        .create_user(&user("cy@acme.test", "Cy"))
        .await
        .unwrap();
    let round = store
        .create_round(acme.id, vision.id, "Q1", None, ada.id, &[ada.id, cy.id])
        .await
        .unwrap();
    assert!(store.vision_by_id(vision.id).await.unwrap().frozen);
    let seen_by = |id| store.rounds_with_participation(acme.id, id);
    assert!(seen_by(cy.id).await.unwrap()[0].1, "Cy takes part");
    assert!(!seen_by(bob.id).await.unwrap()[0].1, "Bob does not");
    assert!(matches!(
        store
            .update_vision(vision.id, vision.version, &[], &[])
            .await,
        Err(StoreError::Conflict)
    ));
    let text = |t: &str| AnswerValue::Text(t.into());
    assert!(
        matches!(
            store
                .save_answer(round.id, ada.id, "why-us", &text("early"), None)
                .await,
            Err(StoreError::Conflict)
        ),
        "draft"
    );
    store
        .transition_round(round.id, RoundState::Draft, RoundState::Answering)
        .await
        .unwrap();
    let a1 = store
        .save_answer(round.id, ada.id, "why-us", &text("first"), None)
        .await
        .unwrap();
    assert_eq!(a1.version, 1);
    assert!(matches!(
        store
            .save_answer(round.id, ada.id, "why-us", &text("again"), None)
            .await,
        Err(StoreError::Conflict)
    ));
    let a2 = store
        .save_answer(round.id, ada.id, "why-us", &text("second"), Some(1))
        .await
        .unwrap();
    assert_eq!(a2.version, 2);
    assert!(matches!(
        store
            .save_answer(round.id, ada.id, "why-us", &text("stale"), Some(1))
            .await,
        Err(StoreError::Conflict)
    ));
    assert!(matches!(
        store
            .save_answer(round.id, bob.id, "why-us", &text("not in it"), None)
            .await,
        Err(StoreError::Conflict)
    ));
    store
        .save_answer(round.id, cy.id, "why-us", &text("never submitted"), None)
        .await
        .unwrap();
    store.submit_answers(round.id, ada.id).await.unwrap();
    assert!(
        matches!(
            store.reveal_round(round.id, false, &[]).await,
            Err(StoreError::Conflict)
        ),
        "Cy has not submitted"
    );
    store.reveal_round(round.id, true, &[]).await.unwrap();
    assert!(
        matches!(
            store
                .save_answer(round.id, ada.id, "why-us", &text("late"), Some(2))
                .await,
            Err(StoreError::Conflict)
        ),
        "locked"
    );
    let revealed = store.revealed_answers(round.id).await.unwrap();
    assert_eq!(revealed.len(), 1, "Cy's answer stays out");
    assert_eq!(revealed[0].value, text("second"));
    let note = store
        .save_note(
            round.id,
            ada.id,
            &NoteWrite {
                question_key: "why-us",
                participant_id: ada.id,
                body: "ok",
                flag: Some(Flag::Aligned),
                shared: true,
                expected_version: None,
            },
        )
        .await
        .unwrap();
    assert!(note.shared, "the sharing is stored");
    assert!(matches!(
        store
            .save_note(
                round.id,
                ada.id,
                &NoteWrite {
                    question_key: "why-us",
                    participant_id: ada.id,
                    body: "x",
                    flag: None,
                    shared: false,
                    expected_version: Some(note.version + 1)
                }
            )
            .await,
        Err(StoreError::Conflict)
    ));

    // Gaps: a proposal becomes a gap once; edits are versioned and recorded.
    let new_gap = NewGap {
        workspace_id: acme.id,
        round_id: round.id,
        question_key: Some("why-us"),
        participant_id: Some(bob.id),
        proposal_key: Some("why-us:2"),
        title: "Why us, read twice",
        description: "Integrations vs set-up time.",
        severity: Severity::High,
        theme: None,
        created_by: ada.id,
    };
    let gap = store
        .insert_gap(&new_gap, "why us read twice")
        .await
        .unwrap();
    assert_eq!((gap.status, gap.version), (GapStatus::Open, 1));
    assert!(matches!(
        store.insert_gap(&new_gap, "why us read twice").await,
        Err(StoreError::Duplicate)
    ));
    let by_hand = NewGap {
        proposal_key: None,
        ..new_gap
    };
    store
        .insert_gap(&by_hand, "why us read twice")
        .await
        .unwrap();
    store
        .insert_gap(&by_hand, "why us read twice")
        .await
        .unwrap();
    assert_eq!(
        store.gaps(acme.id).await.unwrap().len(),
        3,
        "gaps by hand never collide"
    );
    let change = GapChange {
        title: "Why us, read twice",
        description: "Integrations vs set-up time.",
        severity: Severity::Medium,
        status: GapStatus::Decided,
        decision: "Lead with set-up time.",
    };
    let decided = store
        .update_gap(gap.id, 1, &change, "why us read twice", ada.id, "decided")
        .await
        .unwrap();
    assert_eq!((decided.status, decided.version), (GapStatus::Decided, 2));
    assert!(matches!(
        store
            .update_gap(gap.id, 1, &change, "why us read twice", ada.id, "stale")
            .await,
        Err(StoreError::Conflict)
    ));
    let history: Vec<String> = store
        .gap_events(gap.id)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.what)
        .collect();
    assert_eq!(history, ["gap added", "decided"]);

    // Actions, their owner's open list, comments; dismissals are remembered once.
    let mut action_ids = Vec::new();
    for kind in ActionKind::ALL {
        let action = store
            .insert_action(gap.id, *kind, "Do it", bob.id, Some(now_ms() - 1), ada.id)
            .await
            .unwrap();
        assert_eq!(action.owner_name.as_deref(), Some("Bob"));
        action_ids.push(action.id);
    }
    assert_eq!(store.open_actions_of(bob.id).await.unwrap().len(), 4);
    store
        .set_action_status(
            gap.id,
            action_ids[0],
            ActionStatus::Open,
            ActionStatus::Done,
        )
        .await
        .unwrap();
    assert!(
        matches!(
            store
                .set_action_status(
                    gap.id,
                    action_ids[0],
                    ActionStatus::Open,
                    ActionStatus::Dropped
                )
                .await,
            Err(StoreError::Conflict)
        ),
        "a change from a status that moved on is refused"
    );
    assert!(matches!(
        store
            .set_action_status(
                gap.id + 1000,
                action_ids[1],
                ActionStatus::Open,
                ActionStatus::Done
            )
            .await,
        Err(StoreError::NotFound)
    ));
    let open = store.open_actions_of(bob.id).await.unwrap();
    assert_eq!(open.len(), 3);
    assert_eq!(open[0].workspace_name, "Acme");
    assert_eq!(store.workspace_actions(acme.id).await.unwrap().len(), 4);
    store
        .add_comment(action_ids[1], bob.id, "On it.")
        .await
        .unwrap();
    let comments = store.comments(gap.id).await.unwrap();
    assert_eq!(comments[0].author_name.as_deref(), Some("Bob"));
    store
        .dismiss_proposal(round.id, "feeling:2", ada.id)
        .await
        .unwrap();
    store
        .dismiss_proposal(round.id, "feeling:2", ada.id)
        .await
        .unwrap();
    assert_eq!(
        store.dismissed_proposals(acme.id).await.unwrap(),
        vec![(round.id, "feeling:2".to_owned())]
    );

    // Embeddings are cached by text hash; an analysis is claimed once.
    store
        .put_embeddings("m", &[("h1".into(), vec![0.5, -0.25])])
        .await
        .unwrap();
    store
        .put_embeddings("m", &[("h1".into(), vec![9.0, 9.0])])
        .await
        .unwrap();
    let cached = store
        .embeddings("m", &["h1".into(), "h2".into()])
        .await
        .unwrap();
    assert_eq!(cached.len(), 1);
    assert_eq!(cached["h1"], vec![0.5, -0.25], "the first vector stays");
    store.request_analysis(round.id).await.unwrap();
    assert_eq!(store.claim_analysis().await.unwrap(), Some(round.id));
    assert_eq!(store.claim_analysis().await.unwrap(), None, "claimed once");
    store
        .finish_analysis(round.id, "lexical", "{}")
        .await
        .unwrap();
    assert_eq!(
        store.analysis(round.id).await.unwrap().unwrap().status,
        "done"
    );
    assert_eq!(
        store.requeue_analyses_made_with("lexical").await.unwrap(),
        1
    );
    assert!(store.analysis_enabled(acme.id).await.unwrap());
    store.set_analysis_enabled(acme.id, false).await.unwrap();
    assert!(!store.analysis_enabled(acme.id).await.unwrap());
    store.close().await;
}

on_both_databases!(story);

#[tokio::test]
async fn sqlite_database_is_left_in_wal_mode() {
    let (url, _dir) = fresh_database(Db::Sqlite).await;
    let store = Store::connect(&url).await.unwrap();
    store.migrate().await.unwrap();
    store.close().await;
    // journal_mode=WAL is a property of the file: a plain connection sees it.
    let mut conn = <sqlx::SqliteConnection as sqlx::Connection>::connect(&url)
        .await
        .unwrap();
    let (mode,): (String,) = sqlx::query_as("PRAGMA journal_mode")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(mode, "wal");
}
