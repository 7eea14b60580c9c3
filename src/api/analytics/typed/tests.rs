use arrow_array::Array as _;
use serde_json::json;

use super::*;

fn keys(names: &[&str]) -> Vec<String> {
    names.iter().map(|s| (*s).to_owned()).collect()
}

#[test]
fn types_are_learnt_from_values_and_whole_numbers_widen_to_doubles() {
    let mut columns = Columns::default();
    let mut batch = Batch::default();
    let k = keys(&[
        "class_name",
        "count",
        "score",
        "ok",
        "timestamp",
        "at",
        "session_id",
    ]);
    batch
        .push(
            &mut columns,
            &k,
            &[
                json!("car"),
                json!(3),
                json!(1),
                json!(true),
                json!(1_597_645_005_000_i64),
                json!("2020-08-17T06:16:45.000Z"),
                json!("1597644726430"),
            ],
            false,
        )
        .unwrap();
    batch
        .push(
            &mut columns,
            &k,
            &[
                json!("bus"),
                json!(null),
                json!(0.5),
                json!(false),
                json!("2020-08-17T06:16:46Z"),
                json!(null),
                json!("1597644726431"),
            ],
            false,
        )
        .unwrap();
    assert_eq!(
        columns.kinds,
        [
            Kind::Text,
            Kind::Int,
            Kind::Float,
            Kind::Bool,
            Kind::Timestamp,
            Kind::Timestamp,
            Kind::Text
        ]
    );
    let arrays = batch.take_arrays(&columns);
    assert_eq!(batch.rows, 0);
    let score = arrays[2].as_any().downcast_ref::<Float64Array>().unwrap();
    assert_eq!((score.value(0), score.value(1)), (1.0, 0.5));
    let ts = arrays[4]
        .as_any()
        .downcast_ref::<TimestampMillisecondArray>()
        .unwrap();
    assert_eq!(
        (ts.value(0), ts.value(1)),
        (1_597_645_005_000, 1_597_645_006_000)
    );
    assert!(arrays[1].is_null(1));
}

#[test]
fn a_type_change_names_the_column_and_value_unless_lenient() {
    let mut columns = Columns::default();
    let mut batch = Batch::default();
    let k = keys(&["count"]);
    batch.push(&mut columns, &k, &[json!(3)], false).unwrap();
    let conflict = batch
        .push(&mut columns, &k, &[json!("three")], false)
        .unwrap_err();
    assert_eq!(batch.rows, 1, "nothing added");
    let text = conflict.describe("W1", 7);
    assert!(
        text.contains("`count`") && text.contains("page 7") && text.contains("\"three\""),
        "{text}"
    );
    batch
        .push(&mut columns, &k, &[json!("three")], true)
        .unwrap();
    assert_eq!(columns.kinds, [Kind::Text]);
    let arrays = batch.take_arrays(&columns);
    let texts = arrays[0].as_any().downcast_ref::<StringArray>().unwrap();
    assert_eq!((texts.value(0), texts.value(1)), ("3", "three"));
}

#[test]
fn casts_widen_integers_turn_anything_to_text_and_fill_nulls() {
    let ints: ArrayRef = Arc::new(Int64Array::from(vec![Some(2), None]));
    let doubles = cast(&ints, Kind::Int, Kind::Float);
    let d = doubles.as_any().downcast_ref::<Float64Array>().unwrap();
    assert_eq!(d.value(0), 2.0);
    assert!(d.is_null(1));
    let ts: ArrayRef = Arc::new(
        TimestampMillisecondArray::from(vec![Some(1_597_645_005_000)]).with_timezone("UTC"),
    );
    let text = cast(&ts, Kind::Timestamp, Kind::Text);
    assert_eq!(
        text.as_any()
            .downcast_ref::<StringArray>()
            .unwrap()
            .value(0),
        "2020-08-17T06:16:45.000Z"
    );
    let nulls: ArrayRef = Arc::new(StringArray::from(vec![None::<String>; 2]));
    let typed = cast(&nulls, Kind::Unknown, Kind::Timestamp);
    assert_eq!(typed.data_type(), &Kind::Timestamp.data_type());
    assert_eq!(typed.null_count(), 2);
    assert_eq!(utc_day(1_597_645_005_000), "2020-08-17");
    assert_eq!(utc_day(-1), "1969-12-31");
}
