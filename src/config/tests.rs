use std::collections::BTreeMap;

use super::*;
use crate::error::Error;

fn lookup(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
    let map: BTreeMap<String, String> = pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    move |name| map.get(name).cloned()
}

/// The setting an `Error::Config` names, and its message.
fn config_error(err: Error) -> (String, String) {
    let text = err.to_string();
    match err {
        Error::Config { setting, .. } => (setting.to_string(), text),
        other => panic!("not a config error: {other:?}"),
    }
}

#[test]
fn the_table_lists_each_setting_once_in_order() {
    for (i, &setting) in Setting::ALL.iter().enumerate() {
        assert_eq!(setting.spec().setting, setting);
        assert_eq!(Setting::from_key(setting.key()), Some(setting));
        for other in &Setting::ALL[i + 1..] {
            let (a, b) = (setting.spec(), other.spec());
            assert!(
                a.key != b.key && a.flag != b.flag && a.env != b.env,
                "{a:?} {b:?}"
            );
        }
    }
    assert_eq!(env::REGION, Setting::Region.spec().env);
    assert_eq!(env::ENDPOINT_URL, "AWS_ENDPOINT_URL");
}

#[test]
fn plain_http_to_another_machine_is_refused_unless_allowed() {
    let with = |setting: Setting, value: &str, allow: Option<&str>| {
        Settings::from_lookup(|n| match n {
            n if n == setting.spec().env => Some(value.to_owned()),
            "UL_ALLOW_HTTP" => allow.map(str::to_owned),
            _ => None,
        })
        .resolve()
    };
    let urls = [
        Setting::ApiUrl,
        Setting::GraphqlUrl,
        Setting::MediaCdnUrl,
        Setting::EndpointUrl,
        Setting::JwksUrl,
    ];
    for setting in urls {
        let (named, text) =
            config_error(with(setting, "http://api.example.com/x", None).unwrap_err());
        assert_eq!(named, setting.key());
        assert!(text.contains("`allow_http`"), "{text}");
        assert!(with(setting, "http://api.example.com/x", Some("1")).is_ok());
        for off in ["0", "false", "no", "off", "n"] {
            assert!(with(setting, "http://api.example.com/x", Some(off)).is_err());
        }
        for local in [
            "http://127.0.0.1:5000/x",
            "http://localhost/x",
            "http://[::1]:9/x",
        ] {
            assert!(with(setting, local, None).is_ok(), "{local}");
        }
        assert!(with(setting, "https://api.example.com/x", None).is_ok());
    }
}

#[test]
fn defaults_are_the_production_values_and_valid() {
    let c = Settings::default().resolve().unwrap();
    assert_eq!(c.user_pool_id(), "ap-southeast-2_UnpJmDeN5");
    assert_eq!(c.client_id(), "7jhe1lfkb5pvhbkicc3d14m0ej");
    assert_eq!(c.pool_name(), "UnpJmDeN5");
    assert!(!c.allow_http() && c.client_secret().is_none() && c.endpoint_url().is_none());
    assert_eq!(
        c.jwks_url(),
        "https://cognito-idp.ap-southeast-2.amazonaws.com/ap-southeast-2_UnpJmDeN5/.well-known/jwks.json"
    );
    assert_eq!(
        Config::unleash_live().upload_bucket(),
        "library-upload-syd-cloud"
    );
}

#[test]
fn flag_beats_env_beats_file_beats_default() {
    let file = ConfigFile::parse(
        "[default]\nclient_id = \"fromfile\"\nupload_bucket = \"file-bucket\"\napi_url = \"https://file.example\"\n",
    )
    .unwrap();
    let env = Settings::from_lookup(lookup(&[
        ("UL_CLIENT_ID", "fromenv"),
        ("UL_UPLOAD_BUCKET", "env-bucket"),
    ]));
    let flags = Settings::default().client_id("fromflag");
    let c = flags
        .over(env.over(file.profile("default")))
        .resolve()
        .unwrap();
    assert_eq!(c.client_id(), "fromflag");
    assert_eq!(c.upload_bucket(), "env-bucket");
    assert_eq!(c.api_url(), "https://file.example");
    assert_eq!(c.region(), "ap-southeast-2");
}

#[test]
fn pool_in_another_region_names_the_setting_without_cli_words() {
    let err = Settings::default()
        .user_pool_id("us-east-1_abc")
        .resolve()
        .unwrap_err();
    let (setting, text) = config_error(err);
    assert_eq!(setting, "user_pool_id");
    assert!(
        text.contains("us-east-1") && text.contains("`region`"),
        "{text}"
    );
    assert!(!text.contains("UL_") && !text.contains("--"), "{text}");
}

