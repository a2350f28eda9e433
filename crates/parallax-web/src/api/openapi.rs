//! The OpenAPI 3.1 document of the JSON API, served at `/api/openapi.json`
//! and as a page at `/api/docs`.
//!
//! It is generated: every API route is registered through utoipa-axum's
//! `OpenApiRouter`, so a route cannot exist without its operation, and every
//! body is a type of [`crate::views`] with a schema. What every operation
//! shares is added here by rule, from what the operation declares, instead of
//! being repeated on each handler:
//!
//! - path parameters not declared by name (`{…_id}` and `{number}` are
//!   integers, `{key}` and `{secret}` strings);
//! - the security schemes (bearer token, session cookie) unless the operation
//!   declares itself anonymous with `security(())`;
//! - the error responses each kind of operation can give (400 for parameters
//!   that do not parse, 401 and 403 for signed-in operations, 403 for
//!   cross-site writes, 404, 409 for writes, 413 / 415 / 422 for bodies,
//!   412 where `If-Match` is read), every one with the error envelope;
//! - the rule for writes that take no body, the description of every
//!   `ETag`, and operation ids that are unique.

use std::sync::LazyLock;

use axum::Json;
use serde_json::{Map, Value, json};
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::views::ErrorBody;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Parallax API",
        description = "Everything the Parallax pages do. Authenticate with a personal token \
            (`Authorization: Bearer px_…`, created on the account page or with `POST /api/v1/tokens`) \
            or the session cookie that signing in sets. Every error is one JSON envelope, \
            `{\"error\": {\"code\", \"message\", \"fields\"}}`. Versioned resources answer an `ETag`; \
            a write names the version it read as `If-Match: \"N\"` (or a `version` field), and a \
            stale write answers 409 with `error.current`.",
    ),
    components(schemas(ErrorBody)),
    tags(
        (name = "accounts", description = "Sign-up, sessions, the caller, passwords and personal tokens"),
        (name = "workspaces", description = "Workspaces, members, invitations, settings and the audit log"),
        (name = "vision", description = "The vision: questions and pillars, versioned"),
        (name = "rounds", description = "Rounds of blind answers, the reveal and the listening session"),
        (name = "gaps", description = "The gap register: proposals, decisions, actions, patterns"),
        (name = "documentation", description = "This document"),
    ),
)]
struct ApiDoc;

/// The base of the API's router: the document's info, shared schemas and
/// tags, and the document's own routes.
pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(document))
        .routes(routes!(super::docs::page))
}

/// The finished document, built once.
pub(crate) static DOCUMENT: LazyLock<Value> =
    LazyLock::new(|| conventions(super::router().into_openapi()));

/// This document: the OpenAPI 3.1 description of every API operation.
#[utoipa::path(
    get,
    path = "/api/openapi.json",
    tag = "documentation",
    security(()),
    responses((status = 200, description = "The OpenAPI document", content_type = "application/json", body = Object)),
)]
async fn document() -> Json<&'static Value> {
    Json(&DOCUMENT)
}

const CSRF_RULE: &str = "A write authenticated by the session cookie (or by nothing) must come \
    from this site: `Sec-Fetch-Site: same-origin` (or `none`), or an `Origin` of this server; \
    otherwise it is refused with 403. A write with a bearer token and no cookie needs neither.";

/// Applies the shared rules to every operation and adds the security
/// schemes.
fn conventions(doc: utoipa::openapi::OpenApi) -> Value {
    let mut doc = serde_json::to_value(doc).expect("an OpenAPI document serialises");
    doc["components"]["securitySchemes"] = json!({
        "token": {
            "type": "http", "scheme": "bearer",
            "description": "A personal API token, `px_…` (POST /api/v1/tokens). Writes need no Origin header."
        },
        "cookie": {
            "type": "apiKey", "in": "cookie", "name": "px_session",
            "description": format!("The session cookie set by signing in. {CSRF_RULE}")
        }
    });
    if let Some(paths) = doc["paths"].as_object_mut() {
        for (path, item) in paths.iter_mut() {
            let Some(item) = item.as_object_mut() else {
                continue;
            };
            for (method, operation) in item.iter_mut() {
                apply(path, method, operation);
            }
        }
    }
    unique_operation_ids(&mut doc);
    doc
}

