use serde_json::{Value, json};

use super::{assert_round_trips, config_reason};
use crate::api::missions::{Geofence, Zone};

/// Shaped like the samples' geofence: a wire as a LineString obstacle, an inclusion polygon
/// with styling properties, plus an exclusion polygon in `[lng, lat]` form and an obstacle
/// with `null` properties (both valid GeoJSON).
const AREA: &str = r##"{
  "type": "FeatureCollection",
  "name": "Substation test area",
  "features": [
    {"type": "Feature", "properties": {"name": "Feeder span"},
     "geometry": {"type": "LineString",
                  "coordinates": [[144.9631, -37.8136, 0], [144.9655, -37.8102, 12.5]]}},
    {"type": "Feature",
     "properties": {"name": "Flight area", "geofence": "inclusion", "fill": "#14851f",
                    "fill-opacity": 0.5, "stroke-width": 2},
     "geometry": {"type": "Polygon", "coordinates": [[
       [144.9600, -37.8150, 0], [144.9700, -37.8150, 0], [144.9700, -37.8090, 0],
       [144.9600, -37.8090, 0], [144.9600, -37.8150, 0]]]}},
    {"type": "Feature", "id": "keep-out", "properties": {"geofence": "exclusion"},
     "geometry": {"type": "Polygon", "coordinates": [[
       [144.9640, -37.8120], [144.9650, -37.8120], [144.9650, -37.8110], [144.9640, -37.8120]]]}},
    {"type": "Feature", "properties": null,
     "geometry": {"type": "LineString", "coordinates": [[144.961, -37.812], [144.962, -37.811]]}}
  ]
}"##;

fn area_with(edit: impl FnOnce(&mut Value)) -> Geofence {
    let mut value: Value = serde_json::from_str(AREA).unwrap();
    edit(&mut value);
    Geofence::from_value(value).unwrap()
}

fn problems(geofence: &Geofence) -> Vec<String> {
    geofence
        .problems()
        .iter()
        .map(ToString::to_string)
        .collect()
}

/// `AREA`'s inclusion polygon (feature 1) with its outer ring replaced by `ring`.
fn ring(ring: Value) -> Geofence {
    area_with(|v| v["features"][1]["geometry"]["coordinates"] = json!([ring]))
}

#[test]
fn a_geofence_shaped_like_the_samples_round_trips_unchanged_and_is_valid() {
    assert_round_trips(AREA, Geofence::from_json);
    let geofence = Geofence::from_json(AREA).unwrap();
    geofence.validate_for_geofenced_flight().unwrap();
    let zones: Vec<_> = geofence.features.iter().map(|f| f.zone()).collect();
    assert_eq!(
        zones,
        [None, Some(Zone::Inclusion), Some(Zone::Exclusion), None]
    );
    assert_eq!(geofence.features[2].extra["id"], json!("keep-out"));
}

#[test]
fn a_geofence_property_other_than_inclusion_or_exclusion_is_named_by_its_path() {
    let geofence = area_with(|v| v["features"][1]["properties"]["geofence"] = json!("inside"));
    assert_eq!(
        problems(&geofence),
        ["features[1].properties.geofence: \"inside\" is not inclusion or exclusion"]
    );
    let geofence = area_with(|v| v["features"][2]["properties"]["geofence"] = json!(true));
    assert_eq!(
        problems(&geofence),
        ["features[2].properties.geofence: true is not inclusion or exclusion"]
    );
}

#[test]
fn a_ring_that_is_not_closed_is_refused() {
    let geofence = ring(json!([[0.5, 0.5], [1, 0.5], [1, 1], [0.5, 1]]));
    assert_eq!(
        problems(&geofence),
        ["features[1].geometry.coordinates[0]: the ring is not closed"]
    );
    // The same point with and without an altitude of 0 closes the ring.
    ring(json!([[0.5, 0.5, 0], [1, 0.5], [1, 1], [0.5, 0.5]]))
        .validate()
        .unwrap();
}

#[test]
fn a_ring_needs_four_positions() {
    let geofence = ring(json!([[0.5, 0.5], [1, 1], [0.5, 0.5]]));
    assert_eq!(
        problems(&geofence),
        ["features[1].geometry.coordinates[0]: a ring needs at least 4 positions, this one has 3"]
    );
    let geofence = area_with(|v| v["features"][1]["geometry"]["coordinates"] = json!([]));
    assert_eq!(
        problems(&geofence),
        ["features[1].geometry.coordinates: a polygon needs at least one ring"]
    );
}

#[test]
fn positions_out_of_range_or_of_the_wrong_shape_are_named_by_their_path() {
    let geofence = ring(json!([[200, 0.5], [1, 91], [1, "x"], [1], [200, 0.5]]));
    assert_eq!(
        problems(&geofence),
        [
            "features[1].geometry.coordinates[0][0][0]: 200 is not a longitude",
            "features[1].geometry.coordinates[0][1][1]: 91 is not a latitude",
            "features[1].geometry.coordinates[0][2][1]: \"x\" is not a number",
            "features[1].geometry.coordinates[0][3]: [1] is not [lng, lat] or [lng, lat, alt]",
            "features[1].geometry.coordinates[0][4][0]: 200 is not a longitude",
        ]
    );
    let geofence = area_with(|v| v["features"][0]["geometry"]["coordinates"] = json!([[1, 2]]));
    assert_eq!(
        problems(&geofence),
        ["features[0].geometry.coordinates: a line needs at least 2 positions, this one has 1"]
    );
}

#[test]
fn a_geofenced_flight_needs_an_inclusion_zone() {
    let geofence = area_with(|v| v["features"][1]["properties"]["geofence"] = json!("exclusion"));
    geofence.validate().unwrap();
    let reason = config_reason(geofence.validate_for_geofenced_flight(), "geofence");
    assert!(
        reason.starts_with("features: no inclusion zone"),
        "{reason}"
    );
    let empty = Geofence::from_json(r#"{"type": "FeatureCollection", "features": []}"#).unwrap();
    empty.validate().unwrap();
    assert!(empty.validate_for_geofenced_flight().is_err());
}

#[test]
fn types_and_geometries_other_than_the_samples_are_refused() {
    let geofence = area_with(|v| {
        v["type"] = json!("Feature");
        v["features"][0]["type"] = json!("feature");
        v["features"][1]["geometry"]["type"] = json!("Point");
        v["features"][2].as_object_mut().unwrap().remove("geometry");
        v["features"][3]["geometry"]
            .as_object_mut()
            .unwrap()
            .remove("coordinates");
    });
    assert_eq!(
        problems(&geofence),
        [
            "type: \"Feature\" is not FeatureCollection",
            "features[0].type: \"feature\" is not Feature",
            "features[1].geometry.type: \"Point\" is not Polygon or LineString",
            "features[2]: no geometry",
            "features[3].geometry: no coordinates",
        ]
    );
}

#[test]
fn values_of_the_wrong_json_type_are_named_by_their_path() {
    let text = r#"{"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": 3, "geometry": {"type": 1, "coordinates": []}},
        {"type": "Feature", "geometry": null}]}"#;
    let reason = config_reason(Geofence::from_json(text).map(drop), "geofence");
    assert_eq!(
        reason,
        "features[0].properties: 3 is not an object; features[0].geometry.type: 1 is not a \
         string; features[1].geometry: null is not an object"
    );
    let reason = config_reason(Geofence::from_json("{}").map(drop), "geofence");
    assert_eq!(reason, "no features");
}
