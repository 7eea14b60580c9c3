use serde_json::{Value, json};

use super::{assert_round_trips, config_reason};
use crate::api::missions::Mission;

/// Shaped like the samples' plain mission: poles and waypoints, `si` both ways.
const PLAIN: &str = r#"{
  "desc": "Span inspection",
  "name": "line 7",
  "speed": 3,
  "route": [
    {"pole": "Pole1", "wo": "00100200300", "lat": -27.4712, "lng": 153.0251,
     "altitude": 120.5, "altEGM": 142.25, "si": "dist-2"},
    {"pole": "WP", "wo": "00100200300", "lat": -27.47150000, "lng": 153.0249,
     "altitude": 125, "altEGM": 147, "si": "waypoint"},
    {"pole": "Pole2", "wo": "00100200301", "lat": -27.4718, "lng": 153.0246,
     "altitude": 118.75, "altEGM": 140.75, "si": "dist-10"}
  ]
}"#;

/// Shaped like the samples' corridor mission: the first point with heading, pitch, speed and
/// a photo action, plus fields this crate does not know.
const CORRIDOR: &str = r#"{
  "desc": "Corridor",
  "name": "corridor 3",
  "speed": 6,
  "missionKind": "corridor",
  "route": [
    {"pole": "RegularPoint", "wo": "00900000001", "lat": 48.8566, "lng": 2.3522,
     "altitude": 35.5, "altEGM": 80.1, "heading": 172, "pitch": -45, "speed": 2.5,
     "si": "waypoint", "actions": [{"action": "TAKE_PHOTO", "delayMs": 200}],
     "gimbal": {"mode": "free"}},
    {"pole": "Pole2", "wo": "00900000002", "lat": 48.8569, "lng": 2.3526,
     "altitude": 36, "altEGM": 36, "si": "dist-1"}
  ]
}"#;

/// `PLAIN` with `edit` applied to its JSON value.
fn plain_with(edit: impl FnOnce(&mut Value)) -> Mission {
    let mut value: Value = serde_json::from_str(PLAIN).unwrap();
    edit(&mut value);
    Mission::from_value(value).unwrap()
}

fn problems(mission: &Mission) -> Vec<String> {
    mission.problems().iter().map(ToString::to_string).collect()
}

fn decode_error(text: &str) -> String {
    config_reason(Mission::from_json(text).map(drop), "mission")
}

#[test]
fn plain_and_corridor_missions_shaped_like_the_samples_round_trip_unchanged() {
    assert_round_trips(PLAIN, Mission::from_json);
    assert_round_trips(CORRIDOR, Mission::from_json);
    Mission::from_json(PLAIN).unwrap().validate().unwrap();
    Mission::from_json(CORRIDOR).unwrap().validate().unwrap();
}

#[test]
fn corridor_fields_and_unknown_fields_are_decoded_and_kept() {
    let mission = Mission::from_json(CORRIDOR).unwrap();
    let first = &mission.route[0];
    assert_eq!(first.heading.as_ref().and_then(|n| n.as_i64()), Some(172));
    assert_eq!(first.alt_egm.as_ref().and_then(|n| n.as_f64()), Some(80.1));
    let actions = first.actions.as_ref().unwrap();
    assert_eq!(actions[0].action.as_deref(), Some("TAKE_PHOTO"));
    assert_eq!(actions[0].extra["delayMs"], json!(200));
    assert_eq!(first.extra["gimbal"], json!({"mode": "free"}));
    assert_eq!(mission.extra["missionKind"], json!("corridor"));
}