#[test]
fn empty_client_id_and_bad_urls_are_refused_by_name() {
    let err = Settings::default().client_id(" ").resolve().unwrap_err();
    assert_eq!(config_error(err).0, "client_id");
    for bad in ["not a url", "ftp://x.example", "https://"] {
        let err = Settings::default().graphql_url(bad).resolve().unwrap_err();
        assert_eq!(config_error(err).0, "graphql_url", "{bad}");
    }
    let err = Settings::default().region("Sydney").resolve().unwrap_err();
    assert_eq!(config_error(err).0, "region");
    let err = Settings::default()
        .identity_pool_id("nocolon")
        .resolve()
        .unwrap_err();
    assert_eq!(config_error(err).0, "identity_pool_id");
    let err = Settings::default()
        .upload_bucket(" ")
        .resolve()
        .unwrap_err();
    assert_eq!(config_error(err).0, "upload_bucket");
    let err = Settings::default()
        .client_secret(crate::secret::ClientSecret::new(""))
        .resolve()
        .unwrap_err();
    assert_eq!(config_error(err).0, "client_secret");
}

#[test]
fn urls_lose_their_trailing_slash_where_paths_are_appended() {
    let c = Settings::default()
        .api_url("https://api.example/")
        .media_cdn_url("https://cdn.example//")
        .resolve()
        .unwrap();
    assert_eq!(c.api_url(), "https://api.example");
    assert_eq!(c.media_cdn_url(), "https://cdn.example");
}

#[test]
fn endpoint_override_moves_the_jwks_url() {
    let c = Settings::default()
        .endpoint_url("http://127.0.0.1:5000/")
        .resolve()
        .unwrap();
    assert_eq!(c.endpoint_url(), Some("http://127.0.0.1:5000"));
    assert_eq!(
        c.jwks_url(),
        "http://127.0.0.1:5000/ap-southeast-2_UnpJmDeN5/.well-known/jwks.json"
    );
}

#[test]
fn a_config_turns_back_into_a_layer_to_change_one_setting() {
    let c = Settings::default()
        .client_secret(crate::secret::ClientSecret::new("s"))
        .resolve()
        .unwrap();
    let changed = c.to_settings().upload_bucket("other").resolve().unwrap();
    assert_eq!(changed.upload_bucket(), "other");
    assert_eq!(changed.client_secret().map(|s| s.secret()), Some("s"));
    assert_eq!(changed.api_url(), c.api_url());
}

#[test]
fn blank_variables_count_as_unset() {
    let s = Settings::from_lookup(lookup(&[("UL_REGION", " "), ("UL_PROVIDER", "")]));
    assert!(!s.is_set(Setting::Region) && !s.is_set(Setting::Provider));
}

#[test]
fn profile_names_cannot_escape_the_cache_dir() {
    assert!(validate_profile("work-2").is_ok());
    for bad in ["", "../x", "a/b", ".hidden"] {
        let (setting, _) = config_error(validate_profile(bad).unwrap_err());
        assert_eq!(setting, PROFILE_SETTING, "{bad}");
    }
}

fn profile_with(
    name: &str,
    file: &str,
    env: &[(&str, &str)],
    overrides: Settings,
) -> (tempfile::TempDir, Profile) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    std::fs::write(&path, file).unwrap();
    let home = dir.path().display().to_string();
    let mut pairs: Vec<(&str, &str)> = env.to_vec();
    pairs.push(("HOME", &home));
    let profile = Profile::builder(name)
        .overrides(overrides)
        .environment(lookup(&pairs))
        .config_file(&path)
        .resolve()
        .unwrap();
    (dir, profile)
}

#[test]
fn a_profile_stacks_overrides_env_file_and_defaults_and_says_where_each_came_from() {
    let file = "[work]\nclient_id = \"fromfile\"\nendpoint_url = \"http://127.0.0.1:1\"\nupload_bucket = \"b\"\n";
    let (dir, p) = profile_with(
        "work",
        file,
        &[
            ("UL_UPLOAD_BUCKET", "env-bucket"),
            ("UL_REGION", "ap-southeast-2"),
        ],
        Settings::default().region("ap-southeast-2"),
    );
    let c = p.config().unwrap();
    assert_eq!(c.client_id(), "fromfile");
    assert_eq!(c.upload_bucket(), "env-bucket");
    assert_eq!(p.origin(Setting::Region), Origin::Given);
    assert_eq!(p.origin(Setting::UploadBucket), Origin::Environment);
    assert_eq!(p.origin(Setting::EndpointUrl), Origin::ConfigFile);
    assert_eq!(p.origin(Setting::ApiUrl), Origin::Default);
    assert_eq!(p.provider().unwrap(), ProviderKind::UnleashLive);
    assert_eq!(
        p.cache_dir().unwrap(),
        dir.path().join(".cache/unleashlive-auth")
    );
    assert_eq!(
        p.config_file_path(),
        Some(dir.path().join("config.toml").as_path())
    );
    assert!(p.config_file().has_profile("work"));
}

