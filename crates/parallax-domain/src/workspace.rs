//! Workspaces and the roles people hold in them.

use std::fmt;
use std::str::FromStr;

use crate::{Invalid, bounded_text};

/// The name of a workspace (a company or team).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkspaceName(String);

impl WorkspaceName {
    /// 1–80 characters after trimming.
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        bounded_text("name", raw, 1, 80).map(Self)
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What a member may do in a workspace. Decisions live in `parallax-app`'s
/// policy module; this type only names the roles.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Runs the workspace: members, invites, settings.
    Owner,
    /// A business leader: writes the vision, opens rounds.
    Leader,
    /// A technical lead: answers rounds, translates the vision.
    TechLead,
    /// Takes part in rounds when invited to one.
    Member,
    /// An external advisor with read-only access to granted rounds.
    Advisor,
}

impl Role {
    /// Every role, in the order shown in menus.
    pub const ALL: [Role; 5] = [
        Role::Owner,
        Role::Leader,
        Role::TechLead,
        Role::Member,
        Role::Advisor,
    ];

    /// The stored and API spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Leader => "leader",
            Role::TechLead => "tech_lead",
            Role::Member => "member",
            Role::Advisor => "advisor",
        }
    }

    /// The spelling shown to people.
    pub fn label(self) -> &'static str {
        match self {
            Role::Owner => "Owner",
            Role::Leader => "Leader",
            Role::TechLead => "Technical lead",
            Role::Member => "Member",
            Role::Advisor => "Advisor",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

impl FromStr for Role {
    type Err = Invalid;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|role| role.as_str() == s)
            .ok_or_else(|| Invalid::new("role", format!("unknown role {s:?}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_through_their_spelling() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>().unwrap(), role);
        }
        assert!("boss".parse::<Role>().is_err());
    }

    #[test]
    fn workspace_names_are_bounded() {
        assert!(WorkspaceName::parse("  ").is_err());
        assert!(WorkspaceName::parse(&"w".repeat(81)).is_err());
        assert_eq!(WorkspaceName::parse(" Acme ").unwrap().as_str(), "Acme");
    }
}
