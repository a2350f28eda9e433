//! "Over time": the alignment index across revealed rounds as a line chart,
//! each question's score across rounds as a heatmap, the gaps each round
//! opened and settled, the vision versions between rounds, and each
//! person's drift toward or away from the leader's reading.

use std::fmt::Write;

use axum::extract::{Path, State};
use axum::routing::get;
use maud::{Markup, PreEscaped, html};
use parallax_app::trend::{Direction, Trend, TrendRound};
use parallax_domain::workspace::Role;
use parallax_engine::heatmap::xml_escape;

use super::layout::{count, page, when, workspace_nav};
use crate::auth::SignedIn;
use crate::error::PageError;
use crate::{AppState, Routes};

pub(super) fn routes() -> Routes {
    vec![("/w/{workspace_id}/trend", get(show))]
}

/// A round's short label on the charts: the month it was revealed.
fn month(round: &TrendRound) -> String {
    when(round.revealed_at).chars().take(7).collect()
}

const SERIES: [&str; 5] = ["#3451b2", "#b42318", "#1f7a4d", "#7a5300", "#6b3fa0"];

/// The alignment index per round: the overall line and one per person.
fn index_chart(trend: &Trend) -> String {
    let n = trend.rounds.len();
    let (left, top, plot_w, plot_h) = (
        44.0,
        16.0,
        (120 * n.saturating_sub(1)).max(120) as f64,
        200.0,
    );
    let width = left + plot_w + 170.0;
    let height = top + plot_h + 40.0;
    let x = |i: usize| {
        left + if n > 1 {
            plot_w * i as f64 / (n - 1) as f64
        } else {
            plot_w / 2.0
        }
    };
    let y = |score: f64| top + plot_h * (1.0 - score.clamp(0.0, 100.0) / 100.0);
    let mut svg = String::new();
    let title = "Alignment index per round";
    // Writing to a String cannot fail.
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" aria-label="{title}" font-family="system-ui, sans-serif" font-size="13"><title>{title}</title>"#
    );
    for level in [0.0, 50.0, 100.0] {
        let _ = write!(
            svg,
            r##"<line x1="{left}" x2="{}" y1="{y0}" y2="{y0}" stroke="#dfe3ea"/><text x="{}" y="{}" text-anchor="end" fill="#5b6475">{level:.0}</text>"##,
            left + plot_w,
            left - 6.0,
            y(level) + 4.0,
            y0 = y(level),
        );
    }
    for (i, round) in trend.rounds.iter().enumerate() {
        let _ = write!(
            svg,
            r##"<text x="{}" y="{}" text-anchor="middle" fill="#5b6475"><title>{}</title>{}</text>"##,
            x(i),
            top + plot_h + 22.0,
            xml_escape(&round.title),
            month(round)
        );
    }
    let mut series: Vec<(String, Vec<Option<f64>>)> = vec![(
        "Overall".into(),
        trend.rounds.iter().map(|r| r.overall).collect(),
    )];
    for round in &trend.rounds {
        for person in &round.participants {
            if !series.iter().any(|(name, _)| *name == person.name) {
                let scores = trend
                    .rounds
                    .iter()
                    .map(|r| {
                        r.participants
                            .iter()
                            .find(|p| p.user_id == person.user_id)
                            .and_then(|p| p.index)
                    })
                    .collect();
                series.push((person.name.clone(), scores));
            }
        }
    }
    for (s, (name, scores)) in series.iter().enumerate() {
        let colour = SERIES[s % SERIES.len()];
        let dash = if s == 0 {
            ""
        } else {
            r#" stroke-dasharray="6 4""#
        };
        let points: Vec<(usize, f64)> = scores
            .iter()
            .enumerate()
            .filter_map(|(i, score)| score.map(|v| (i, v)))
            .collect();
        let line: Vec<String> = points
            .iter()
            .map(|(i, v)| format!("{:.1},{:.1}", x(*i), y(*v)))
            .collect();
        let _ = write!(
            svg,
            r#"<polyline points="{}" fill="none" stroke="{colour}" stroke-width="{}"{dash}/>"#,
            line.join(" "),
            if s == 0 { 3 } else { 2 }
        );
        for (i, v) in &points {
            let _ = write!(
                svg,
                r#"<circle cx="{:.1}" cy="{:.1}" r="4" fill="{colour}"><title>{} — {}: {v:.0} of 100</title></circle>"#,
                x(*i),
                y(*v),
                xml_escape(name),
                xml_escape(&trend.rounds[*i].title)
            );
        }
        if let Some((i, v)) = points.last() {
            let _ = write!(
                svg,
                r#"<text x="{:.1}" y="{:.1}" fill="{colour}">{} {v:.0}</text>"#,
                x(*i) + 10.0,
                y(*v) + 4.0 + 14.0 * s as f64,
                xml_escape(name)
            );
        }
    }
    svg.push_str("</svg>");
    svg
}

