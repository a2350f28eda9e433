//! Gaps between how people read the vision, and the actions that close them.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::Invalid;

/// Spellings of a closed set of values: stored, shown and parsed the same way
/// everywhere.
macro_rules! spelled {
    ($(#[$doc:meta])* $name:ident, $field:literal, [$($(#[$vdoc:meta])* $variant:ident = $stored:literal, $label:literal;)+]) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vdoc])* $variant,)+
        }

        impl $name {
            /// Every value, in order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// Stored spelling.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $stored,)+ }
            }

            /// Spelling shown to people.
            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label,)+ }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.label())
            }
        }

        impl FromStr for $name {
            type Err = Invalid;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::ALL
                    .iter()
                    .copied()
                    .find(|v| v.as_str() == s)
                    .ok_or_else(|| Invalid::new($field, format!("unknown {} {s:?}", $field)))
            }
        }
    };
}

spelled!(
    /// Where a gap is: open → decided → closed, or accepted as a known difference.
    GapStatus, "status", [
        /// Seen, not yet decided.
        Open = "open", "Open";
        /// A decision was taken; actions are under way.
        Decided = "decided", "Decided";
        /// Closed: the difference is gone.
        Closed = "closed", "Closed";
        /// Accepted as a known difference that stays.
        Accepted = "accepted", "Accepted";
    ]
);

impl GapStatus {
    /// Whether the gap still needs work (open or decided).
    pub fn is_active(self) -> bool {
        matches!(self, GapStatus::Open | GapStatus::Decided)
    }

    /// One line of help for the people choosing the status.
    pub fn help(self) -> &'static str {
        match self {
            GapStatus::Open => "Seen, not decided yet: the two readings still stand.",
            GapStatus::Decided => {
                "A decision is recorded above and actions carry it out; the gap stays on the list until a later round shows it aligned."
            }
            GapStatus::Closed => {
                "Done: the readings agree now (a later round shows it) or the actions settled it."
            }
            GapStatus::Accepted => {
                "A known difference you choose to live with: it leaves the open list but stays in the register."
            }
        }
    }
}

spelled!(
    /// How much a gap matters.
    Severity, "severity", [
        /// Worth knowing.
        Low = "low", "Low";
        /// Should be decided soon.
        Medium = "medium", "Medium";
        /// Blocks the vision.
        High = "high", "High";
    ]
);

spelled!(
    /// What an action changes.
    ActionKind, "kind", [
        /// What comes first.
        PriorityChange = "priority_change", "Priority change";
        /// Who works on what, with whom.
        TeamStructure = "team_structure", "Team structure";
        /// How work is done.
        ProcessChange = "process_change", "Process change";
        /// What is said to whom.
        Communication = "communication", "Communication";
    ]
);

spelled!(
    /// Where an action is.
    ActionStatus, "status", [
        /// Not started.
        Open = "open", "Open";
        /// Being worked on.
        InProgress = "in_progress", "In progress";
        /// Done.
        Done = "done", "Done";
        /// Not done, on purpose.
        Dropped = "dropped", "Dropped";
    ]
);

impl ActionStatus {
    /// Whether the action still needs doing.
    pub fn is_open(self) -> bool {
        matches!(self, ActionStatus::Open | ActionStatus::InProgress)
    }
}

/// A title reduced to its words, lower case, for finding the same gap written
/// twice ("Small clinics vs. groups!" and "small clinics vs groups").
pub fn normalised_title(title: &str) -> String {
    title
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_round_trip() {
        for s in GapStatus::ALL {
            assert_eq!(s.as_str().parse::<GapStatus>().unwrap(), *s);
        }
        for s in Severity::ALL {
            assert_eq!(s.as_str().parse::<Severity>().unwrap(), *s);
        }
        for k in ActionKind::ALL {
            assert_eq!(k.as_str().parse::<ActionKind>().unwrap(), *k);
        }
        for s in ActionStatus::ALL {
            assert_eq!(s.as_str().parse::<ActionStatus>().unwrap(), *s);
        }
        assert_eq!(ActionKind::ALL.len(), 4);
        let err = "urgent".parse::<Severity>().unwrap_err();
        assert_eq!(err.field, "severity");
    }

    #[test]
    fn active_and_open_states() {
        assert!(GapStatus::Open.is_active() && GapStatus::Decided.is_active());
        assert!(!GapStatus::Closed.is_active() && !GapStatus::Accepted.is_active());
        assert!(ActionStatus::InProgress.is_open());
        assert!(!ActionStatus::Done.is_open() && !ActionStatus::Dropped.is_open());
    }

    #[test]
    fn titles_normalise_to_their_words() {
        assert_eq!(
            normalised_title("  Small clinics vs. Groups! "),
            normalised_title("small clinics vs groups")
        );
        assert_eq!(normalised_title("Größe — zählt"), "größe zählt");
    }
}
