//! The UI's words in Chinese and English, from one dictionary
//! (`assets/i18n.json`, key → [中文, English]) that both the templates and the
//! page scripts read, so a label cannot exist in one language only.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use axum::http::HeaderMap;
use axum::http::header::COOKIE;

/// The language cookie's name.
pub const LANG_COOKIE: &str = "hx_lang";

/// The dictionary's text.
pub const DICTIONARY: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/assets/i18n.json"));

type Dictionary = BTreeMap<String, [String; 2]>;

static WORDS: LazyLock<Dictionary> = LazyLock::new(|| {
    // Checked by a unit test; an unreadable dictionary shows the keys themselves.
    serde_json::from_str(DICTIONARY).unwrap_or_default()
});

/// A UI language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Zh,
    En,
}

impl Lang {
    /// The language of the request's `hx_lang` cookie; Chinese by default.
    pub fn from_headers(headers: &HeaderMap) -> Lang {
        let en = headers
            .get_all(COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|kv| kv.trim().split_once('='))
            .any(|(k, v)| k == LANG_COOKIE && v == "en");
        if en { Lang::En } else { Lang::Zh }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }

    fn index(self) -> usize {
        match self {
            Lang::Zh => 0,
            Lang::En => 1,
        }
    }
}

/// The words of one language, for templates: `{{ t.get("nav.overview") }}`.
#[derive(Debug, Clone, Copy)]
pub struct Words {
    pub lang: Lang,
}

impl Words {
    /// The word for `key`, or the key itself when the dictionary lacks it.
    pub fn get<'a>(&self, key: &'a str) -> &'a str {
        match WORDS.get(key) {
            // The dictionary is 'static, so its words outlive any key.
            Some(w) => w[self.lang.index()].as_str(),
            None => key,
        }
    }

    /// The whole dictionary of this language as a JSON object, for the page scripts.
    pub fn json(&self) -> String {
        let one: BTreeMap<&str, &str> = WORDS
            .iter()
            .map(|(k, v)| (k.as_str(), v[self.lang.index()].as_str()))
            .collect();
        // Safe inside a <script> element: `<` never appears unescaped.
        serde_json::to_string(&one)
            .unwrap_or_else(|_| "{}".to_string())
            .replace('<', "\\u003c")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dictionary_parses_and_has_both_languages() {
        let d: Dictionary = serde_json::from_str(DICTIONARY).expect("i18n.json parses");
        assert!(d.len() > 50);
        for (k, [zh, en]) in &d {
            assert!(!zh.is_empty() && !en.is_empty(), "{k}");
        }
    }

    /// Every key a template or script asks for exists in the dictionary.
    #[test]
    fn every_key_used_exists() {
        let d: Dictionary = serde_json::from_str(DICTIONARY).expect("i18n.json parses");
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut missing = Vec::new();
        for dir in ["templates", "templates/pages", "assets/js"] {
            for entry in std::fs::read_dir(root.join(dir)).expect("dir") {
                let path = entry.expect("entry").path();
                if path.is_dir() {
                    continue;
                }
                let text = std::fs::read_to_string(&path).expect("read");
                for pat in ["t.get(\"", "t('", "T('"] {
                    for (i, _) in text.match_indices(pat) {
                        let before = text[..i].chars().next_back();
                        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.') {
                            continue;
                        }
                        let rest = &text[i + pat.len()..];
                        let end = rest.find(['"', '\'']).unwrap_or(0);
                        let key = &rest[..end];
                        if !key.is_empty() && !key.ends_with('.') && !d.contains_key(key) {
                            missing.push(format!("{}: {key}", path.display()));
                        }
                    }
                }
            }
        }
        assert!(missing.is_empty(), "missing words: {missing:#?}");
    }

    #[test]
    fn language_follows_the_cookie() {
        let mut h = HeaderMap::new();
        assert_eq!(Lang::from_headers(&h), Lang::Zh);
        h.insert(COOKIE, "a=1; hx_lang=en".parse().expect("header"));
        assert_eq!(Lang::from_headers(&h), Lang::En);
        assert_eq!(Words { lang: Lang::En }.get("no.such.key"), "no.such.key");
    }
}
