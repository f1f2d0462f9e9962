//! The shape of the code, checked from `src/` itself (ARCHITECTURE.md): modules import
//! only from layers below their own, no files of one module import each other in a
//! circle, no function is over 120 lines and no file over 700 lines of code (tests
//! apart).

use crate::root;
use std::collections::{BTreeMap, BTreeSet};

/// The layers, bottom first. A module may use modules of lower layers only; modules of
/// one layer do not use each other. `lib.rs` declares them and `main.rs` (the binary)
/// sits on top of all.
const LAYERS: &[&[&str]] = &[
    &["error", "rng", "cells", "alloc"],
    &["vn"],
    &["config"],
    &["ingest", "synth"],
    &["normalize"],
    &["link"],
    &["assess"],
    &["score"],
    &["handoff"],
    &["publish"],
    &["pipeline"],
    &["demo", "explain", "evaluate", "national", "onboard"],
];

const MAX_FN_LINES: usize = 120;
const MAX_FILE_CODE_LINES: usize = 700;

/// A source file: its module path (`link::tier3::compare`) and its code without tests.
struct Source {
    rel: String,
    module: Vec<String>,
    /// Lines before the test section (`#[cfg(test)]` at the start of a line), or none
    /// for a file of tests.
    code: Vec<String>,
}

fn sources() -> Vec<Source> {
    // `files` gives them sorted by path.
    crate::files(&root().join("src"))
        .into_iter()
        .filter(|(path, _)| path.extension().is_some_and(|e| e == "rs"))
        .map(|(path, bytes)| {
            let rel = path.to_string_lossy().replace('\\', "/");
            let mut module: Vec<String> = rel.trim_end_matches(".rs").split('/').map(str::to_string).collect();
            if module.last().is_some_and(|m| m == "mod") {
                module.pop();
            }
            let text = String::from_utf8(bytes).unwrap();
            let is_tests = module.last().is_some_and(|m| m == "tests");
            let code = if is_tests {
                Vec::new()
            } else {
                text.lines().take_while(|l| !l.starts_with("#[cfg(test)]")).map(str::to_string).collect()
            };
            Source { rel, module, code }
        })
        .collect()
}

/// A line without its comment (`//` outside a string), or "" for a comment line.
fn code_part(line: &str) -> &str {
    let trimmed = line.trim_start();
    if trimmed.starts_with("//") {
        return "";
    }
    let mut in_string = false;
    let bytes = line.as_bytes();
    for i in 0..bytes.len() {
        match bytes[i] {
            b'"' if i == 0 || bytes[i - 1] != b'\\' => in_string = !in_string,
            b'/' if !in_string && bytes.get(i + 1) == Some(&b'/') => return &line[..i],
            _ => {}
        }
    }
    line
}

/// The module paths a file names (`crate::a::b`, `super::c`), resolved against the
/// modules that exist: the longest existing prefix of each path.
fn references(s: &Source, modules: &BTreeSet<Vec<String>>) -> BTreeSet<Vec<String>> {
    let text: String = s.code.iter().map(|l| code_part(l)).collect::<Vec<_>>().join("\n");
    let mut found = BTreeSet::new();
    for (start, prefix) in text.match_indices("crate::").chain(text.match_indices("super::")) {
        if start > 0 && (text.as_bytes()[start - 1].is_ascii_alphanumeric() || text.as_bytes()[start - 1] == b'_') {
            continue;
        }
        let mut base: Vec<String> = if prefix == "crate::" {
            Vec::new()
        } else {
            // `super` of a file's module; repeated `super::super::` climbs further.
            let mut b = s.module.clone();
            b.pop();
            b
        };
        let mut rest = &text[start + prefix.len()..];
        while let Some(r) = rest.strip_prefix("super::") {
            base.pop();
            rest = r;
        }
        for path in paths(rest) {
            let mut full = base.clone();
            full.extend(path);
            while !full.is_empty() && !modules.contains(&full) {
                full.pop();
            }
            if !full.is_empty() {
                found.insert(full);
            }
        }
    }
    found
}

/// The paths at the start of `rest`: `a::b::C` → [[a, b, C]]; `{a::X, b}` → [[a, X], [b]].
fn paths(rest: &str) -> Vec<Vec<String>> {
    let ident = |s: &str| s.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect::<String>();
    let mut path = Vec::new();
    let mut rest = rest;
    loop {
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            let inner = &group[..end];
            return inner
                .split(',')
                .map(|item| {
                    let mut p = path.clone();
                    p.extend(item.trim().split("::").map(ident).filter(|s| !s.is_empty()));
                    p
                })
                .collect();
        }
        let name = ident(rest);
        if name.is_empty() {
            break;
        }
        rest = &rest[name.len()..];
        path.push(name);
        match rest.strip_prefix("::") {
            Some(r) => rest = r,
            None => break,
        }
    }
    vec![path]
}

