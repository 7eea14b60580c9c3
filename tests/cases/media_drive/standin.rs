//! The Media Drive stand-in itself (`tests/standins/mediadrive.py`): it must check documents as
//! AppSync does (parse, validate against the schema, coerce variables, then execute), so a client
//! tested against it is tested for real. Raw JSON over reqwest, no client code.

use serde_json::{Value, json};

use super::standin_fixtures::{TOKEN, ids, list_document, post, post_raw, query, seed};
use crate::util::emulator::require;
use crate::util::mediadrive::{MediaDriveStandIn, graphql_body, item};

#[tokio::test]
async fn the_samples_literal_documents_execute_and_answer_the_store() {
    require!(python);
    let s = MediaDriveStandIn::start();
    s.control(seed()).await;

    let got = query(&s, r#"query { get(item: {id: "f"}) { id location name } }"#).await;
    assert_eq!(
        got.data()["get"],
        json!({"id": "f", "location": "team-7", "name": "f"})
    );
    let none = query(&s, r#"query { get(item: {id: "nope"}) { id } }"#).await;
    assert_eq!(none.data()["get"], Value::Null);

    let listed = query(&s, &list_document("team-7/f", 2, None)).await;
    let page = &listed.data()["list"];
    assert_eq!(ids(page), ["e", "d"]);
    let mut want = item("e", "e.jpg", "team-7/f", 1_700_000_000_004);
    for field in ["ownerId", "uploadedAt", "annotations", "isApproved"] {
        want.as_object_mut().unwrap().remove(field);
    }
    assert_eq!(page["items"][0], want);
    assert_eq!(
        page["nextToken"],
        json!({"pk": "team-7/f", "sk": "d", "locationCreatedAt": "team-7/f#1700000000003",
               "teamId": "team-7", "teamIdType": null, "createdAt": 1_700_000_000_003_i64,
               "searchNameCreatedAt": null, "searchName": null, "deviceId": null, "type": null})
    );

    let renamed = query(
        &s,
        r#"mutation { rename(item: {id: "a"}, newName: "New name") { id } }"#,
    )
    .await;
    assert_eq!(renamed.data()["rename"], json!({"id": "a"}));
    assert_eq!(s.stored("a").await.unwrap()["name"], "New name");

    let moved = query(
        &s,
        r#"mutation { move(moveItems: [{id: "a"}, {id: "b"}], to: {id: "g"}) { id parentId location } }"#,
    )
    .await;
    assert_eq!(
        moved.data()["move"],
        json!([{"id": "a", "parentId": "g", "location": "team-7/g"},
               {"id": "b", "parentId": "g", "location": "team-7/g"}])
    );

    let deleted = query(
        &s,
        r#"mutation { delete(deleteItems: [{id: "a"}, {id: "z"}]) { deleteItems { id } ownerId } }"#,
    )
    .await;
    assert_eq!(
        deleted.data()["delete"],
        json!({"deleteItems": [{"id": "a"}, {"id": "z"}], "ownerId": "owner-1"})
    );
    assert!(s.stored("a").await.is_none() && s.stored("z").await.is_none());
    assert!(s.stored("b").await.is_some());

    let outcomes: Vec<(String, Option<String>)> = s
        .requests()
        .await
        .into_iter()
        .map(|r| (r.outcome, r.operation))
        .collect();
    let q = || ("executed".to_owned(), Some("query".to_owned()));
    let m = || ("executed".to_owned(), Some("mutation".to_owned()));
    assert_eq!(outcomes, [q(), q(), q(), m(), m(), m()]);
}

#[tokio::test]
async fn variables_are_coerced_against_the_schema_and_used() {
    require!(python);
    let s = MediaDriveStandIn::start();
    s.control(seed()).await;
    let body = graphql_body(
        "query Get($id: String!) { get(item: {id: $id}) { id name } }",
        Some(json!({"id": "c"})),
    );
    assert_eq!(
        post(&s, &body).await.data()["get"],
        json!({"id": "c", "name": "c.jpg"})
    );

    // A value of the wrong type for a declared variable is refused before execution.
    let wrong = graphql_body(
        "query Get($id: String!) { get(item: {id: $id}) { id } }",
        Some(json!({"id": 5})),
    );
    let messages = post(&s, &wrong).await.validation_errors();
    assert!(
        messages[0]
            .starts_with("Validation error of type WrongType: Variable '$id' got invalid value 5"),
        "{messages:?}"
    );
    let missing = graphql_body(
        "query Get($id: String!) { get(item: {id: $id}) { id } }",
        None,
    );
    let messages = post(&s, &missing).await.validation_errors();
    assert!(messages[0].contains("'$id'"), "{messages:?}");
    let outcomes: Vec<String> = s.requests().await.into_iter().map(|r| r.outcome).collect();
    assert_eq!(outcomes, ["executed", "invalid", "invalid"]);
}

#[tokio::test]
async fn documents_declaring_guessed_types_or_unknown_fields_are_refused_as_appsync_does() {
    require!(python);
    let s = MediaDriveStandIn::start();
    s.control(seed()).await;

    let id_typed = graphql_body(
        "query ($id: ID!) { get(item: {id: $id}) { id } }",
        Some(json!({"id": "a"})),
    );
    let messages = post(&s, &id_typed).await.validation_errors();
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert!(
        messages[0].starts_with("Validation error of type VariableTypeMismatch: ")
            && messages[0].contains("'ID!'")
            && messages[0].contains("'String!'"),
        "{messages:?}"
    );

    let guessed_input = graphql_body(
        "query ($location: String!, $nextToken: NextTokenInput) \
         { list(location: $location, nextToken: $nextToken) { items { id } } }",
        Some(json!({"location": "team-7/f"})),
    );
    let messages = post(&s, &guessed_input).await.validation_errors();
    assert!(
        messages
            .iter()
            .any(|m| m == "Validation error of type UnknownType: Unknown type 'NextTokenInput'."),
        "{messages:?}"
    );

    let unknown_field = query(&s, r#"query { get(item: {id: "a"}) { id nope } }"#).await;
    let messages = unknown_field.validation_errors();
    assert!(
        messages[0]
            .starts_with("Validation error of type FieldUndefined: Cannot query field 'nope'"),
        "{messages:?}"
    );

    let unknown_argument = query(
        &s,
        r#"mutation { rename(item: {id: "a"}, name: "x") { id } }"#,
    )
    .await;
    let messages = unknown_argument.validation_errors();
    assert!(
        messages
            .iter()
            .any(|m| m
                .starts_with("Validation error of type UnknownArgument: Unknown argument 'name'")),
        "{messages:?}"
    );
    assert!(
        messages
            .iter()
            .any(|m| m.starts_with("Validation error of type MissingFieldArgument: ")),
        "{messages:?}"
    );

    let wrong_literal = query(
        &s,
        r#"query { list(location: "team-7/f", limit: "2") { items { id } } }"#,
    )
    .await;
    let messages = wrong_literal.validation_errors();
    assert!(
        messages[0].starts_with("Validation error of type WrongType: "),
        "{messages:?}"
    );

    // Nothing was executed: the store is untouched and every request is recorded as invalid.
    assert_eq!(s.stored("a").await.unwrap()["name"], "a.jpg");
    let requests = s.requests().await;
    assert_eq!(requests.len(), 5);
    assert!(
        requests.iter().all(|r| r.outcome == "invalid"),
        "{requests:?}"
    );
    assert_eq!(requests[4].operation.as_deref(), Some("query"));
}

#[tokio::test]
async fn syntax_errors_and_malformed_requests_are_told_apart() {
    require!(python);
    let s = MediaDriveStandIn::start();
    let syntax = query(&s, "query { get(item: {id: \"a\"}) { id }").await;
    assert_eq!(syntax.status, 200, "{}", syntax.text);
    assert_eq!(syntax.json["data"], Value::Null);
    assert_eq!(syntax.json["errors"][0]["errorType"], "InvalidSyntax");
    let message = syntax.json["errors"][0]["message"].as_str().unwrap();
    assert!(message.starts_with("Invalid Syntax : "), "{message}");

    let url = s.graphql_url();
    let auth = ("authorization", TOKEN);
    let json_type = ("content-type", "application/json");
    let not_json_type = post_raw(
        &url,
        &[auth, ("content-type", "text/plain")],
        r#"{"query":"{ __typename }"}"#,
    )
    .await;
    assert_eq!(not_json_type.status, 400, "{}", not_json_type.text);
    let not_json = post_raw(&url, &[auth, json_type], "query { __typename }").await;
    assert_eq!(not_json.status, 400, "{}", not_json.text);
    assert_eq!(
        not_json.json["errors"][0]["errorType"],
        "MalformedHttpRequestException"
    );
    let no_query = post_raw(&url, &[auth, json_type], r#"{"variables":{}}"#).await;
    assert_eq!(no_query.status, 400, "{}", no_query.text);
    let bad_variables = post_raw(
        &url,
        &[auth, json_type],
        r#"{"query":"{ __typename }","variables":[1]}"#,
    )
    .await;
    assert_eq!(bad_variables.status, 400, "{}", bad_variables.text);
    // A media type with parameters is still JSON.
    let charset = post_raw(
        &url,
        &[auth, ("content-type", "application/json; charset=utf-8")],
        r#"{"query":"{ __typename }","variables":null,"operationName":null}"#,
    )
    .await;
    assert_eq!(charset.status, 200, "{}", charset.text);

    let other_path = post_raw(
        &format!("{}/graphql/", s.base_url()),
        &[auth, json_type],
        r#"{"query":"{ __typename }"}"#,
    )
    .await;
    assert_eq!(other_path.status, 404);

    let outcomes: Vec<String> = s.requests().await.into_iter().map(|r| r.outcome).collect();
    assert_eq!(
        outcomes,
        [
            "syntax-error",
            "malformed",
            "malformed",
            "malformed",
            "malformed",
            "executed"
        ]
    );
}

#[tokio::test]
async fn requests_without_or_with_a_wrong_authorization_get_appsyncs_401() {
    require!(python);
    let s = MediaDriveStandIn::start();
    let body = r#"{"query":"{ __typename }"}"#;
    let url = s.graphql_url();
    let json_type = ("content-type", "application/json");
    let unauthorized = json!({"errors": [{"errorType": "UnauthorizedException",
        "message": "You are not authorized to make this call."}]});

    let without = post_raw(&url, &[json_type], body).await;
    assert_eq!((without.status, &without.json), (401, &unauthorized));
    let empty = post_raw(&url, &[json_type, ("authorization", "")], body).await;
    assert_eq!(empty.status, 401);
    // Until `accept` is set, any non-empty value passes.
    let any = post_raw(&url, &[json_type, ("authorization", "anything")], body).await;
    assert_eq!(any.status, 200, "{}", any.text);

    s.control(json!({"accept": [TOKEN, "Bearer ul_pat_test"]}))
        .await;
    let wrong = post_raw(&url, &[json_type, ("authorization", "anything")], body).await;
    assert_eq!((wrong.status, &wrong.json), (401, &unauthorized));
    let bearer = post_raw(
        &url,
        &[json_type, ("authorization", "Bearer ul_pat_test")],
        body,
    )
    .await;
    assert_eq!(bearer.status, 200);
    let right = post_raw(&url, &[json_type, ("authorization", TOKEN)], body).await;
    assert_eq!(
        right.data()["__typename"].as_str().map(str::is_empty),
        Some(false)
    );
    // The credential is checked before the body: a 401, not a 400.
    let junk = post_raw(&url, &[("authorization", "anything")], "junk").await;
    assert_eq!(junk.status, 401);

    let requests = s.requests().await;
    let outcomes: Vec<&str> = requests.iter().map(|r| r.outcome.as_str()).collect();
    assert_eq!(
        outcomes,
        [
            "unauthorized",
            "unauthorized",
            "executed",
            "unauthorized",
            "executed",
            "executed",
            "unauthorized"
        ]
    );
    let last = &requests[5];
    assert_eq!(last.method, "POST");
    assert_eq!(last.path, "/graphql");
    assert_eq!(last.headers["authorization"], TOKEN);
    assert_eq!(last.headers["content-type"], "application/json");
    assert_eq!(last.query(), "{ __typename }");
    assert_eq!(last.raw_body, body);
    assert_eq!(last.status, Some(200));
    assert_eq!(requests[6].body, Value::Null);
    assert_eq!(requests[6].raw_body, "junk");
}

#[tokio::test]
async fn without_introspection_schema_queries_are_refused_but_typename_answers() {
    require!(python);
    let open = MediaDriveStandIn::start();
    let types = query(&open, "{ __schema { types { name } } }").await;
    assert!(types.data()["__schema"]["types"].is_array());

    let closed = MediaDriveStandIn::start_with("mediadrive.graphql", false);
    for document in [
        "{ __schema { types { name } } }",
        r#"{ __type(name: "String") { name } }"#,
        "query { ... { __schema { queryType { name } } } }",
    ] {
        let refused = query(&closed, document).await;
        let messages = refused.validation_errors();
        assert!(
            messages
                .iter()
                .any(|m| m.contains("introspection is disabled")),
            "{document}: {messages:?}"
        );
    }
    let typename = query(&closed, "{ __typename }").await;
    assert!(typename.data()["__typename"].is_string());
}

#[tokio::test]
async fn the_drifted_schema_refuses_what_the_known_one_accepts() {
    require!(python);
    let s = MediaDriveStandIn::start_with("mediadrive-drifted.graphql", true);
    s.control(seed()).await;

    let rename = query(
        &s,
        r#"mutation { rename(item:{id:"x"}, newName:"y") { id } }"#,
    )
    .await;
    let messages = rename.validation_errors();
    assert!(
        messages.iter().any(|m| m
            .starts_with("Validation error of type UnknownArgument: Unknown argument 'newName'")),
        "{messages:?}"
    );
    let renamed = query(
        &s,
        r#"mutation { rename(item: {id: "a"}, name: "y") { id } }"#,
    )
    .await;
    assert_eq!(renamed.data()["rename"]["id"], "a");
    assert_eq!(s.stored("a").await.unwrap()["name"], "y");

    let device = query(&s, &list_document("team-7/f", 2, None)).await;
    let messages = device.validation_errors();
    assert!(
        messages
            .iter()
            .any(|m| m.contains("FieldUndefined: Cannot query field 'deviceId'")),
        "{messages:?}"
    );
    let int_limit = graphql_body(
        "query ($limit: Int) { list(location: \"team-7/f\", limit: $limit) { items { id } } }",
        Some(json!({"limit": 2})),
    );
    let messages = post(&s, &int_limit).await.validation_errors();
    assert!(
        messages[0].starts_with("Validation error of type VariableTypeMismatch: ")
            && messages[0].contains("'Float'"),
        "{messages:?}"
    );
    let literal = query(
        &s,
        r#"query { list(location: "team-7/f", limit: 2) { items { id } } }"#,
    )
    .await;
    assert_eq!(ids(&literal.data()["list"]).len(), 2);

    // The same documents pass against the known schema.
    let known = MediaDriveStandIn::start();
    known.control(seed()).await;
    let rename = query(
        &known,
        r#"mutation { rename(item:{id:"a"}, newName:"y") { id } }"#,
    )
    .await;
    assert_eq!(rename.data()["rename"]["id"], "a");
    let int_limit = post(&known, &int_limit).await;
    assert_eq!(ids(&int_limit.data()["list"]).len(), 2);
}

/// The schema's type names are invented so that a client guessing type names is caught:
/// none of them may appear in the Rust code.
#[test]
fn no_schema_type_name_appears_in_the_rust_code() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut names = Vec::new();
    for schema in ["mediadrive.graphql", "mediadrive-drifted.graphql"] {
        let sdl = std::fs::read_to_string(root.join("tests/data").join(schema)).unwrap();
        for line in sdl.lines() {
            let mut words = line.split_whitespace();
            if let (
                Some("type" | "input" | "enum" | "scalar" | "interface" | "union"),
                Some(name),
            ) = (words.next(), words.next())
            {
                names.push(name.trim_end_matches('{').to_owned());
            }
        }
    }
    assert!(names.len() >= 12, "{names:?}");

    fn rust_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                rust_files(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let mut files = Vec::new();
    for dir in ["src", "samples", "tests"] {
        rust_files(&root.join(dir), &mut files);
    }
    assert!(files.len() > 10);
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for name in &names {
            assert!(
                !text.contains(name.as_str()),
                "{} names the schema type {name}",
                file.display()
            );
        }
    }
}
