//! Word tokenisation: jieba for Chinese (with user words), a plain splitter for English,
//! chosen per text by [`detect_language`], and stopwords removed.

use std::collections::HashSet;
use std::io::BufRead;
use std::path::Path;

use jieba_rs::Jieba;

use crate::error::{Error, Result};
use crate::language::{Language, detect_language};
use crate::stopwords::{chinese_stopwords, english_stopwords};

/// Splits texts into lower-case word tokens.
///
/// Building one loads jieba's embedded dictionary (about 350 thousand words), which takes
/// a noticeable moment; build it once and share it (`&Tokenizer` is all the methods need).
pub struct Tokenizer {
    jieba: Jieba,
    stopwords: HashSet<String>,
    hmm: bool,
}

impl std::fmt::Debug for Tokenizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tokenizer")
            .field("stopwords", &self.stopwords.len())
            .field("hmm", &self.hmm)
            .finish_non_exhaustive()
    }
}

impl Default for Tokenizer {
    fn default() -> Self {
        Self::new()
    }
}

impl Tokenizer {
    /// jieba with its default dictionary and HMM for unknown words, and the embedded Chinese
    /// and English stopword lists.
    pub fn new() -> Self {
        let stopwords = chinese_stopwords()
            .chain(english_stopwords())
            .map(str::to_owned)
            .collect();
        Tokenizer {
            jieba: Jieba::new(),
            stopwords,
            hmm: true,
        }
    }

    /// Adds one word to the segmentation dictionary, with a frequency high enough that
    /// jieba keeps it whole (e.g. a product or brand name). Blank words are ignored.
    pub fn add_word(&mut self, word: &str) {
        let word = word.trim();
        if !word.is_empty() {
            self.jieba.add_word(word, None, None);
        }
    }

    /// Adds every word of a list (see [`Tokenizer::add_word`]).
    pub fn add_words<I, S>(&mut self, words: I)
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        for w in words {
            self.add_word(w.as_ref());
        }
    }

    /// Adds a user dictionary in jieba's format: one `word [freq [tag]]` per line, blank
    /// lines and lines starting with `#` ignored. Returns the number of words added.
    pub fn add_user_dict(&mut self, reader: impl BufRead) -> Result<usize> {
        let mut added = 0;
        for (i, line) in reader.lines().enumerate() {
            let line = line.map_err(|e| Error::UserDict(format!("line {}: {e}", i + 1)))?;
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut parts = line.split_whitespace();
            let Some(word) = parts.next() else { continue };
            let freq = match parts.next() {
                None => None,
                Some(f) => Some(f.parse::<usize>().map_err(|_| {
                    Error::UserDict(format!(
                        "line {}: frequency {f:?} of {word:?} is not a whole number",
                        i + 1
                    ))
                })?),
            };
            let tag = parts.next();
            self.jieba.add_word(word, freq, tag);
            added += 1;
        }
        Ok(added)
    }

    /// Reads a user dictionary file (format of [`Tokenizer::add_user_dict`]).
    pub fn load_user_dict(&mut self, path: &Path) -> Result<usize> {
        let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
        self.add_user_dict(std::io::BufReader::new(file))
    }

    /// Adds stopwords (compared after lower-casing).
    pub fn add_stopwords<I, S>(&mut self, words: I)
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        self.stopwords
            .extend(words.into_iter().map(|w| w.as_ref().trim().to_lowercase()));
    }

    /// Whether `word` (lower case) is a stopword.
    pub fn is_stopword(&self, word: &str) -> bool {
        self.stopwords.contains(word)
    }

    /// The tokens of `text` without stopwords: lower case, no punctuation or whitespace.
    pub fn tokenize(&self, text: &str) -> Vec<String> {
        let mut tokens = self.tokenize_all(text);
        tokens.retain(|t| !self.stopwords.contains(t));
        tokens
    }

    /// The tokens of `text`, stopwords included: lower case, no punctuation or whitespace.
    pub fn tokenize_all(&self, text: &str) -> Vec<String> {
        match detect_language(text) {
            Language::English => tokenize_english(text),
            Language::Chinese => self
                .jieba
                .cut(text, self.hmm)
                .into_iter()
                .filter(|t| t.word.chars().any(char::is_alphanumeric))
                .map(|t| t.word.trim().to_lowercase())
                .collect(),
        }
    }
}

/// English tokens: lower case, split on every character that is not alphanumeric.
/// Stopwords are kept (use [`Tokenizer::tokenize`] to drop them).
pub fn tokenize_english(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn english_split_lowercase_and_stopwords() {
        assert_eq!(
            tokenize_english("The Parcel's LATE, again!"),
            ["the", "parcel", "s", "late", "again"]
        );
        let t = Tokenizer::new();
        assert_eq!(t.tokenize("The parcel is late, again!"), ["parcel", "late"]);
    }

    #[test]
    fn chinese_segmentation_and_stopwords() {
        let t = Tokenizer::new();
        let tokens = t.tokenize("快递太慢了，下单一周还没到！");
        assert!(tokens.contains(&"快递".to_owned()), "{tokens:?}");
        assert!(!tokens.iter().any(|w| w == "了" || w == "，"), "{tokens:?}");
        let all = t.tokenize_all("我的快递");
        assert!(all.contains(&"的".to_owned()), "{all:?}");
    }

    #[test]
    fn user_words_stay_whole() {
        let mut t = Tokenizer::new();
        let before = t.tokenize("华像会员日的满减券");
        assert!(!before.contains(&"华像会员日".to_owned()));
        t.add_words(["华像会员日"]);
        assert_eq!(t.add_user_dict("# brands\n满减券 100 n\n\n".as_bytes()).ok(), Some(1));
        let after = t.tokenize("华像会员日的满减券");
        assert_eq!(after, ["华像会员日", "满减券"]);
        assert!(t.add_user_dict("词 many".as_bytes()).is_err());
    }

    #[test]
    fn mixed_text_goes_to_jieba() {
        let t = Tokenizer::new();
        let tokens = t.tokenize("iPhone屏幕坏了");
        assert!(tokens.contains(&"iphone".to_owned()), "{tokens:?}");
    }
}
