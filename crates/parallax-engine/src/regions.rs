//! Markets named in an answer: countries and the regions that hold them, so
//! that "DACH" and "Germany, Austria and Switzerland", or "the Nordics" and
//! "Sweden", count as the same place.
//!
//! A name maps to a set of countries (ISO 3166 alpha-2 codes); two claims
//! name the same market when their sets overlap. "US" is read only in
//! capitals ("us" is a pronoun).

use std::collections::HashMap;
use std::sync::LazyLock;

use crate::lexical::words;

const EUROPE: &[&str] = &[
    "AT", "BE", "CH", "CZ", "DE", "DK", "ES", "FI", "FR", "GR", "IE", "IS", "IT", "LU", "NL", "NO",
    "PL", "PT", "SE", "UK",
];
const NORDICS: &[&str] = &["DK", "FI", "IS", "NO", "SE"];
const DACH: &[&str] = &["AT", "CH", "DE"];
const BENELUX: &[&str] = &["BE", "LU", "NL"];
const NORTH_AMERICA: &[&str] = &["CA", "US"];
const LATIN_AMERICA: &[&str] = &["AR", "BR", "CL", "CO", "MX", "PE"];
const ASIA_PACIFIC: &[&str] = &["AU", "CN", "IN", "JP", "KR", "NZ", "SG"];

/// Lower-case names (single words or phrases) and the countries they cover.
const NAMES: &[Name] = &[
    ("europe", EUROPE),
    ("european", EUROPE),
    ("eu", EUROPE),
    ("emea", EUROPE),
    ("nordics", NORDICS),
    ("nordic", NORDICS),
    ("scandinavia", NORDICS),
    ("scandinavian", NORDICS),
    ("dach", DACH),
    ("benelux", BENELUX),
    ("north america", NORTH_AMERICA),
    ("latin america", LATIN_AMERICA),
    ("latam", LATIN_AMERICA),
    ("south america", LATIN_AMERICA),
    ("apac", ASIA_PACIFIC),
    ("asia", ASIA_PACIFIC),
    ("germany", &["DE"]),
    ("german", &["DE"]),
    ("austria", &["AT"]),
    ("austrian", &["AT"]),
    ("switzerland", &["CH"]),
    ("swiss", &["CH"]),
    ("france", &["FR"]),
    ("french", &["FR"]),
    ("netherlands", &["NL"]),
    ("dutch", &["NL"]),
    ("holland", &["NL"]),
    ("belgium", &["BE"]),
    ("belgian", &["BE"]),
    ("luxembourg", &["LU"]),
    ("uk", &["UK"]),
    ("united kingdom", &["UK"]),
    ("britain", &["UK"]),
    ("british", &["UK"]),
    ("england", &["UK"]),
    ("scotland", &["UK"]),
    ("ireland", &["IE"]),
    ("irish", &["IE"]),
    ("spain", &["ES"]),
    ("spanish", &["ES"]),
    ("portugal", &["PT"]),
    ("italy", &["IT"]),
    ("italian", &["IT"]),
    ("poland", &["PL"]),
    ("polish", &["PL"]),
    ("czech", &["CZ"]),
    ("greece", &["GR"]),
    ("sweden", &["SE"]),
    ("swedish", &["SE"]),
    ("norway", &["NO"]),
    ("norwegian", &["NO"]),
    ("denmark", &["DK"]),
    ("danish", &["DK"]),
    ("finland", &["FI"]),
    ("finnish", &["FI"]),
    ("iceland", &["IS"]),
    ("usa", &["US"]),
    ("united states", &["US"]),
    ("america", &["US"]),
    ("american", &["US"]),
    ("canada", &["CA"]),
    ("canadian", &["CA"]),
    ("mexico", &["MX"]),
    ("brazil", &["BR"]),
    ("japan", &["JP"]),
    ("china", &["CN"]),
    ("india", &["IN"]),
    ("australia", &["AU"]),
    ("singapore", &["SG"]),
];

/// A name and the countries it covers.
type Name = (&'static str, &'static [&'static str]);

/// [`NAMES`] by their first word: most words of an answer name no market.
static BY_FIRST_WORD: LazyLock<HashMap<&'static str, Vec<Name>>> = LazyLock::new(|| {
    let mut map: HashMap<&str, Vec<Name>> = HashMap::new();
    for &(name, codes) in NAMES {
        let first = name.split(' ').next().unwrap_or(name);
        map.entry(first).or_default().push((name, codes));
    }
    map
});

/// The countries `text` names, sorted, without duplicates.
pub fn countries(text: &str) -> Vec<&'static str> {
    let ws = words(text);
    let lower: Vec<String> = ws.iter().map(|(_, w)| w.to_lowercase()).collect();
    let mut out: Vec<&'static str> = Vec::new();
    for (k, (_, word)) in ws.iter().enumerate() {
        if matches!(*word, "US" | "U.S") {
            out.push("US");
        }
        let Some(candidates) = BY_FIRST_WORD.get(lower[k].as_str()) else {
            continue;
        };
        for (name, codes) in candidates {
            let found = name
                .split(' ')
                .enumerate()
                .all(|(i, p)| lower.get(k + i).is_some_and(|w| w == p));
            // "South America" is not "America".
            let inside_longer = *name == "america"
                && k > 0
                && matches!(lower[k - 1].as_str(), "north" | "latin" | "south");
            if found && !inside_longer {
                out.extend(codes.iter().copied());
            }
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// Whether two claims name a market in common.
pub fn same_market(a: &str, b: &str) -> bool {
    share_a_country(&countries(a), &countries(b))
}

/// Whether two lists of [`countries`] overlap: for callers that read each
/// claim's countries once and compare many pairs.
pub fn share_a_country(a: &[&str], b: &[&str]) -> bool {
    a.iter().any(|c| b.contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_and_their_countries_are_the_same_market() {
        assert!(same_market(
            "We grow across DACH.",
            "Germany, Austria and Switzerland first."
        ));
        assert!(same_market("the Nordics", "Sweden and Norway"));
        assert!(same_market("the US", "North America"));
        assert!(!same_market("We talk to us.", "the US"));
        assert!(!same_market("South America", "the United States"));
        assert!(!same_market("France", "Germany"));
    }
}
