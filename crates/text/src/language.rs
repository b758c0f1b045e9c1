//! Which tokeniser a text needs: Chinese (any Han character present) or English.
//!
//! The rule is deliberately crude. Customer texts in this system are Chinese with the odd
//! product name or model number in Latin letters, or English; jieba segments the Latin runs
//! of a mixed text as words of their own, so sending every text with a Han character to
//! jieba loses nothing, and a text without one has nothing for jieba to do.

use serde::{Deserialize, Serialize};

/// The language a text is tokenised as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    /// At least one Han character: segmented with jieba.
    Chinese,
    /// No Han character: lower-cased and split on non-alphanumerics.
    English,
}

/// Whether `c` is a Han (CJK ideograph) character, in the unified blocks and their
/// extensions and compatibility blocks.
pub fn is_han(c: char) -> bool {
    matches!(c as u32,
        0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2A6DF
        | 0x2A700..=0x2EBEF | 0x30000..=0x3134F)
}

/// The language `text` is tokenised as: [`Language::Chinese`] when any Han character is
/// present, else [`Language::English`].
pub fn detect_language(text: &str) -> Language {
    if text.chars().any(is_han) {
        Language::Chinese
    } else {
        Language::English
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_han_anywhere() {
        assert_eq!(detect_language("iPhone 15 屏幕坏了"), Language::Chinese);
        assert_eq!(detect_language("The parcel is late!"), Language::English);
        assert_eq!(detect_language(""), Language::English);
        assert!(!is_han('，'));
    }
}
