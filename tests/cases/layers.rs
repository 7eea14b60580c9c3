//! The library's layers: data flows one way (config → sign-in → credentials → auth → API
//! clients), so a module may use the modules of its own folder and of the layers below it,
//! never one above. This reads `src/` (unit tests aside) and fails naming each import that
//! points up.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The library's top-level modules, bottom first. Modules on one line form one layer.
const LAYERS: &[&[&str]] = &[
    &["text", "secret", "clock"],
    &["error"],
    &["config"],
    &["transport"],
    &["token"],
    &["credentials"],
    &["cognito"],
    &["providers"],
    &["aws"],
    &["api"],
    &["client"],
    &["doctor"],
];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|layer| layer.contains(&module))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The code of a file without comments (line comments and doc comments); a `//` right after
/// a `:` is a URL in a string, not a comment.
fn code(text: &str) -> String {
    text.lines()
        .map(|line| {
            let comment = line
                .match_indices("//")
                .find(|(at, _)| !line[..*at].ends_with(':'))
                .map(|(at, _)| at);
            match comment {
                Some(at) => &line[..at],
                None => line,
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// `text` without its attributes (`#[cfg(...)]`, `#[deprecated(...)]`, ...).
fn without_attributes(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find("#[") {
        out.push_str(&rest[..at]);
        let mut depth = 0;
        let mut end = rest.len();
        for (i, c) in rest[at + 1..].char_indices() {
            match c {
                '[' => depth += 1,
                ']' => {
                    depth -= 1;
                    if depth == 0 {
                        end = at + 1 + i + 1;
                        break;
                    }
                }
                _ => {}
            }
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// Each `crate::<segment>` path in `code`, by first segment.
fn crate_paths(code: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        let before = rest[..at].chars().last();
        rest = &rest[at + "crate::".len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue; // e.g. `my_crate::`
        }
        if let Some(group) = rest.strip_prefix('{') {
            // `crate::{a::X, b::{Y, Z}}`: the first segment of each item.
            found.extend(group_items(group));
            continue;
        }
        let name: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        found.push(name);
    }
    found
}

/// The first segment of each item of a `{...}` group (`group` starts after the `{`).
fn group_items(group: &str) -> Vec<String> {
    let mut items = Vec::new();
    let (mut depth, mut current, mut taking) = (1, String::new(), true);
    for c in group.chars() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 1 => {
                items.push(std::mem::take(&mut current));
                taking = true;
                continue;
            }
            _ => {}
        }
        if depth == 0 {
            break;
        }
        if depth == 1 && taking {
            if c.is_alphanumeric() || c == '_' {
                current.push(c);
            } else if !current.is_empty() {
                taking = false;
            }
        }
    }
    items.push(current);
    items.retain(|item| !item.is_empty() && item != "self");
    items
}

/// What the crate root re-exports or aliases, by name: the top-level module it comes from
/// (for an alias, the highest module its definition names).
fn root_names(lib: &str) -> BTreeMap<String, String> {
    let lib = without_attributes(&code(lib));
    let mut names = BTreeMap::new();
    for statement in lib.split(';') {
        let statement = statement.trim();
        if let Some(path) = statement.strip_prefix("pub use ") {
            let module = path.split("::").next().unwrap_or_default().trim();
            if layer_of(module).is_none() {
                continue;
            }
            let tail = path.split_once('{').map_or_else(
                || path.rsplit("::").next().unwrap_or_default(),
                |(_, inner)| inner.trim_end_matches('}'),
            );
            for name in tail.split(',') {
                let name = name.rsplit(" as ").next().unwrap_or_default().trim();
                if !name.is_empty() {
                    names.insert(name.to_owned(), module.to_owned());
                }
            }
        }
    }
    // The deprecated old paths (`moved! { old => "note", new::path; }` and `pub mod old {
    // pub use crate::new::path::*; }`) lead where they point.
    for line in lib.lines() {
        let line = line.trim();
        if let Some((old, rest)) = line.split_once(" => ")
            && let Some((_, path)) = rest.rsplit_once("\", ")
            && let Some(module) = path.split("::").next()
            && layer_of(module.trim()).is_some()
        {
            names.insert(old.trim().to_owned(), module.trim().to_owned());
        }
    }
    for block in lib.split("pub mod ").skip(1) {
        let Some((old, body)) = block.split_once('{') else {
            continue;
        };
        if let Some(path) = body.trim().strip_prefix("pub use crate::")
            && let Some(module) = path.split("::").next()
            && layer_of(module).is_some()
        {
            names.insert(old.trim().to_owned(), module.to_owned());
        }
    }
    for statement in lib.split(';') {
        if let Some(alias) = statement.trim().strip_prefix("pub type ")
            && let Some((name, definition)) = alias.split_once('=')
        {
            let name = name.split('<').next().unwrap_or_default().trim().to_owned();
            let highest = definition
                .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                .filter_map(|word| names.get(word))
                .max_by_key(|module| layer_of(module))
                .cloned();
            if let Some(module) = highest {
                names.insert(name, module);
            }
        }
    }
    names
}

#[test]
fn no_module_uses_a_layer_above_its_own() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let roots = root_names(&std::fs::read_to_string(src.join("lib.rs")).unwrap());
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut upward = Vec::new();
    for file in &files {
        let relative = file.strip_prefix(&src).unwrap();
        let first = relative.iter().next().unwrap().to_string_lossy();
        let module = first.trim_end_matches(".rs").to_owned();
        let Some(own) = layer_of(&module) else {
            // lib.rs, main.rs, the CLI: the top, free to use anything. Any other new folder
            // must be given its place in LAYERS.
            assert!(
                ["lib", "main", "cli"].contains(&module.as_str()),
                "src/{module} has no place in LAYERS: add it where it belongs"
            );
            continue;
        };
        if relative
            .iter()
            .any(|part| part == "tests" || part == "tests.rs")
        {
            continue; // unit tests may reach any layer to set a case up
        }
        let text = std::fs::read_to_string(file).unwrap();
        // Likewise a file's own `#[cfg(test)] mod tests` (at its end, by convention).
        let text = text
            .split("\n#[cfg(test)]\nmod tests")
            .next()
            .unwrap_or_default();
        for used in crate_paths(&code(text)) {
            let target = roots.get(&used).cloned().unwrap_or(used.clone());
            if let Some(theirs) = layer_of(&target)
                && theirs > own
            {
                upward.push(format!(
                    "{} uses crate::{used} ({target} is above {module})",
                    relative.display()
                ));
            }
        }
    }
    upward.sort();
    upward.dedup();
    assert!(
        upward.is_empty(),
        "imports pointing up a layer:\n{}",
        upward.join("\n")
    );
}

#[test]
fn the_checker_sees_an_upward_import() {
    let roots =
        root_names("pub use api::auth::{ApiKind, Auth};\npub type S = SessionManager<Auth>;");
    assert_eq!(roots.get("Auth").map(String::as_str), Some("api"));
    assert_eq!(roots.get("S").map(String::as_str), Some("api"));
    let used = crate_paths(&code(
        "use crate::api::x; // crate::doctor\nlet a = my_crate::b;",
    ));
    assert_eq!(used, vec!["api".to_owned()]);
    assert!(layer_of("api") > layer_of("config"));
}
