//! The order in which tags are computed: tags that read other tags come after
//! them. A cycle has no order and is refused, naming the tags in it.

use std::collections::{BTreeMap, BTreeSet};

use crate::error::{Error, Result};

/// Tag id → the tag ids it reads.
pub type Deps = BTreeMap<String, BTreeSet<String>>;

/// Groups the tags of `deps` in levels: level 0 reads no tag, level k reads
/// only tags of lower levels. Dependencies on ids that are not keys are ignored
/// (they are not tags). Fails with the first cycle found, e.g. `a → b → a`.
pub fn levels(deps: &Deps) -> Result<Vec<Vec<String>>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        Visiting,
        Done(usize),
    }
    fn visit(id: &str, deps: &Deps, marks: &mut BTreeMap<String, Mark>, path: &mut Vec<String>) -> Result<usize> {
        match marks.get(id) {
            Some(Mark::Done(l)) => return Ok(*l),
            Some(Mark::Visiting) => {
                let start = path.iter().position(|p| p == id).unwrap_or(0);
                let mut cycle: Vec<String> = path[start..].to_vec();
                cycle.push(id.to_string());
                return Err(Error::Cycle {
                    cycle: cycle.join(" → "),
                });
            }
            None => {}
        }
        marks.insert(id.to_string(), Mark::Visiting);
        path.push(id.to_string());
        let mut level = 0;
        for d in deps.get(id).into_iter().flatten() {
            if deps.contains_key(d) {
                level = level.max(visit(d, deps, marks, path)? + 1);
            }
        }
        path.pop();
        marks.insert(id.to_string(), Mark::Done(level));
        Ok(level)
    }
    let mut marks = BTreeMap::new();
    let mut out: Vec<Vec<String>> = Vec::new();
    for id in deps.keys() {
        let l = visit(id, deps, &mut marks, &mut Vec::new())?;
        if out.len() <= l {
            out.resize(l + 1, Vec::new());
        }
        if !out[l].contains(id) {
            out[l].push(id.clone());
        }
    }
    Ok(out)
}

/// Every tag `id` reads, directly or through other tags.
pub fn closure(id: &str, deps: &Deps) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut stack = vec![id.to_string()];
    while let Some(t) = stack.pop() {
        for d in deps.get(&t).into_iter().flatten() {
            if deps.contains_key(d) && seen.insert(d.clone()) {
                stack.push(d.clone());
            }
        }
    }
    seen
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deps(edges: &[(&str, &[&str])]) -> Deps {
        edges
            .iter()
            .map(|(a, bs)| (a.to_string(), bs.iter().map(|b| b.to_string()).collect()))
            .collect()
    }

    #[test]
    fn levels_follow_dependencies() {
        let d = deps(&[("a", &["b", "frequency"]), ("b", &["c"]), ("c", &[]), ("d", &["c"])]);
        let l = levels(&d).expect("acyclic");
        assert_eq!(
            l,
            vec![vec!["c".to_string()], vec!["b".into(), "d".into()], vec!["a".into()]]
        );
        assert_eq!(closure("a", &d), ["b", "c"].iter().map(|s| s.to_string()).collect());
    }

    #[test]
    fn cycles_are_named() {
        let d = deps(&[("a", &["b"]), ("b", &["c"]), ("c", &["a"]), ("x", &[])]);
        match levels(&d) {
            Err(Error::Cycle { cycle }) => assert_eq!(cycle, "a → b → c → a"),
            other => panic!("expected a cycle, got {other:?}"),
        }
        let selfref = deps(&[("a", &["a"])]);
        match levels(&selfref) {
            Err(Error::Cycle { cycle }) => assert_eq!(cycle, "a → a"),
            other => panic!("expected a cycle, got {other:?}"),
        }
    }
}