fn layer(top: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&top))
}

#[test]
fn no_module_imports_a_layer_above_its_own_and_no_files_import_in_a_circle() {
    let sources = sources();
    let modules: BTreeSet<Vec<String>> = sources.iter().map(|s| s.module.clone()).collect();
    let mut problems = Vec::new();
    let mut edges: BTreeMap<Vec<String>, BTreeSet<Vec<String>>> = BTreeMap::new();
    for s in &sources {
        let top = &s.module[0];
        if top == "lib" || top == "main" {
            continue;
        }
        let Some(own) = layer(top) else {
            problems.push(format!("src/{}: module {top} is in no layer of ARCHITECTURE.md", s.rel));
            continue;
        };
        for target in references(s, &modules) {
            let other = &target[0];
            if other == top {
                // Within a module: a child may use its ancestors (the module's shared
                // types); other arrows must not form a circle.
                if !s.module.starts_with(&target) {
                    edges.entry(s.module.clone()).or_default().insert(target);
                }
                continue;
            }
            match layer(other) {
                Some(l) if l < own => {}
                _ => problems.push(format!("src/{}: uses {} ({other} is not below {top})", s.rel, target.join("::"))),
            }
        }
    }
    // A circle: a path of arrows from a module back to itself.
    for start in edges.keys() {
        let mut seen = BTreeSet::new();
        let mut stack: Vec<Vec<Vec<String>>> = vec![vec![start.clone()]];
        while let Some(path) = stack.pop() {
            let last = path.last().unwrap();
            for next in edges.get(last).into_iter().flatten() {
                if next == start {
                    let names: Vec<String> = path.iter().chain([next]).map(|m| m.join("::")).collect();
                    problems.push(format!("circle: {}", names.join(" → ")));
                } else if seen.insert(next.clone()) {
                    let mut longer = path.clone();
                    longer.push(next.clone());
                    stack.push(longer);
                }
            }
        }
    }
    problems.sort();
    problems.dedup();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn no_function_over_120_lines_and_no_file_over_700_lines_of_code() {
    let mut problems = Vec::new();
    for s in sources() {
        let code_lines = s.code.iter().filter(|l| !code_part(l).trim().is_empty()).count();
        if code_lines > MAX_FILE_CODE_LINES {
            problems.push(format!("src/{}: {code_lines} lines of code (most {MAX_FILE_CODE_LINES})", s.rel));
        }
        for (i, line) in s.code.iter().enumerate() {
            let Some(name) = fn_name(line) else { continue };
            let indent = &line[..line.len() - line.trim_start().len()];
            let end = s.code[i..].iter().position(|l| l.strip_prefix(indent) == Some("}"));
            let lines = end.map_or(1, |e| e + 1);
            if lines > MAX_FN_LINES {
                problems.push(format!("src/{}:{}: fn {name} is {lines} lines (most {MAX_FN_LINES})", s.rel, i + 1));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The name of the function a line starts, if it starts one with a body.
fn fn_name(line: &str) -> Option<&str> {
    let mut words = line.trim_start();
    if line.trim_end().ends_with(';') || line.trim_end().ends_with('}') {
        return None;
    }
    for prefix in ["pub(crate) ", "pub(super) ", "pub ", "const ", "async ", "unsafe "] {
        words = words.strip_prefix(prefix).unwrap_or(words);
    }
    let rest = words.strip_prefix("fn ")?;
    Some(&rest[..rest.find(|c: char| !(c.is_alphanumeric() || c == '_')).unwrap_or(rest.len())])
}

/// The checks themselves catch what they are for.
#[test]
fn the_checks_see_an_arrow_up_and_a_long_function() {
    let modules: BTreeSet<Vec<String>> = [vec!["config".to_string()], vec!["ingest".to_string()]].into_iter().collect();
    let s = Source {
        rel: "config/mod.rs".into(),
        module: vec!["config".into()],
        code: vec!["    let h = crate::ingest::read_headers(p); // a comment naming crate::publish".into()],
    };
    assert_eq!(references(&s, &modules), [vec!["ingest".to_string()]].into_iter().collect());
    assert!(layer("ingest") > layer("config"));
    assert_eq!(paths("{a::X, b}"), vec![vec!["a".to_string(), "X".to_string()], vec!["b".to_string()]]);
    assert_eq!(fn_name("    pub(crate) fn link("), Some("link"));
    assert_eq!(fn_name("    fn f() -> u8;"), None);
}
