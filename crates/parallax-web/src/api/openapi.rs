//! The OpenAPI document of the JSON API, served at `/api/openapi.json`.
//! A test checks that every API route appears in it.

use axum::Json;
use axum::routing::get;
use serde_json::{Map, Value, json};

use crate::Routes;

pub(super) fn routes() -> Routes {
    vec![("/api/openapi.json", get(document))]
}

/// (method, path, summary).
const OPERATIONS: &[(&str, &str, &str)] = &[
    (
        "post",
        "/api/v1/signup",
        "Create the first account (or any, with open sign-up) and its workspace",
    ),
    (
        "post",
        "/api/v1/session",
        "Sign in with e-mail and password (sets the session cookie)",
    ),
    ("delete", "/api/v1/session", "Sign out"),
    ("get", "/api/v1/me", "The caller's account"),
    (
        "put",
        "/api/v1/me/password",
        "Change the caller's password (current, password); other sessions end",
    ),
    (
        "post",
        "/api/v1/invites/{secret}/signup",
        "Create an account through an invitation (name, email, password) and sign in",
    ),
    ("get", "/api/v1/tokens", "The caller's personal API tokens"),
    (
        "post",
        "/api/v1/tokens",
        "Create a personal API token (the secret is returned once)",
    ),
    (
        "delete",
        "/api/v1/tokens/{token_id}",
        "Revoke a personal API token",
    ),
    ("get", "/api/v1/workspaces", "The caller's workspaces"),
    ("post", "/api/v1/workspaces", "Create a workspace"),
    ("get", "/api/v1/workspaces/{workspace_id}", "One workspace"),
    (
        "get",
        "/api/v1/workspaces/{workspace_id}/members",
        "Members and roles",
    ),
    (
        "patch",
        "/api/v1/workspaces/{workspace_id}/members/{user_id}",
        "Change a member's role (owners)",
    ),
    (
        "delete",
        "/api/v1/workspaces/{workspace_id}/members/{user_id}",
        "Remove a member; their sessions and tokens no longer reach this workspace (owners)",
    ),
    (
        "get",
        "/api/v1/workspaces/{workspace_id}/invites",
        "Open invitations (owners)",
    ),
    (
        "post",
        "/api/v1/workspaces/{workspace_id}/invites",
        "Create a single-use invitation link for a role (owners)",
    ),
    (
        "delete",
        "/api/v1/workspaces/{workspace_id}/invites/{invite_id}",
        "Revoke an invitation (owners)",
    ),
    (
        "get",
        "/api/v1/workspaces/{workspace_id}/audit",
        "The audit log (owners)",
    ),
    (
        "patch",
        "/api/v1/workspaces/{workspace_id}/settings",
        "Switch the analysis on or off: {\"analysis_enabled\": bool} (owners)",
    ),
    (
        "get",
        "/api/v1/invites/{secret}",
        "What an invitation link admits to",
    ),
    (
        "post",
        "/api/v1/invites/{secret}/accept",
        "Accept an invitation as the signed-in caller",
    ),
    (
        "get",
        "/api/v1/workspaces/{workspace_id}/vision",
        "The newest vision version (ETag: its version)",
    ),
    (
        "get",
        "/api/v1/workspaces/{workspace_id}/vision/versions",
        "Every vision version",
    ),
    (
        "get",
        "/api/v1/workspaces/{workspace_id}/vision/versions/{number}",
        "One vision version",
    ),
    (
        "get",
        "/api/v1/workspaces/{workspace_id}/vision/compare",
        "Questions and pillars added, removed, changed between ?from=N&to=M",
    ),
    (
        "post",
        "/api/v1/workspaces/{workspace_id}/vision/questions",
        "Add a question (If-Match: vision version)",
    ),
    (
        "put",
        "/api/v1/workspaces/{workspace_id}/vision/questions/{key}",
        "Change a question (If-Match)",
    ),
    (
        "delete",
        "/api/v1/workspaces/{workspace_id}/vision/questions/{key}",
        "Remove a question (If-Match)",
    ),
    (
        "post",
        "/api/v1/workspaces/{workspace_id}/vision/questions/{key}/move",
        "Move a question up or down (If-Match)",
    ),
    (
        "put",
        "/api/v1/workspaces/{workspace_id}/vision/pillars",
        "Replace the pillars (If-Match)",
    ),
    (
        "get",
        "/api/v1/workspaces/{workspace_id}/rounds",
        "Rounds the caller may see",
    ),
    (
        "post",
        "/api/v1/workspaces/{workspace_id}/rounds",
        "Open a draft round on the newest vision version",
    ),
    (
        "get",
        "/api/v1/workspaces/{workspace_id}/rounds/{round_id}",
        "A round: state, participants and who submitted, the caller's own answers",
    ),
    (
        "put",
        "/api/v1/workspaces/{workspace_id}/rounds/{round_id}/participants",
        "Replace the participants of a draft round",
    ),
    (
        "post",
        "/api/v1/workspaces/{workspace_id}/rounds/{round_id}/send",
        "Send a draft round",
    ),
    (
        "post",
        "/api/v1/workspaces/{workspace_id}/rounds/{round_id}/reveal",
        "Reveal; {\"confirm\": true} leaves out who has not submitted",
    ),
    (
        "post",
        "/api/v1/workspaces/{workspace_id}/rounds/{round_id}/close",
        "Close a revealed round",
    ),
    (
        "put",
        "/api/v1/workspaces/{workspace_id}/rounds/{round_id}/answers/{key}",
        "Save the caller's answer (If-Match: its version; none for a first answer)",
    ),
    (
        "post",
        "/api/v1/workspaces/{workspace_id}/rounds/{round_id}/submit",
        "Submit the caller's answers",
    ),
    (
        "get",
        "/api/v1/workspaces/{workspace_id}/rounds/{round_id}/session",
        "The listening session (after the reveal)",
    ),
    (
        "put",
        "/api/v1/workspaces/{workspace_id}/rounds/{round_id}/notes/{key}/{participant_id}",
        "Note and flag one question for one participant (If-Match)",
    ),
    (
        "post",
        "/api/v1/workspaces/{workspace_id}/rounds/{round_id}/clarifications",
        "Ask a participant a clarifying question",
    ),
    (
        "post",
        "/api/v1/workspaces/{workspace_id}/rounds/{round_id}/clarifications/{clarification_id}/answer",
        "Answer a clarifying question put to the caller",
    ),
    (
        "get",
        "/api/v1/workspaces/{workspace_id}/gaps",
        "The gap register: gaps from revealed rounds the caller may see, with open actions and the next round's check",
    ),
    (
        "post",
        "/api/v1/workspaces/{workspace_id}/gaps",
        "Add a gap by hand from a revealed round (not advisors)",
    ),
    (
        "get",
        "/api/v1/workspaces/{workspace_id}/gaps/proposals",
        "Gaps the analysis and the flags propose, never duplicates of open gaps (owners and leaders)",
    ),
    (
        "post",
        "/api/v1/workspaces/{workspace_id}/gaps/proposals/accept",
        "Accept a proposal: {round_id, key} with optional title, description, severity",
    ),
    (
        "post",
        "/api/v1/workspaces/{workspace_id}/gaps/proposals/dismiss",
        "Dismiss a proposal for good: {round_id, key}",
    ),
    (
        "get",
        "/api/v1/workspaces/{workspace_id}/gaps/patterns",
        "Gaps recurring across questions, people and rounds: how often, since when, growing or shrinking",
    ),
    (
        "get",
        "/api/v1/workspaces/{workspace_id}/gaps/{gap_id}",
        "One gap with actions, comments and history",
    ),
    (
        "patch",
        "/api/v1/workspaces/{workspace_id}/gaps/{gap_id}",
        "Edit a gap, record the decision, change its status (version; confirm to close with open actions)",
    ),
    (
        "post",
        "/api/v1/workspaces/{workspace_id}/gaps/{gap_id}/actions",
        "Add an action: kind, title, owner_id, due_at",
    ),
    (
        "patch",
        "/api/v1/workspaces/{workspace_id}/gaps/{gap_id}/actions/{action_id}",
        "Set an action's status (managers or its owner)",
    ),
    (
        "post",
        "/api/v1/workspaces/{workspace_id}/gaps/{gap_id}/actions/{action_id}/comments",
        "Comment on an action",
    ),
    (
        "get",
        "/api/v1/actions",
        "The caller's open actions across workspaces (overdue marked)",
    ),
    ("get", "/api/openapi.json", "This document"),
];

