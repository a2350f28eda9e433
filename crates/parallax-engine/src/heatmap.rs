//! The round heatmap: questions × participants as a standalone SVG.
//!
//! Colours run red (0) → amber (50) → green (100); every cell also prints its
//! score, so the chart does not rely on colour alone, and carries a `<title>`
//! naming question, participant and score for screen readers and hover.
//! Missing scores are an outlined empty cell marked "–". All text is
//! XML-escaped: question and participant names are user input.

use std::fmt::Write;

const CELL_W: usize = 64;
const CELL_H: usize = 34;
const LABEL_W: usize = 360;
const HEADER_H: usize = 48;
const LEGEND_H: usize = 44;
/// Longest question label drawn in full; the full text stays in the title.
const MAX_QUESTION_CHARS: usize = 44;
const MAX_PARTICIPANT_CHARS: usize = 9;

const RED: (f64, f64, f64) = (215.0, 72.0, 61.0);
const AMBER: (f64, f64, f64) = (242.0, 176.0, 53.0);
const GREEN: (f64, f64, f64) = (67.0, 160.0, 90.0);

/// Escapes text for XML content and attribute values.
pub fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Control characters are not allowed in XML 1.0.
            c if c.is_control() && !matches!(c, '\n' | '\t') => {}
            c => out.push(c),
        }
    }
    out
}

/// The fill colour of a score, as `#rrggbb`.
pub fn score_colour(score: f64) -> String {
    let t = (score / 100.0).clamp(0.0, 1.0);
    let (from, to, f) = if t < 0.5 {
        (RED, AMBER, t * 2.0)
    } else {
        (AMBER, GREEN, (t - 0.5) * 2.0)
    };
    let mix = |x: f64, y: f64| (x + (y - x) * f).round() as u8;
    format!(
        "#{:02x}{:02x}{:02x}",
        mix(from.0, to.0),
        mix(from.1, to.1),
        mix(from.2, to.2)
    )
}

fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        let cut: String = text.chars().take(max - 1).collect();
        format!("{}…", cut.trim_end())
    }
}

/// Draws `cells[question][participant]` (scores 0–100, `None` when missing).
/// Rows or columns missing from `cells` are drawn as missing.
pub fn heatmap_svg(
    questions: &[String],
    participants: &[String],
    cells: &[Vec<Option<f64>>],
) -> String {
    draw(
        ("Alignment by question and participant", "participants"),
        questions,
        participants,
        cells,
    )
}

/// Draws `cells[question][round]`: each question's score across rounds,
/// the columns labelled by `rounds` (short labels such as "2026-05").
pub fn heatmap_over_rounds_svg(
    questions: &[String],
    rounds: &[String],
    cells: &[Vec<Option<f64>>],
) -> String {
    draw(
        ("Alignment by question across rounds", "rounds"),
        questions,
        rounds,
        cells,
    )
}