#[test]
fn a_profile_of_another_provider_resolves_its_base_url_and_keeps_bad_cognito_settings_apart() {
    let file = "[flags]\nprovider = \"unleash\"\nbase_url = \"https://flags.example/\"\n";
    let (_dir, p) = profile_with(
        "flags",
        file,
        &[("UL_REGION", "Sydney")],
        Settings::default(),
    );
    assert_eq!(p.provider().unwrap(), ProviderKind::Unleash);
    assert_eq!(p.base_url().unwrap(), "https://flags.example");
    assert_eq!(config_error(p.config().unwrap_err()).0, "region");

    let plain = "[u]\nprovider = \"unith\"\nbase_url = \"http://unith.example\"\n";
    let (_dir, p) = profile_with("u", plain, &[], Settings::default());
    assert_eq!(config_error(p.base_url().unwrap_err()).0, "base_url");
    let (_dir, p) = profile_with("u", plain, &[("UL_ALLOW_HTTP", "1")], Settings::default());
    assert_eq!(p.base_url().unwrap(), "http://unith.example");
}

#[test]
fn a_profiles_base_url_serves_only_the_profiles_own_provider() {
    let table = "[p]\nprovider = \"unleash\"\nbase_url = \"https://flags.example\"\n";
    let base = |env: &[(&str, &str)], overrides: Settings| {
        profile_with("p", table, env, overrides)
            .1
            .settings()
            .base_url
            .clone()
    };
    assert_eq!(base(&[], Settings::default().provider("unith")), None);
    assert_eq!(base(&[("UL_PROVIDER", "unith")], Settings::default()), None);
    let same = base(&[], Settings::default().provider("Unleash"));
    assert_eq!(same.as_deref(), Some("https://flags.example"));
    let unchosen = base(&[], Settings::default());
    assert_eq!(unchosen.as_deref(), Some("https://flags.example"));
    let flag = base(
        &[],
        Settings::default()
            .provider("unith")
            .base_url("http://127.0.0.1:1"),
    );
    assert_eq!(flag.as_deref(), Some("http://127.0.0.1:1"));
}

#[test]
fn a_bad_profile_name_or_config_file_fails_the_resolution() {
    assert!(
        Profile::builder("../x")
            .environment(|_| None)
            .resolve()
            .is_err()
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    std::fs::write(&path, "[default]\nnope = 1\n").unwrap();
    let err = Profile::builder("default")
        .environment(|_| None)
        .config_file(&path)
        .resolve()
        .unwrap_err();
    assert!(err.to_string().contains("not a valid config file"), "{err}");
    // The config file's variable, when no path is given.
    let env = lookup(&[("UL_CONFIG_FILE", path.to_str().unwrap())]);
    assert!(
        Profile::builder("default")
            .environment(env)
            .resolve()
            .is_err()
    );
}

/// The README's settings table is written by hand; it must say what the table says.
#[test]
fn the_readme_settings_table_matches_the_settings_table() {
    let readme = include_str!("../../README.md");
    let rows: Vec<Vec<&str>> = readme
        .lines()
        .skip_while(|l| !l.starts_with("| setting (config key) |"))
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .map(|l| l.trim_matches('|').split(" | ").map(str::trim).collect())
        .collect();
    assert_eq!(rows.len(), Setting::ALL.len(), "{rows:?}");
    for (row, &setting) in rows.iter().zip(Setting::ALL) {
        let spec = setting.spec();
        assert_eq!(row[0], format!("`{}`", spec.key), "{row:?}");
        assert!(row[1].starts_with(&format!("`--{}", spec.flag)), "{row:?}");
        assert_eq!(row[2], format!("`{}`", spec.env), "{row:?}");
        if let Some(default) = spec.default {
            assert!(row[3].starts_with(&format!("`{default}`")), "{row:?}");
        }
    }
}
