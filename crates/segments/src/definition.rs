//! Segment definitions and their versions, kept in `meta/segments.json`.
//!
//! A definition is a name and a condition (a SQL boolean over the columns of
//! the person population, see [`crate::population`]). Editing never rewrites
//! a definition: it appends version n + 1, so that the membership recorded by
//! earlier builds can always be explained by the condition that produced it.
//! Removing marks the latest version removed; adding the name again continues
//! its version numbers.

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use huaxiang_store::Workspace;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The file, under the workspace's `meta/` folder.
pub const FILE: &str = "segments.json";

/// One version of one segment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SegmentDef {
    pub name: String,
    pub version: i64,
    /// SQL boolean condition over the population's columns.
    #[serde(rename = "where")]
    pub condition: String,
    #[serde(default)]
    pub description: String,
    pub created_at: DateTime<Utc>,
    /// Set on the latest version when the segment is removed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub removed_at: Option<DateTime<Utc>>,
}

/// Every version of every segment, in the order they were created.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Registry {
    pub segments: Vec<SegmentDef>,
}

/// The path of the definitions file.
pub fn path(ws: &Workspace) -> PathBuf {
    ws.meta_dir().join(FILE)
}

/// Checks a segment name: letters (any script), digits, `_`, `-`, `.`; it
/// starts with a letter or digit and has at most 64 characters.
pub fn check_name(name: &str) -> Result<()> {
    let mut chars = name.chars();
    let first_ok = chars.next().is_some_and(char::is_alphanumeric);
    let rest_ok = name
        .chars()
        .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'));
    if !first_ok || !rest_ok || name.chars().count() > 64 {
        return Err(Error::InvalidName(name.to_string()));
    }
    Ok(())
}

impl Registry {
    /// Reads the registry (empty when the file does not exist yet).
    pub fn load(ws: &Workspace) -> Result<Registry> {
        Ok(huaxiang_store::meta::read_json(&path(ws))?.unwrap_or_default())
    }

    /// Writes the registry atomically.
    pub fn save(&self, ws: &Workspace) -> Result<()> {
        Ok(huaxiang_store::meta::write_json(&path(ws), self)?)
    }

    /// Every version of `name`, oldest first.
    pub fn versions(&self, name: &str) -> Vec<&SegmentDef> {
        let mut v: Vec<&SegmentDef> = self.segments.iter().filter(|d| d.name == name).collect();
        v.sort_by_key(|d| d.version);
        v
    }

    /// The latest version of `name`, removed or not.
    fn latest(&self, name: &str) -> Option<&SegmentDef> {
        self.segments
            .iter()
            .filter(|d| d.name == name)
            .max_by_key(|d| d.version)
    }

    /// The current version of `name`, unless it does not exist or was removed.
    pub fn current(&self, name: &str) -> Option<&SegmentDef> {
        self.latest(name).filter(|d| d.removed_at.is_none())
    }

    /// The current version of `name`, or an error naming it.
    pub fn require(&self, name: &str) -> Result<&SegmentDef> {
        self.current(name)
            .ok_or_else(|| Error::UnknownSegment(name.to_string()))
    }

    /// The current version of every segment that is not removed, by name.
    pub fn active(&self) -> Vec<&SegmentDef> {
        let mut names: Vec<&str> = self.segments.iter().map(|d| d.name.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        names.into_iter().filter_map(|n| self.current(n)).collect()
    }

    /// Adds a new segment (version 1, or the next version of a removed one).
    pub fn add(&mut self, name: &str, condition: &str, description: &str) -> Result<&SegmentDef> {
        check_name(name)?;
        if self.current(name).is_some() {
            return Err(Error::SegmentExists(name.to_string()));
        }
        let version = self.latest(name).map_or(1, |d| d.version + 1);
        self.push(name, version, condition, description)
    }

    /// Appends a new version of an existing segment. `None` keeps the current
    /// condition or description. Returns `None` when nothing would change.
    pub fn edit(
        &mut self,
        name: &str,
        condition: Option<&str>,
        description: Option<&str>,
    ) -> Result<Option<&SegmentDef>> {
        let cur = self.require(name)?.clone();
        let condition = condition.map_or(cur.condition.clone(), |c| c.trim().to_string());
        let description = description.map_or(cur.description.clone(), |d| d.trim().to_string());
        if condition == cur.condition && description == cur.description {
            return Ok(None);
        }
        self.push(name, cur.version + 1, &condition, &description).map(Some)
    }

    /// Marks the current version of `name` removed (its history stays).
    pub fn remove(&mut self, name: &str) -> Result<i64> {
        let version = self.require(name)?.version;
        let now = Utc::now();
        for d in &mut self.segments {
            if d.name == name && d.version == version {
                d.removed_at = Some(now);
            }
        }
        Ok(version)
    }

    fn push(&mut self, name: &str, version: i64, condition: &str, description: &str) -> Result<&SegmentDef> {
        let condition = condition.trim();
        if condition.is_empty() {
            return Err(Error::EmptyCondition {
                segment: name.to_string(),
            });
        }
        self.segments.push(SegmentDef {
            name: name.to_string(),
            version,
            condition: condition.to_string(),
            description: description.trim().to_string(),
            created_at: Utc::now(),
            removed_at: None,
        });
        Ok(&self.segments[self.segments.len() - 1])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        for ok in ["high_value", "高价值客户", "vip-2026", "a.b", "x"] {
            check_name(ok).expect(ok);
        }
        for bad in ["", "_x", "two words", "a;b", "x'y", &"a".repeat(65)] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn versions_are_kept_and_removal_continues_numbering() {
        let mut r = Registry::default();
        r.add("vip", "monetary > 1000", "big spenders").expect("add");
        assert!(matches!(r.add("vip", "x", ""), Err(Error::SegmentExists(_))));
        let v2 = r
            .edit("vip", Some("monetary > 2000"), None)
            .expect("edit")
            .expect("changed");
        assert_eq!((v2.version, v2.description.as_str()), (2, "big spenders"));
        assert!(r.edit("vip", Some(" monetary > 2000 "), None).expect("same").is_none());
        assert_eq!(r.versions("vip").len(), 2);
        assert_eq!(r.current("vip").map(|d| d.condition.as_str()), Some("monetary > 2000"));

        assert_eq!(r.remove("vip").expect("remove"), 2);
        assert!(r.current("vip").is_none());
        assert!(r.active().is_empty());
        assert!(matches!(r.edit("vip", Some("x"), None), Err(Error::UnknownSegment(_))));
        let again = r.add("vip", "frequency >= 3", "").expect("re-add");
        assert_eq!(again.version, 3);
        assert_eq!(r.versions("vip").len(), 3);
        assert!(matches!(r.add("empty", "  ", ""), Err(Error::EmptyCondition { .. })));
    }

    #[test]
    fn roundtrips_through_the_meta_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let ws = Workspace::init(&dir.path().join("ws")).expect("init");
        assert_eq!(Registry::load(&ws).expect("empty"), Registry::default());
        let mut r = Registry::default();
        r.add("b", "frequency > 1", "").expect("add b");
        r.add("a", "frequency > 2", "").expect("add a");
        r.save(&ws).expect("save");
        let back = Registry::load(&ws).expect("load");
        assert_eq!(back, r);
        let names: Vec<&str> = back.active().iter().map(|d| d.name.as_str()).collect();
        assert_eq!(names, ["a", "b"]);
        let text = std::fs::read_to_string(path(&ws)).expect("read");
        assert!(text.contains("\"where\": \"frequency > 1\""), "{text}");
    }
}