fn direction_badge(direction: Direction) -> Markup {
    match direction {
        Direction::Toward => html! { span.badge.ok { "toward the leader" } },
        Direction::Away => html! { span.badge.bad { "away from the leader" } },
        Direction::Steady => html! { span.badge { "steady" } },
    }
}

async fn show(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(workspace_id): Path<i64>,
) -> Result<Markup, PageError> {
    let ws = state.app.workspace(&signed.actor, workspace_id).await?;
    let trend = state.app.trend(&signed.actor, workspace_id).await?;
    let base = format!("/w/{workspace_id}");
    let questions: Vec<String> = trend.questions.iter().map(|q| q.prompt.clone()).collect();
    let months: Vec<String> = trend.rounds.iter().map(month).collect();
    let cells: Vec<Vec<Option<f64>>> = trend.questions.iter().map(|q| q.scores.clone()).collect();
    let mut drift: Vec<_> = trend.drift.iter().collect();
    drift.sort_by_key(|d| match d.direction {
        Direction::Away => 0,
        Direction::Toward => 1,
        Direction::Steady => 2,
    });
    let title = |id: i64| {
        trend
            .rounds
            .iter()
            .find(|r| r.round_id == id)
            .map(|r| r.title.as_str())
            .unwrap_or_default()
    };
    Ok(page(
        "Over time",
        Some(&signed.actor),
        None,
        html! {
            (workspace_nav(&ws, "trend"))
            h2 { "Over time" }
            @if trend.rounds.is_empty() {
                div.empty #trend-empty { "No revealed round yet: the trend starts with the first reveal." }
            } @else {
                p.muted {
                    "From " (count(trend.rounds.len(), "revealed round", "revealed rounds")) ". "
                    @if trend.sees_everyone { "Scores per participant compare each with the round's leader." }
                    @else { "You see the overall index and your own scores." }
                    @if trend.rounds.len() == 1 { " A second revealed round draws the line." }
                }
                section.card #trend-index {
                    h2 { "Alignment index per round" }
                    div.heatmap tabindex="0" role="region" aria-label="Line chart: the alignment index per round" { (PreEscaped(index_chart(&trend))) }
                    table.responsive {
                        thead { tr { th { "Round" } th { "Revealed" } th { "Vision" } th { "Index" } th { "Gaps opened · settled" } } }
                        tbody {
                            @for (i, r) in trend.rounds.iter().enumerate() {
                                tr {
                                    td { a href={ (base) "/rounds/" (r.round_id) "/summary" } { (r.title) } }
                                    td { (when(r.revealed_at)) }
                                    td {
                                        "version " (r.vision_number)
                                        @if let Some(before) = i.checked_sub(1).map(|j| &trend.rounds[j]) {
                                            @if before.vision_number != r.vision_number && ws.role != Role::Advisor {
                                                " · " a href={ (base) "/vision/compare?from=" (before.vision_number) "&to=" (r.vision_number) } { "what changed" }
                                            }
                                        }
                                    }
                                    td {
                                        @if let Some(overall) = r.overall { strong { (format!("{overall:.0}")) } } @else { "—" }
                                        @for p in &r.participants {
                                            br; span.muted { (p.name) ": " @if let Some(index) = p.index { (format!("{index:.0}")) } @else { "—" } }
                                        }
                                    }
                                    td { (r.gaps_opened) " · " (r.gaps_settled) }
                                }
                            }
                        }
                    }
                }
                section.card #trend-questions {
                    h2 { "Each question across rounds" }
                    div.heatmap tabindex="0" role="region" aria-label="Heatmap: each question's score per round" {
                        (PreEscaped(parallax_engine::heatmap_over_rounds_svg(&questions, &months, &cells)))
                    }
                }
                section.card #drift {
                    h2 { "Drift" }
                    p.muted { "How each reading moved between consecutive rounds, against the leader's: a change of under " (parallax_app::trend::STEADY_WITHIN as i64) " points is steady." }
                    @if drift.is_empty() {
                        div.empty { "Drift needs the same question answered in two revealed rounds." }
                    } @else {
                        table.responsive {
                            thead { tr { th { "Person" } th { "Question" } th { "Rounds" } th { "Score" } th { "Direction" } th { "Own answer" } } }
                            tbody {
                                @for d in &drift {
                                    tr {
                                        td { (d.name) }
                                        td { (d.prompt) }
                                        td { (title(d.from_round_id)) " → " (title(d.to_round_id)) }
                                        td { (format!("{:.0} → {:.0}", d.from_score, d.to_score)) }
                                        td { (direction_badge(d.direction)) }
                                        td {
                                            @if let Some(similarity) = d.similarity {
                                                details {
                                                    summary { (format!("{similarity:.0}/100 alike")) }
                                                    @for claim in &d.appeared { p { "New: “" (claim) "”" } }
                                                    @for claim in &d.disappeared { p.muted { "Dropped: “" (claim) "”" } }
                                                }
                                            } @else { "—" }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        },
    ))
}
