//! GraphQL literals: whatever a value holds, the document it is written into parses, with a real
//! GraphQL parser, into exactly one operation whose argument is that value.

use graphql_parser::query::{Definition, Document, OperationDefinition, Selection, Value};
use proptest::prelude::*;
use unleashlive_auth::api::graphql::Literal;
use unleashlive_auth::api::media_drive::operations;

/// Text made of the pieces most likely to break out of a string, and anything else.
fn hostile() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("\"".to_owned()),
        Just("\"\"\"".to_owned()),
        Just("\\".to_owned()),
        Just("\\u0041".to_owned()),
        Just("{".to_owned()),
        Just("}) { delete(deleteItems: [{id: \"x\"}]) { ownerId } } #".to_owned()),
        Just("\n".to_owned()),
        Just("\r\n".to_owned()),
        Just("\0".to_owned()),
        Just("\u{7f}\u{85}\u{2028}\u{2029}\u{feff}".to_owned()),
        Just("😀𝄞".to_owned()),
        Just("$id".to_owned()),
        any::<char>().prop_map(String::from),
        any::<String>(),
    ];
    prop::collection::vec(piece, 0..12).prop_map(|pieces| pieces.concat())
}

/// The root field's arguments of a one-operation document, which must hold no raw control
/// character (a lenient parser would accept one; a strict one, or a log, would not).
fn root_arguments(document: &str) -> Vec<(String, Value<'static, String>)> {
    assert!(
        !document.chars().any(char::is_control),
        "a raw control character in {document:?}"
    );
    let parsed: Document<'static, String> = graphql_parser::parse_query::<String>(document)
        .unwrap_or_else(|e| panic!("{e}\n{document}"))
        .into_static();
    assert_eq!(parsed.definitions.len(), 1, "{document}");
    let Definition::Operation(op) = &parsed.definitions[0] else {
        panic!("not an operation: {document}")
    };
    let set = match op {
        OperationDefinition::Query(q) => &q.selection_set,
        OperationDefinition::Mutation(m) => &m.selection_set,
        other => panic!("{other:?}"),
    };
    assert_eq!(set.items.len(), 1, "{document}");
    let Selection::Field(field) = &set.items[0] else {
        panic!("{document}")
    };
    field.arguments.clone()
}

fn id_object(id: &str) -> Value<'static, String> {
    Value::Object([("id".to_owned(), Value::String(id.to_owned()))].into())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn a_get_and_a_rename_carry_any_text_as_exactly_that_string(id in hostile(), name in hostile()) {
        let get = root_arguments(&operations::get(&id).document());
        prop_assert_eq!(get, vec![("item".to_owned(), id_object(&id))]);

        let rename = root_arguments(&operations::rename(&id, &name).document());
        prop_assert_eq!(rename, vec![
            ("item".to_owned(), id_object(&id)),
            ("newName".to_owned(), Value::String(name.clone())),
        ]);
    }

    #[test]
    fn a_move_and_a_typed_listing_carry_any_text_exactly(id in hostile(), to in hostile(), kind in hostile()) {
        let args = root_arguments(&operations::move_items(&[&id, "plain"], &to).document());
        prop_assert_eq!(args, vec![
            ("moveItems".to_owned(), Value::List(vec![id_object(&id), id_object("plain")])),
            ("to".to_owned(), id_object(&to)),
        ]);
        let options = unleashlive_auth::api::media_drive::ListOptions::default().item_type(kind.clone());
        let args = root_arguments(&operations::list(&id, &options, None).unwrap().document());
        prop_assert!(args.contains(&("type".to_owned(), Value::String(kind.clone()))));
        prop_assert!(args.contains(&("location".to_owned(), Value::String(id.clone()))));
    }

    #[test]
    fn a_delete_of_many_ids_is_one_list_of_their_objects(ids in prop::collection::vec(hostile(), 1..5)) {
        let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
        let args = root_arguments(&operations::delete(&refs).document());
        let expected = Value::List(ids.iter().map(|id| id_object(id)).collect());
        prop_assert_eq!(args, vec![("deleteItems".to_owned(), expected)]);
    }

    #[test]
    fn a_paging_token_goes_back_field_for_field_with_its_nulls(
        pk in hostile(), sk in prop::option::of(hostile()), created in any::<i64>(),
    ) {
        let token = serde_json::json!({"pk": pk, "sk": sk, "createdAt": created, "type": null});
        let options = unleashlive_auth::api::media_drive::ListOptions::default();
        let document = operations::list(&pk, &options, Some(&token)).unwrap().document();
        let args = root_arguments(&document);
        let sk_value = sk.clone().map_or(Value::Null, Value::String);
        prop_assert_eq!(&args[0], &("sort".to_owned(), Value::Enum("desc".to_owned())));
        prop_assert_eq!(&args[1], &("location".to_owned(), Value::String(pk.clone())));
        prop_assert_eq!(args.len(), 4);
        prop_assert_eq!(&args[2], &("limit".to_owned(), Value::Int(50.into())));
        prop_assert_eq!(args[3].0.as_str(), "nextToken");
        let Value::Object(mut sent) = args[3].1.clone() else {
            panic!("{document}")
        };
        let Some(Value::Int(back)) = sent.remove("createdAt") else {
            panic!("{document}")
        };
        prop_assert_eq!(back.as_i64(), Some(created));
        let expected: std::collections::BTreeMap<String, Value<'static, String>> = [
            ("pk".to_owned(), Value::String(pk.clone())),
            ("sk".to_owned(), sk_value),
            ("type".to_owned(), Value::Null),
        ].into();
        prop_assert_eq!(sent, expected);
    }
}

#[test]
fn a_float_is_read_back_as_the_same_float() {
    for x in [0.0_f64, -0.0, 1.0, 0.1, -2.5e-300, 1e300, 123_456_789.125] {
        let literal = Literal::from_json(&serde_json::json!(x)).unwrap();
        let document = format!("query {{ f(x: {literal}) }}");
        let args = root_arguments(&document);
        let Value::Float(back) = args[0].1 else {
            panic!("{document}")
        };
        assert_eq!(back.to_bits(), x.to_bits(), "{document}");
    }
}