fn error_response(description: &str) -> Value {
    json!({ "description": description, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } })
}

/// Builds the OpenAPI 3.1 document.
pub(crate) fn build() -> Value {
    let mut paths = Map::new();
    for (method, path, summary) in OPERATIONS {
        let parameters: Vec<Value> = path
            .split('/')
            .filter_map(|segment| segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .map(|name| {
                let schema = if name == "key" || name == "secret" {
                    json!({"type": "string"})
                } else {
                    json!({"type": "integer"})
                };
                json!({ "name": name, "in": "path", "required": true, "schema": schema })
            })
            .collect();
        let mut operation = json!({
            "summary": summary,
            "parameters": parameters,
            "responses": {
                "2XX": { "description": "Success" },
                "401": error_response("Not signed in"),
                "403": error_response("Signed in, but the role does not allow this"),
                "404": error_response("No such thing, or not visible to the caller"),
                "409": error_response("Conflicts with the current state; a stale write carries `error.current`"),
                "422": error_response("Invalid input; `error.fields` lists each field"),
            }
        });
        if matches!(*method, "post" | "put" | "patch") {
            operation["requestBody"] = json!({ "required": false, "content": { "application/json": { "schema": { "type": "object" } } } });
        }
        paths
            .entry(path.to_string())
            .or_insert_with(|| json!({}))
            .as_object_mut()
            .expect("path items are objects")
            .insert(method.to_string(), operation);
    }
    json!({
        "openapi": "3.1.0",
        "info": { "title": "Parallax API", "version": env!("CARGO_PKG_VERSION"),
                  "description": "Everything the Parallax pages do. Authenticate with `Authorization: Bearer px_…` (a personal token) or the session cookie." },
        "components": {
            "securitySchemes": { "token": { "type": "http", "scheme": "bearer" }, "cookie": { "type": "apiKey", "in": "cookie", "name": "px_session" } },
            "schemas": { "Error": { "type": "object", "properties": { "error": { "type": "object", "properties": {
                "code": { "type": "string" }, "message": { "type": "string" }, "fields": { "type": "array" }, "current": { "type": "object" }
            } } } } }
        },
        "security": [{ "token": [] }, { "cookie": [] }],
        "paths": paths,
    })
}

async fn document() -> Json<Value> {
    Json(build())
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_api_route_is_documented() {
        let documented: Vec<&str> = super::OPERATIONS.iter().map(|(_, path, _)| *path).collect();
        for path in crate::route_paths()
            .into_iter()
            .filter(|p| p.starts_with("/api/"))
        {
            assert!(
                documented.contains(&path),
                "{path} is missing from the OpenAPI document"
            );
        }
        let doc = super::build();
        assert_eq!(doc["openapi"], "3.1.0");
        assert!(doc["paths"]["/api/v1/workspaces/{workspace_id}/rounds/{round_id}/answers/{key}"]["put"].is_object());
    }
}