#[test]
fn whole_numbers_are_written_back_as_whole_numbers() {
    let written = serde_json::to_string(&Mission::from_json(PLAIN).unwrap()).unwrap();
    assert!(written.contains(r#""speed":3,"#), "{written}");
    assert!(written.contains(r#""altitude":125,"#), "{written}");
}

#[test]
fn a_latitude_out_of_range_is_named_by_its_path() {
    let mission = plain_with(|v| v["route"][2]["lat"] = json!(95));
    assert_eq!(problems(&mission), ["route[2].lat: 95 is not a latitude"]);
    let mission = plain_with(|v| v["route"][0]["lat"] = json!(-90.5));
    assert_eq!(
        problems(&mission),
        ["route[0].lat: -90.5 is not a latitude"]
    );
    plain_with(|v| v["route"][0]["lat"] = json!(-90))
        .validate()
        .unwrap();
}

#[test]
fn a_longitude_out_of_range_is_named_by_its_path() {
    let mission = plain_with(|v| v["route"][1]["lng"] = json!(-181));
    assert_eq!(
        problems(&mission),
        ["route[1].lng: -181 is not a longitude"]
    );
    plain_with(|v| v["route"][1]["lng"] = json!(180))
        .validate()
        .unwrap();
}

#[test]
fn an_si_other_than_dist_n_or_waypoint_is_refused() {
    for bad in ["dist-x", "dist-", "Waypoint", "dist-1.5", ""] {
        let mission = plain_with(|v| v["route"][0]["si"] = json!(bad));
        let expected = format!("route[0].si: {bad:?} is not dist-N or waypoint");
        assert_eq!(problems(&mission), [expected]);
    }
    plain_with(|v| v["route"][0]["si"] = json!("dist-0"))
        .validate()
        .unwrap();
}

#[test]
fn missing_required_waypoint_fields_are_named() {
    for field in ["lat", "lng", "altitude", "si"] {
        let mission = plain_with(|v| {
            v["route"][2].as_object_mut().unwrap().remove(field);
        });
        assert_eq!(problems(&mission), [format!("route[2]: no {field}")]);
    }
    let mission = plain_with(|v| {
        let first = v["route"][0].as_object_mut().unwrap();
        for optional in ["pole", "wo", "altEGM"] {
            first.remove(optional);
        }
    });
    mission.validate().unwrap();
}

#[test]
fn missing_name_or_speed_and_a_speed_that_is_not_positive_are_refused() {
    let mission = plain_with(|v| {
        let top = v.as_object_mut().unwrap();
        top.remove("name");
        top.remove("speed");
    });
    assert_eq!(problems(&mission), ["no name", "no speed"]);
    let mission = plain_with(|v| v["speed"] = json!(0));
    assert_eq!(problems(&mission), ["speed: 0 is not a positive speed"]);
    let mission = plain_with(|v| v["name"] = json!("  "));
    assert_eq!(problems(&mission), ["name: the name is empty"]);
}

#[test]
fn an_empty_route_is_refused_and_a_missing_one_is_not_a_mission() {
    let mission = plain_with(|v| v["route"] = json!([]));
    assert_eq!(problems(&mission), ["route: the route is empty"]);
    assert_eq!(decode_error(r#"{"name": "m", "speed": 1}"#), "no route");
}

#[test]
fn corridor_actions_and_speeds_are_checked() {
    let mut value: Value = serde_json::from_str(CORRIDOR).unwrap();
    value["route"][0]["actions"] =
        json!([{"action": "TAKE_PHOTO"}, {"delayMs": 5}, {"action": ""}]);
    value["route"][0]["speed"] = json!(-2);
    let mission = Mission::from_value(value).unwrap();
    assert_eq!(
        problems(&mission),
        [
            "route[0].speed: -2 is not a positive speed",
            "route[0].actions[1]: no action",
            "route[0].actions[2].action: \"\" is empty",
        ]
    );
}

#[test]
fn every_problem_is_listed_in_document_order_in_one_error() {
    let mission = plain_with(|v| {
        v["route"][0]["si"] = json!("dist-x");
        v["route"][2]["lat"] = json!(95);
        v["route"][2].as_object_mut().unwrap().remove("lng");
    });
    assert_eq!(
        config_reason(mission.validate(), "mission"),
        "route[0].si: \"dist-x\" is not dist-N or waypoint; route[2].lat: 95 is not a latitude; \
         route[2]: no lng"
    );
    let error = mission.validate().unwrap_err();
    assert_eq!(error.class(), crate::error::ErrorClass::Usage);
    assert!(error.to_string().contains("mission"), "{error}");
}

#[test]
fn values_of_the_wrong_json_type_are_named_by_their_path() {
    let text = r#"{"name": 7, "speed": "fast", "route": [
        {"lat": "52.1", "lng": 21, "altitude": 3, "si": 1, "actions": {}},
        5]}"#;
    assert_eq!(
        decode_error(text),
        "name: 7 is not a string; speed: \"fast\" is not a number; route[0].lat: \"52.1\" is \
         not a number; route[0].si: 1 is not a string; route[0].actions: {} is not an array; \
         route[1]: 5 is not an object"
    );
    assert_eq!(
        decode_error(r#"{"route": {}}"#),
        "route: {} is not an array"
    );
    assert_eq!(decode_error("[1]"), "[1] is not an object");
    let serde_error = serde_json::from_str::<Mission>(r#"{"route": [{"lat": true}]}"#);
    let message = serde_error.unwrap_err().to_string();
    assert!(
        message.contains("route[0].lat: true is not a number"),
        "{message}"
    );
}

#[test]
fn text_that_is_not_json_or_a_number_too_large_for_f64_is_refused_with_its_position() {
    let reason = decode_error(r#"{"route": [{"lat": 1e999}]}"#);
    assert!(
        reason.starts_with("not JSON: number out of range at line 1"),
        "{reason}"
    );
    let reason = decode_error(r#"{"route": "#);
    assert!(
        reason.starts_with("not JSON: EOF while parsing"),
        "{reason}"
    );
}

mod generated {
    use proptest::prelude::*;
    use serde_json::{Map, Value, json};

    use crate::api::missions::Mission;

    /// A number as a file may write it: whole or with a fraction.
    fn number(range: std::ops::RangeInclusive<f64>) -> impl Strategy<Value = Value> {
        let whole = (*range.start() as i64)..=(*range.end() as i64);
        prop_oneof![whole.prop_map(|n| json!(n)), range.prop_map(|x| json!(x))]
    }

    fn waypoint() -> impl Strategy<Value = Value> {
        let si = prop_oneof![
            Just("waypoint".to_owned()),
            (0u32..500).prop_map(|n| format!("dist-{n}"))
        ];
        let extra = proptest::collection::btree_map("x_[a-z]{1,6}", any::<i32>(), 0..3);
        (
            number(-90.0..=90.0),
            number(-180.0..=180.0),
            number(-50.0..=500.0),
            si,
            extra,
        )
            .prop_map(|(lat, lng, altitude, si, extra)| {
                let mut point = Map::new();
                point.insert("lat".into(), lat);
                point.insert("lng".into(), lng);
                point.insert("altitude".into(), altitude);
                point.insert("si".into(), json!(si));
                point.extend(extra.into_iter().map(|(k, v)| (k, json!(v))));
                Value::Object(point)
            })
    }

    proptest! {
        #[test]
        fn valid_generated_missions_round_trip_unchanged_and_pass(
            route in proptest::collection::vec(waypoint(), 1..8),
            speed in 1u32..20,
        ) {
            // Compared with the file as serde_json reads it: without its `float_roundtrip`
            // feature, reading a float's text can be 1 ulp off the f64 that wrote it.
            let text = json!({"name": "generated", "speed": speed, "route": route}).to_string();
            let original: Value = serde_json::from_str(&text).unwrap();
            let mission = Mission::from_json(&text).unwrap();
            prop_assert!(mission.validate().is_ok(), "{:?}", mission.problems());
            prop_assert_eq!(serde_json::to_value(&mission).unwrap(), original);
            let again = Mission::from_json(&serde_json::to_string(&mission).unwrap()).unwrap();
            prop_assert_eq!(again, mission);
        }
    }
}

#[test]
fn a_null_field_counts_as_absent_and_is_written_back_as_null() {
    let text = r#"{"desc":null,"name":"M","speed":5,"route":[{"lat":1,"lng":2,"altitude":3,"si":"waypoint","pole":null}]}"#;
    let mission = Mission::from_json(text).unwrap();
    assert_eq!(mission.desc, None);
    assert!(mission.problems().is_empty(), "{:?}", mission.problems());
    assert_round_trips(text, Mission::from_json);
    let no_name = Mission::from_json(r#"{"name":null,"speed":5,"route":[]}"#).unwrap();
    assert!(
        problems(&no_name).contains(&"no name".to_owned()),
        "{:?}",
        problems(&no_name)
    );
}
