//! Synthetic answers for the speed benchmarks (`examples/round_bench.rs` and
//! the app's reveal benchmark): deterministic and realistic in length and
//! vocabulary. Most sentences carry a number or a customer segment, so
//! answers differ; a third of the templates have neither, so some sentences
//! repeat across answers (a round of 132 answers has ~940 distinct claims).

/// Sentence templates; `{n}` becomes a number and `{x}` a customer segment.
const TEMPLATES: &[&str] = &[
    "Our ideal customer is a {x} with about {n} employees that still runs on spreadsheets.",
    "They lose roughly {n} hours a week to manual scheduling and phone calls.",
    "The person who buys is usually the operations manager, not the owner.",
    "We win because setup takes an afternoon instead of a {n}-week project.",
    "Competitors sell heavy suites that a {x} never fully adopts.",
    "Support answers within {n} minutes, in the customer's own language.",
    "In three years we serve {n} customers and we are profitable.",
    "In five years we expand into {n} European countries.",
    "In ten years we are the standard platform for every {x} in Europe.",
    "Revenue should reach {n} million euros of recurring revenue.",
    "The team grows to {n} engineers, most of them senior.",
    "Reliability matters more than features; we target {n} minutes of downtime a year.",
    "Customers should feel calm and in control of their day.",
    "The product should save every {x} at least {n} hours a month.",
    "We must integrate with the accounting tools they already use.",
    "Data stays in the EU and never leaves the customer's region.",
    "Pricing is per seat, around {n} euros a month.",
    "Our first priority is growth, then retention, then hiring.",
    "Churn has to stay below {n} percent a month.",
    "We should build a partner channel with {n} resellers.",
    "Mobile matters because staff at a {x} are rarely at a desk.",
    "We need a public API so that larger customers can automate their workflows.",
    "Security certification opens the door to bigger deals with a {x}.",
    "Onboarding should be self-service for anyone with {n} or fewer users.",
    "The brand should stand for simplicity and honesty.",
    "Every release ships behind a feature flag and is monitored for {n} days.",
    "We avoid custom projects, even when a large {x} asks for one.",
    "Analytics should show the owner where the time goes each week.",
    "We keep the product focused on scheduling, billing and messaging.",
    "By {n} we want to be known as the most reliable vendor in the market.",
];

const SEGMENTS: &[&str] = &[
    "dental practice",
    "physiotherapy clinic",
    "veterinary clinic",
    "small agency",
    "freight carrier",
    "law firm",
    "accounting office",
    "fitness studio",
];

/// A deterministic generator (xorshift), so every run times the same round.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed; 0 is replaced, as xorshift would stay at 0.
    pub fn new(seed: u64) -> Self {
        Rng(seed.max(1))
    }

    /// A number in `0..bound`.
    pub fn next(&mut self, bound: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % bound as u64) as usize
    }
}

/// An answer of roughly 150 words.
pub fn answer(rng: &mut Rng) -> String {
    let mut text = String::new();
    while text.split_whitespace().count() < 150 {
        let template = TEMPLATES[rng.next(TEMPLATES.len())];
        let sentence = template
            .replace("{n}", &(2 + rng.next(400)).to_string())
            .replace("{x}", SEGMENTS[rng.next(SEGMENTS.len())]);
        if !text.is_empty() {
            text.push(' ');
        }
        text.push_str(&sentence);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_long_distinct_and_repeatable() {
        let (mut a, mut b) = (Rng::new(3), Rng::new(3));
        let first = answer(&mut a);
        assert!((150..200).contains(&first.split_whitespace().count()));
        assert_eq!(first, answer(&mut b));
        assert_ne!(first, answer(&mut a));
    }
}
