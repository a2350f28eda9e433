//! The API's description, as a caller meets it: the generated OpenAPI
//! document says what an outside probe found missing before (bodies, query
//! parameters, versions, error statuses, the cross-site rule, security per
//! operation), the reference page renders it without fetching anything, and
//! the errors the framework makes parse into the one documented envelope.

mod common;

use common::{Db, TestApp, get_json};
use parallax_web::views::ErrorBody;
use parallax_web::views::ErrorCode;
use serde_json::Value;

fn operation<'a>(doc: &'a Value, method: &str, path: &str) -> &'a Value {
    let op = &doc["paths"][path][method];
    assert!(op.is_object(), "{method} {path} is not documented");
    op
}

fn parameter<'a>(op: &'a Value, name: &str) -> &'a Value {
    op["parameters"]
        .as_array()
        .and_then(|list| list.iter().find(|p| p["name"] == name))
        .unwrap_or_else(|| panic!("no parameter {name} in {op}"))
}

async fn the_document_describes_what_callers_need(db: Db) {
    let app = TestApp::spawn(db).await;
    let doc = get_json(&app.client(), &app.url("/api/openapi.json")).await;
    assert_eq!(&doc, parallax_web::openapi_document());
    assert_eq!(doc["openapi"], "3.1.0");

    let compare = operation(
        &doc,
        "get",
        "/api/v1/workspaces/{workspace_id}/vision/compare",
    );
    for name in ["from", "to"] {
        let p = parameter(compare, name);
        assert_eq!(p["in"], "query");
        assert_eq!(p["required"], true, "{name}");
    }

    let answer = operation(
        &doc,
        "put",
        "/api/v1/workspaces/{workspace_id}/rounds/{round_id}/answers/{key}",
    );
    assert_eq!(parameter(answer, "If-Match")["in"], "header");
    assert!(
        answer["responses"]["200"]["headers"]["ETag"].is_object(),
        "{answer}"
    );
    assert!(answer["responses"]["412"].is_object());
    assert_eq!(answer["requestBody"]["required"], true);

    let add_question = operation(
        &doc,
        "post",
        "/api/v1/workspaces/{workspace_id}/vision/questions",
    );
    assert!(
        add_question["responses"]["428"].is_object(),
        "{add_question}"
    );

    let sign_in = operation(&doc, "post", "/api/v1/session");
    for status in ["400", "401", "403", "413", "415", "422", "429"] {
        assert!(
            sign_in["responses"][status].is_object(),
            "sign-in lacks {status}"
        );
    }
    assert_eq!(sign_in["security"], serde_json::json!([{}]));
    let forbidden = sign_in["responses"]["403"]["description"].as_str().unwrap();
    assert!(forbidden.contains("Sec-Fetch-Site") && forbidden.contains("Origin"));

    // A write that reads no body says so and documents none.
    let submit = operation(
        &doc,
        "post",
        "/api/v1/workspaces/{workspace_id}/rounds/{round_id}/submit",
    );
    assert!(submit.get("requestBody").is_none());
    assert!(submit["description"].as_str().unwrap().contains("no body"));
    assert_eq!(
        submit["security"],
        serde_json::json!([{ "token": [] }, { "cookie": [] }])
    );

    // Request bodies are typed, required and refuse unknown fields.
    let create_round = operation(&doc, "post", "/api/v1/workspaces/{workspace_id}/rounds");
    let reference = create_round["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        .as_str()
        .expect("a named body type");
    let name = reference.rsplit('/').next().unwrap();
    let schema = &doc["components"]["schemas"][name];
    assert_eq!(schema["additionalProperties"], false, "{schema}");
    assert!(
        schema["required"]
            .as_array()
            .unwrap()
            .contains(&"title".into())
    );
    assert!(doc["components"]["securitySchemes"]["token"].is_object());
    assert!(doc["components"]["securitySchemes"]["cookie"].is_object());
    app.stop().await;
}

async fn the_reference_page_lists_every_operation_and_fetches_nothing(db: Db) {
    let app = TestApp::spawn(db).await;
    let response = app.client().get(app.url("/api/docs")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let page = response.text().await.unwrap();
    for path in parallax_web::route_paths()
        .into_iter()
        .filter(|p| p.starts_with("/api/v1/"))
    {
        assert!(page.contains(path), "{path} is not on the reference page");
    }
    for outside in ["src=\"http", "href=\"http", "src=\"//", "href=\"//"] {
        assert!(!page.contains(outside), "the page loads {outside}…");
    }
    assert!(page.contains("id=\"schema-ErrorBody\""));
    app.stop().await;
}

async fn framework_errors_parse_into_the_envelope(db: Db) {
    let app = TestApp::spawn(db).await;
    let (ada, w) = app.sign_up("Ada", "ada@acme.test").await;
    let cases = [
        (
            ada.get(app.url("/api/v1/workspaces/9223372036854775808")),
            400,
            ErrorCode::BadRequest,
        ),
        (
            ada.get(app.url(&format!("/api/v1/workspaces/{w}/vision/compare?from=1"))),
            400,
            ErrorCode::BadRequest,
        ),
        (
            ada.delete(app.url("/api/v1/me")),
            405,
            ErrorCode::MethodNotAllowed,
        ),
        (
            ada.post(app.url("/api/v1/tokens"))
                .header("content-type", "application/json")
                .body(format!("{{\"name\": \"{}\"}}", "x".repeat(300 * 1024))),
            413,
            ErrorCode::PayloadTooLarge,
        ),
        (
            ada.post(app.url("/api/v1/tokens"))
                .header("content-type", "text/plain")
                .body("{\"name\": \"cli\"}"),
            415,
            ErrorCode::UnsupportedMediaType,
        ),
        (
            ada.post(app.url(&format!("/api/v1/workspaces/{w}/rounds/1/submit")))
                .body(vec![0x8f_u8, 0x00, 0x13, 0xff]),
            422,
            ErrorCode::Invalid,
        ),
    ];
    for (request, status, code) in cases {
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), status);
        let body: ErrorBody = response.json().await.expect("the error envelope");
        assert_eq!(body.error.code, code, "{}", body.error.message);
        assert!(!body.error.message.is_empty());
    }
    app.stop().await;
}

on_both_databases!(
    the_document_describes_what_callers_need,
    the_reference_page_lists_every_operation_and_fetches_nothing,
    framework_errors_parse_into_the_envelope,
);
