//! Chinese name similarity: pinyin keys and homophone typos.
//!
//! The most common error in a Chinese name is not a keyboard typo but a
//! homophone: the clerk or the input method picks 张玮 for 张伟, or 李静 for
//! 李晶. Edit distance calls these as different as 张伟 and 张强; pinyin calls
//! them the same. A name's *pinyin key* (default readings without tones,
//! space-separated) is used for blocking, and two names are *homophones* when
//! they have the same length and every position holds the same character or
//! two characters sharing a reading (all readings of polyphonic characters
//! count, so 朝 matches both 超 and 招).

use huaxiang_core::normalize::is_cjk;
use pinyin::{ToPinyin, ToPinyinMulti};

/// What the comparison needs to know about one name, computed once per value.
#[derive(Debug, Clone)]
pub(crate) struct NameInfo {
    /// Number of characters.
    pub len: usize,
    /// Every character is a CJK ideograph (or a middle dot).
    pub cjk: bool,
    /// Default readings, without tones, space-separated; other characters kept.
    pub pinyin_key: String,
    /// At least one character has several distinct readings.
    pub polyphonic: bool,
}

/// Analyses one normalised name.
pub(crate) fn analyse(name: &str) -> NameInfo {
    let mut key = String::with_capacity(name.len() * 2);
    let mut len = 0;
    let mut cjk = true;
    let mut polyphonic = false;
    for c in name.chars() {
        len += 1;
        if !key.is_empty() {
            key.push(' ');
        }
        match c.to_pinyin() {
            Some(p) if is_cjk(c) => {
                key.push_str(p.plain());
                polyphonic = polyphonic || has_several_readings(c);
            }
            _ => {
                if !(is_cjk(c) || c == '·') {
                    cjk = false;
                }
                key.extend(c.to_lowercase());
            }
        }
    }
    NameInfo {
        len,
        cjk,
        pinyin_key: key,
        polyphonic,
    }
}

/// True when a character has at least two readings that differ beyond the tone.
fn has_several_readings(c: char) -> bool {
    let Some(multi) = c.to_pinyin_multi() else {
        return false;
    };
    let mut readings = multi.into_iter().map(|p| p.plain());
    let Some(first) = readings.next() else {
        return false;
    };
    readings.any(|r| r != first)
}

/// True when two characters share a reading (tones ignored).
fn chars_sound_alike(a: char, b: char) -> bool {
    if a == b {
        return true;
    }
    match (a.to_pinyin_multi(), b.to_pinyin_multi()) {
        (Some(ma), Some(mb)) => ma
            .into_iter()
            .any(|pa| mb.into_iter().any(|pb| pa.plain() == pb.plain())),
        _ => false,
    }
}

/// True when an e-mail local part is spelt from the name: its letters are the
/// name's pinyin (or words), surname first or last (`zhang.wei88`,
/// `weizhang`). Two different people with the same-sounding name then share
/// the local part by construction, so it adds nothing to the name evidence.
pub(crate) fn local_part_from_name(local: &str, info: &NameInfo) -> bool {
    let letters: String = local
        .chars()
        .filter(char::is_ascii_alphabetic)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    if letters.is_empty() {
        return false;
    }
    let parts: Vec<&str> = info.pinyin_key.split(' ').filter(|s| !s.is_empty()).collect();
    let Some((first, rest)) = parts.split_first() else {
        return false;
    };
    let forward: String = parts.concat();
    let backward = format!("{}{first}", rest.concat());
    letters == forward || letters == backward
}

/// True when `a` and `b` differ but sound the same character by character.
pub(crate) fn homophones(a: &str, b: &str) -> bool {
    if a == b || a.chars().count() != b.chars().count() {
        return false;
    }
    a.chars().zip(b.chars()).all(|(x, y)| chars_sound_alike(x, y))
}

/// True when two names of the same length (at least 2) differ in exactly one character.
pub(crate) fn one_char_apart(a: &str, b: &str) -> bool {
    let (mut ia, mut ib) = (a.chars(), b.chars());
    let mut diffs = 0;
    let mut len = 0;
    loop {
        match (ia.next(), ib.next()) {
            (Some(x), Some(y)) => {
                len += 1;
                if x != y {
                    diffs += 1;
                    if diffs > 1 {
                        return false;
                    }
                }
            }
            (None, None) => return diffs == 1 && len >= 2,
            _ => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pinyin_keys() {
        let a = analyse("张伟");
        assert_eq!(a.pinyin_key, "zhang wei");
        assert_eq!(a.len, 2);
        assert!(a.cjk);
        assert_eq!(analyse("张玮").pinyin_key, "zhang wei");
        let latin = analyse("Li Na");
        assert!(!latin.cjk);
    }

    #[test]
    fn homophone_typos() {
        assert!(homophones("张伟", "张玮"));
        assert!(homophones("李静", "李晶"));
        assert!(homophones("王子涵", "王梓晗"));
        assert!(!homophones("张伟", "张伟"));
        assert!(!homophones("张伟", "张强"));
        assert!(!homophones("张伟", "张伟伟"));
    }

    #[test]
    fn polyphonic_characters_match_any_reading() {
        // 朝 reads zhao or chao.
        assert!(homophones("王超", "王朝"));
    }

    #[test]
    fn name_derived_local_parts() {
        let info = analyse("张伟");
        assert!(local_part_from_name("zhang.wei", &info));
        assert!(local_part_from_name("weizhang5151", &info));
        assert!(!local_part_from_name("1645198293", &info));
        assert!(!local_part_from_name("zhangsan", &info));
    }

    #[test]
    fn one_char() {
        assert!(one_char_apart("张伟强", "张伟刚"));
        assert!(!one_char_apart("张伟", "张伟"));
        assert!(!one_char_apart("张伟", "李强"));
        assert!(!one_char_apart("张", "李"));
    }
}