/// The heatmap with its `(title, what the columns are)`.
fn draw(
    (title, columns): (&str, &str),
    questions: &[String],
    participants: &[String],
    cells: &[Vec<Option<f64>>],
) -> String {
    // Wide enough for the legend even with a single column.
    let width = (LABEL_W + CELL_W * participants.len().max(1) + 16).max(LABEL_W + 240);
    let height = HEADER_H + CELL_H * questions.len() + LEGEND_H + 8;
    let mut svg = String::new();
    // Writing to a String cannot fail; the results are ignored on purpose.
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" aria-label="{title}" font-family="system-ui, sans-serif" font-size="13"><title>{title}</title><desc>{} questions by {} {columns}; each cell shows the alignment score from 0 (red) to 100 (green).</desc>"#,
        questions.len(),
        participants.len()
    );
    for (p, name) in participants.iter().enumerate() {
        let x = LABEL_W + p * CELL_W + CELL_W / 2;
        let _ = write!(
            svg,
            r#"<text x="{x}" y="{}" text-anchor="middle" font-weight="600"><title>{}</title>{}</text>"#,
            HEADER_H - 14,
            xml_escape(name),
            xml_escape(&shorten(name, MAX_PARTICIPANT_CHARS))
        );
    }
    for (q, question) in questions.iter().enumerate() {
        let y = HEADER_H + q * CELL_H;
        let _ = write!(
            svg,
            r#"<text x="{}" y="{}" text-anchor="end"><title>{}</title>{}</text>"#,
            LABEL_W - 10,
            y + CELL_H / 2 + 5,
            xml_escape(question),
            xml_escape(&shorten(question, MAX_QUESTION_CHARS))
        );
        for (p, participant) in participants.iter().enumerate() {
            let x = LABEL_W + p * CELL_W;
            let score = cells
                .get(q)
                .and_then(|row| row.get(p))
                .copied()
                .flatten()
                .filter(|s| s.is_finite());
            let label = format!("{} — {}", xml_escape(question), xml_escape(participant));
            let (fill, stroke, text, tip) = match score {
                Some(s) => {
                    let s = s.clamp(0.0, 100.0);
                    (
                        score_colour(s),
                        "#ffffff".to_owned(),
                        format!("{s:.0}"),
                        format!("{label}: {s:.0} of 100"),
                    )
                }
                None => (
                    "#ffffff".to_owned(),
                    "#9a9a9a".to_owned(),
                    "–".to_owned(),
                    format!("{label}: no score"),
                ),
            };
            let _ = write!(
                svg,
                r##"<g><title>{tip}</title><rect x="{x}" y="{y}" width="{CELL_W}" height="{CELL_H}" fill="{fill}" stroke="{stroke}" stroke-width="2"/><text x="{}" y="{}" text-anchor="middle" fill="#1b1b1b">{text}</text></g>"##,
                x + CELL_W / 2,
                y + CELL_H / 2 + 5
            );
        }
    }
    let legend_y = HEADER_H + CELL_H * questions.len() + 16;
    let _ = write!(
        svg,
        r##"<defs><linearGradient id="parallax-heat-scale"><stop offset="0" stop-color="{}"/><stop offset="0.5" stop-color="{}"/><stop offset="1" stop-color="{}"/></linearGradient></defs><rect x="{LABEL_W}" y="{legend_y}" width="160" height="12" fill="url(#parallax-heat-scale)"/><text x="{}" y="{}" text-anchor="end">0</text><text x="{}" y="{}">100</text><text x="{LABEL_W}" y="{}" fill="#444">misaligned → aligned</text></svg>"##,
        score_colour(0.0),
        score_colour(50.0),
        score_colour(100.0),
        LABEL_W - 6,
        legend_y + 11,
        LABEL_W + 166,
        legend_y + 11,
        legend_y + 28
    );
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn draws_a_labelled_cell_per_score_and_marks_missing_ones() {
        let svg = heatmap_svg(
            &names(&["Ideal customer", "In 3 years"]),
            &names(&["Ana", "Ben"]),
            &[vec![Some(91.6), None], vec![Some(12.0), Some(50.0)]],
        );
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains("<title>Alignment by question and participant</title>"));
        assert!(svg.contains("Ideal customer — Ana: 92 of 100"));
        assert!(svg.contains("Ideal customer — Ben: no score"));
        assert_eq!(svg.matches("<rect").count(), 4 + 1);
        assert!(svg.contains(&score_colour(12.0)));
    }

    #[test]
    fn user_text_is_escaped() {
        let svg = heatmap_svg(
            &names(&["<script>&\"'"]),
            &names(&["A&B"]),
            &[vec![Some(1.0)]],
        );
        assert!(!svg.contains("<script>"));
        assert!(svg.contains("&lt;script&gt;&amp;&quot;&apos;"));
        assert!(svg.contains("A&amp;B"));
    }

    #[test]
    fn colour_scale_runs_red_amber_green() {
        assert_eq!(score_colour(0.0), "#d7483d");
        assert_eq!(score_colour(50.0), "#f2b035");
        assert_eq!(score_colour(100.0), "#43a05a");
        assert_eq!(score_colour(-5.0), score_colour(0.0));
    }
}
