//! The API reference as a page, rendered on the server from the generated
//! document: every operation by tag with its parameters, body and responses,
//! and every schema with its fields. Nothing is fetched from elsewhere, so it
//! works offline and under the strict Content-Security-Policy.

use maud::{Markup, html};
use serde_json::{Map, Value};

use super::openapi::{DOCUMENT, operations};
use crate::pages::layout;

/// The API reference, readable in a browser.
#[utoipa::path(
    get,
    path = "/api/docs",
    tag = "documentation",
    security(()),
    responses((status = 200, description = "The API reference as an HTML page", content_type = "text/html", body = String)),
)]
pub(super) async fn page() -> Markup {
    let tags = DOCUMENT["tags"].as_array().cloned().unwrap_or_default();
    let schemas = DOCUMENT["components"]["schemas"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    let content = html! {
        h1 { "Parallax API" }
        p.lead { (DOCUMENT["info"]["description"].as_str().unwrap_or_default()) }
        p { "The same description as a machine-readable OpenAPI 3.1 document: "
            a href="/api/openapi.json" { code { "/api/openapi.json" } } "." }
        nav.card.api-toc aria-label="Contents" {
            @for tag in &tags {
                @let name = tag["name"].as_str().unwrap_or_default();
                a href={ "#tag-" (name) } { (layout::capitalise(name)) }
            }
            a href="#schemas" { "Schemas" }
        }
        @for tag in &tags {
            @let name = tag["name"].as_str().unwrap_or_default();
            section id={ "tag-" (name) } {
                h2 { (layout::capitalise(name)) }
                p.muted { (tag["description"].as_str().unwrap_or_default()) }
                @for (method, path, operation) in operations().filter(|(_, _, op)| has_tag(op, name)) {
                    (operation_card(method, path, operation))
                }
            }
        }
        section id="schemas" {
            h2 { "Schemas" }
            @for (name, schema) in &schemas {
                (schema_card(name, schema))
            }
        }
    };
    layout::page("API reference", None, None, content)
}

fn has_tag(operation: &Map<String, Value>, tag: &str) -> bool {
    operation["tags"]
        .as_array()
        .is_some_and(|tags| tags.iter().any(|t| t == tag))
}

fn operation_card(method: &str, path: &str, operation: &Map<String, Value>) -> Markup {
    let text = |key: &str| {
        operation
            .get(key)
            .and_then(Value::as_str)
            .unwrap_or_default()
    };
    let anonymous = operation.get("security") == Some(&serde_json::json!([{}]));
    html! {
        article.card.api-op id=(anchor(method, path)) {
            h3 {
                span class={ "api-method " (method) } { (method.to_uppercase()) }
                " " code { (path) }
            }
            p { strong { (text("summary")) } }
            @for paragraph in text("description").split("\n\n").filter(|p| !p.is_empty() && *p != text("summary")) {
                p { (paragraph) }
            }
            p.muted {
                @if anonymous { "No sign-in needed." } @else { "Bearer token or session cookie." }
            }
            @if let Some(parameters) = operation.get("parameters").and_then(Value::as_array) {
                table {
                    thead { tr { th { "Parameter" } th { "In" } th { "Type" } th { "Description" } } }
                    tbody {
                        @for p in parameters {
                            tr {
                                td { code { (p["name"].as_str().unwrap_or_default()) }
                                     @if p["required"] == true { " (required)" } }
                                td { (p["in"].as_str().unwrap_or_default()) }
                                td { (type_of(&p["schema"])) }
                                td { (p["description"].as_str().unwrap_or_default()) }
                            }
                        }
                    }
                }
            }
            @if let Some(body) = operation.get("requestBody") {
                p {
                    "Body" @if body["required"] != true { " (optional)" } ": "
                    (type_of(&body["content"]["application/json"]["schema"]))
                }
            }
            table {
                thead { tr { th { "Status" } th { "Description" } th { "Body" } } }
                tbody {
                    @for (status, response) in operation["responses"].as_object().into_iter().flatten() {
                        tr {
                            td { (status) }
                            td { (response["description"].as_str().unwrap_or_default()) }
                            td {
                                @if let Some((_, media)) = response["content"].as_object().and_then(|c| c.iter().next()) {
                                    (type_of(&media["schema"]))
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn anchor(method: &str, path: &str) -> String {
    let cleaned: String = path
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    format!("op-{method}{cleaned}")
}

fn schema_card(name: &str, schema: &Value) -> Markup {
    let required: Vec<&str> = schema["required"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    html! {
        article.card id={ "schema-" (name) } {
            h3 { code { (name) } }
            @if let Some(description) = schema["description"].as_str() {
                p { (description) }
            }
            @if let Some(properties) = schema["properties"].as_object() {
                table {
                    thead { tr { th { "Field" } th { "Type" } th { "Description" } } }
                    tbody {
                        @for (field, property) in properties {
                            tr {
                                td { code { (field) } @if !required.contains(&field.as_str()) { " (optional)" } }
                                td { (type_of(property)) }
                                td { (property["description"].as_str().unwrap_or_default()) }
                            }
                        }
                    }
                }
            } @else {
                p { (type_of(schema)) }
            }
        }
    }
}

/// A schema in a few words, with links to named schemas.
fn type_of(schema: &Value) -> Markup {
    if let Some(reference) = schema["$ref"].as_str() {
        let name = reference.rsplit('/').next().unwrap_or(reference);
        return html! { a href={ "#schema-" (name) } { (name) } };
    }
    for key in ["oneOf", "anyOf", "allOf"] {
        if let Some(variants) = schema[key].as_array() {
            let joiner = if key == "allOf" { " and " } else { " or " };
            return html! {
                @for (i, variant) in variants.iter().enumerate() {
                    @if i > 0 { (joiner) }
                    (type_of(variant))
                }
            };
        }
    }
    if let Some(values) = schema["enum"].as_array() {
        let names: Vec<String> = values.iter().map(|v| v.to_string()).collect();
        return html! { "one of " code { (names.join(", ")) } };
    }
    let kind = match &schema["type"] {
        Value::String(kind) => kind.clone(),
        Value::Array(kinds) => kinds
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(" or "),
        _ => String::new(),
    };
    if kind.starts_with("array") {
        return html! { "list of " (type_of(&schema["items"])) };
    }
    if kind.is_empty() && schema.get("properties").is_some() {
        return html! { "object" };
    }
    html! {
        @if kind.is_empty() { "any" } @else { (kind) }
        @if let Some(format) = schema["format"].as_str() { " (" (format) ")" }
    }
}