/// Operation ids are the handlers' names; where two modules use the same
/// name (`list`), the tag is put in front (`gaps_list`).
fn unique_operation_ids(doc: &mut Value) {
    let Some(paths) = doc["paths"].as_object_mut() else {
        return;
    };
    let operations = || {
        paths
            .values()
            .filter_map(Value::as_object)
            .flat_map(|item| item.values())
    };
    let mut seen = std::collections::HashMap::<String, usize>::new();
    for operation in operations() {
        if let Some(id) = operation["operationId"].as_str() {
            *seen.entry(id.to_owned()).or_default() += 1;
        }
    }
    for operation in paths
        .values_mut()
        .filter_map(Value::as_object_mut)
        .flat_map(|item| item.values_mut())
    {
        let id = operation["operationId"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        if seen.get(&id).copied().unwrap_or_default() > 1 {
            let tag = operation["tags"][0].as_str().unwrap_or("api").to_owned();
            operation["operationId"] = Value::String(format!("{tag}_{id}"));
        }
    }
}

/// The names of a path template's parameters.
fn path_parameters(path: &str) -> impl Iterator<Item = &str> {
    path.split('/')
        .filter_map(|segment| segment.strip_prefix('{')?.strip_suffix('}'))
}

fn apply(path: &str, method: &str, operation: &mut Value) {
    let write = matches!(method, "post" | "put" | "patch" | "delete");
    let parameters = operation
        .as_object_mut()
        .expect("operations are objects")
        .entry("parameters")
        .or_insert_with(|| json!([]));
    let list = parameters.as_array_mut().expect("parameters are a list");
    for name in path_parameters(path) {
        if !list.iter().any(|p| p["name"] == name && p["in"] == "path") {
            let schema = if name.ends_with("_id") || name == "number" {
                json!({ "type": "integer", "format": "int64" })
            } else {
                json!({ "type": "string" })
            };
            list.push(json!({ "name": name, "in": "path", "required": true, "schema": schema }));
        }
    }
    let has_parameters = !list.is_empty();
    let reads_if_match = list.iter().any(|p| p["name"] == "If-Match");
    if list.is_empty() {
        operation
            .as_object_mut()
            .expect("operations are objects")
            .remove("parameters");
    }
    let anonymous = operation.get("security") == Some(&json!([{}]));
    if operation.get("security").is_none() {
        operation["security"] = json!([{ "token": [] }, { "cookie": [] }]);
    }
    let has_body = operation.get("requestBody").is_some();
    if write && !has_body {
        let rule = "Takes no body: anything but white space is refused with 422.";
        append_description(operation, rule);
    }

    let mut errors: Vec<(&str, String)> = Vec::new();
    match (has_parameters, has_body) {
        (true, true) => errors.push((
            "400",
            "A path or query parameter does not parse (an id that is not a number or is over \
             2^63 − 1, bytes that are not UTF-8), or the body is not JSON"
                .into(),
        )),
        (true, false) => errors.push((
            "400",
            "A path or query parameter does not parse (an id that is not a number or is over \
             2^63 − 1, bytes that are not UTF-8)"
                .into(),
        )),
        (false, true) => errors.push(("400", "The body is not JSON".into())),
        (false, false) => {}
    }
    if !anonymous {
        errors.push(("401", "Not signed in: no valid token or session".into()));
    }
    match (anonymous, write) {
        (false, true) => errors.push((
            "403",
            format!("The caller's role does not allow this. {CSRF_RULE}"),
        )),
        (false, false) => errors.push(("403", "The caller's role does not allow this".into())),
        (true, true) => errors.push(("403", CSRF_RULE.into())),
        (true, false) => {}
    }
    if has_parameters {
        errors.push((
            "404",
            "No such thing, or not visible to the caller (the two are not told apart)".into(),
        ));
    }
    if write {
        errors.push((
            "409",
            "Conflicts with the current state (e.g. a round no longer open); a stale write \
             carries what is stored now in `error.current`"
                .into(),
        ));
    }
    if reads_if_match {
        errors.push((
            "412",
            "`If-Match: *` was sent but there is nothing yet to match".into(),
        ));
    }
    errors.push((
        "413",
        format!("The body is over {} KiB", crate::MAX_BODY_BYTES / 1024),
    ));
    if has_body {
        errors.push(("415", "The body is not sent as `application/json`".into()));
    }
    if write {
        errors.push((
            "422",
            "The body is not valid: `error.fields` names each invalid field by its path".into(),
        ));
    }
    let responses = operation["responses"]
        .as_object_mut()
        .expect("every operation has responses");
    for (status, description) in errors {
        if !write && !has_body && status == "413" {
            continue;
        }
        responses
            .entry(status)
            .or_insert_with(|| json!({ "description": description }));
    }
    for (status, response) in responses.iter_mut() {
        if let Some(etag) = response.pointer_mut("/headers/ETag")
            && etag.get("description").is_none()
        {
            etag["description"] = Value::String(super::preconditions::ETAG.to_owned());
        }
        let error = status.starts_with('4') || status.starts_with('5');
        if error && response.get("content").is_none() {
            response["content"] = json!({
                "application/json": { "schema": { "$ref": "#/components/schemas/ErrorBody" } }
            });
        }
    }
}

fn append_description(operation: &mut Value, text: &str) {
    let current = operation
        .get("description")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let joined = if current.is_empty() {
        text.to_owned()
    } else {
        format!("{current}\n\n{text}")
    };
    operation["description"] = Value::String(joined);
}

/// The operations of the document, as (method, path, operation).
pub(crate) fn operations()
-> impl Iterator<Item = (&'static str, &'static str, &'static Map<String, Value>)> {
    DOCUMENT["paths"]
        .as_object()
        .into_iter()
        .flat_map(|paths| paths.iter())
        .flat_map(|(path, item)| {
            item.as_object()
                .into_iter()
                .flat_map(|item| item.iter())
                .filter_map(move |(method, operation)| {
                    Some((method.as_str(), path.as_str(), operation.as_object()?))
                })
        })
}

#[cfg(test)]
mod tests {
    use super::DOCUMENT;

    #[test]
    fn every_operation_has_typed_bodies_and_its_errors() {
        assert_eq!(DOCUMENT["openapi"], "3.1.0");
        let mut ids: Vec<&str> = super::operations()
            .map(|(_, _, op)| op["operationId"].as_str().expect("an operation id"))
            .collect();
        let count = ids.len();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), count, "operation ids repeat");
        for (method, path, operation) in super::operations() {
            let responses = operation["responses"].as_object().expect("responses");
            let success = responses
                .iter()
                .find(|(status, _)| status.starts_with('2'))
                .unwrap_or_else(|| panic!("{method} {path} has no success response"));
            // 204, and a 201 that answers nothing but its status.
            let no_content = matches!(success.0.as_str(), "201" | "204");
            assert!(
                no_content || success.1.get("content").is_some(),
                "{method} {path}: its success response has no body type"
            );
            for (status, response) in responses {
                if status.starts_with('4') {
                    assert_eq!(
                        response["content"]["application/json"]["schema"]["$ref"],
                        "#/components/schemas/ErrorBody",
                        "{method} {path} {status}"
                    );
                }
            }
            if let Some(body) = operation.get("requestBody") {
                let schema = &body["content"]["application/json"]["schema"];
                assert!(
                    schema.get("$ref").is_some(),
                    "{method} {path}: the request body is not a named type: {schema}"
                );
            }
            for name in super::path_parameters(path) {
                let parameters = operation["parameters"].as_array().expect("parameters");
                assert!(
                    parameters.iter().any(|p| p["name"] == name),
                    "{method} {path}: {name} undocumented"
                );
            }
            let write = matches!(method, "post" | "put" | "patch" | "delete");
            if write {
                for status in ["403", "409", "413", "422"] {
                    assert!(
                        responses.contains_key(status),
                        "{method} {path} lacks {status}"
                    );
                }
            }
            assert!(
                operation["security"].is_array(),
                "{method} {path} names no security"
            );
        }
    }
}
