/*!
Identifier normalisation: one canonical spelling per phone, e-mail and name.

Two records can only be compared, and a keyed hash can only be joined, when the
same real-world identifier is always written the same way. Source systems write
`+86 138 1234 5678`, `138-1234-5678` and full-width `１３８１２３４５６７８` for
the same mobile, and `Zhang.Wei@QQ.com ` for `zhang.wei@qq.com`. Ingest hashes the
output of these functions and identity resolution compares it, so the functions
must be pure, total (never panic) and stable across releases: changing a
canonical form silently breaks every stored hash.

[`is_junk_identifier`] knows the placeholder values people type into forms
(`null`, `test@test.com`, `11111111111`). Such values are shared by thousands of
unrelated people and must never be used to link them.
*/

use std::borrow::Cow;

use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfkc_quick};

/// The kind of an identifier, used to pick the junk rules that apply to it.
///
/// [`IdentifierKind::as_str`] gives the lower-case names (`phone`, `email`,
/// `name`) also used to namespace keyed hashes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IdentifierKind {
    Phone,
    Email,
    Name,
    /// Any other identifier (a member card number, a device id ...): only the
    /// generic placeholder list applies.
    Other,
}

impl IdentifierKind {
    /// The lower-case name of the kind: `phone`, `email`, `name` or `other`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Phone => "phone",
            Self::Email => "email",
            Self::Name => "name",
            Self::Other => "other",
        }
    }

    /// Parses `phone`, `email`, `name` (any case); everything else is `Other`.
    pub fn from_name(name: &str) -> Self {
        match name.trim().to_ascii_lowercase().as_str() {
            "phone" | "mobile" => Self::Phone,
            "email" | "e-mail" => Self::Email,
            "name" => Self::Name,
            _ => Self::Other,
        }
    }
}

/// Placeholder values that mean "no value", whatever the identifier kind.
const PLACEHOLDERS: &[&str] = &[
    "",
    "null",
    "none",
    "nil",
    "n/a",
    "na",
    "-",
    "--",
    "-1",
    "0",
    "unknown",
    "undefined",
    "test",
    "testing",
    "tbd",
    "xxx",
    "未知",
    "无",
    "不详",
    "匿名",
    "测试",
];

/// E-mail local parts that never identify a person.
const JUNK_EMAIL_LOCALS: &[&str] = &[
    "null",
    "none",
    "nil",
    "na",
    "n/a",
    "noreply",
    "no-reply",
    "no_reply",
    "donotreply",
    "do-not-reply",
    "do_not_reply",
    "unknown",
    "undefined",
    "test",
    "testing",
    "example",
    "email",
    "mail",
    "user",
    "admin",
];

/// E-mail domains reserved for examples and tests.
const JUNK_EMAIL_DOMAINS: &[&str] = &[
    "test.com",
    "example.com",
    "example.org",
    "example.net",
    "localhost",
    "test",
    "invalid",
    "email.com",
];

/// NFKC, without allocating when the text is already normalised (the usual case).
fn nfkc(raw: &str) -> Cow<'_, str> {
    if raw.is_ascii() || is_nfkc_quick(raw.chars()) == IsNormalized::Yes {
        Cow::Borrowed(raw)
    } else {
        Cow::Owned(raw.nfkc().collect())
    }
}

/// Normalises a phone number to E.164 (`+` country code, national number).
///
/// Chinese numbers written without a country code (`13812345678`,
/// `138-1234-5678`, `138 1234 5678`, `8613812345678`, `008613812345678`,
/// full-width digits) become `+8613812345678`; Chinese landlines with a trunk
/// `0` (`010-12345678`) become `+861012345678`. Numbers with an explicit `+CC`
/// (or `00CC`) keep their country code. Everything that is not a plausible
/// number (letters, too short or too long, unknown national format) gives `None`.
pub fn normalize_phone(raw: &str) -> Option<String> {
    let text = nfkc(raw);
    let text = text.trim();
    let mut digits = String::with_capacity(text.len());
    let mut plus = false;
    for c in text.chars() {
        match c {
            '0'..='9' => digits.push(c),
            '+' if digits.is_empty() && !plus => plus = true,
            ' ' | '-' | '(' | ')' | '.' | '/' | '\u{2010}' | '\u{2011}' | '\u{2012}' | '\u{2013}' | '\u{2212}' => {}
            _ => return None,
        }
    }
    if !plus && let Some(rest) = digits.strip_prefix("00") {
        digits = rest.to_string();
        plus = true;
    }
    if plus {
        return international(&digits);
    }
    if is_cn_mobile(&digits) {
        return Some(format!("+86{digits}"));
    }
    if let Some(rest) = digits.strip_prefix("86")
        && is_cn_mobile(rest)
    {
        return Some(format!("+86{rest}"));
    }
    if let Some(national) = cn_landline(&digits) {
        return Some(format!("+86{national}"));
    }
    None
}

/// `digits` followed an explicit `+` (or `00`): country code plus national number.
fn international(digits: &str) -> Option<String> {
    if let Some(rest) = digits.strip_prefix("86") {
        if is_cn_mobile(rest) {
            return Some(format!("+86{rest}"));
        }
        if let Some(national) = cn_landline(rest) {
            return Some(format!("+86{national}"));
        }
        // A national number that starts without the trunk prefix, e.g. +86 10 1234 5678.
        if ((9..=11).contains(&rest.len()) && !rest.starts_with(['0', '1'])) || is_cn_landline_without_trunk(rest) {
            return Some(format!("+86{rest}"));
        }
        return None;
    }
    // E.164: at most 15 digits; a country code never starts with 0.
    if (8..=15).contains(&digits.len()) && !digits.starts_with('0') {
        return Some(format!("+{digits}"));
    }
    None
}

/// A Chinese mobile number: 11 digits, `1[3-9]x xxxx xxxx`.
fn is_cn_mobile(d: &str) -> bool {
    let b = d.as_bytes();
    b.len() == 11 && b[0] == b'1' && (b'3'..=b'9').contains(&b[1]) && b.iter().all(u8::is_ascii_digit)
}

/// A Chinese landline written with its trunk `0` (`010 1234 5678`, `0755 1234 567`):
/// returns the national number without the `0`. A mobile written with a
/// leading `0` (`0138 1234 5678`) is returned as the mobile.
fn cn_landline(d: &str) -> Option<&str> {
    let rest = d.strip_prefix('0')?;
    if is_cn_mobile(rest) {
        return Some(rest);
    }
    // Area codes are 2 or 3 digits; the only one starting with 1 is Beijing's 10.
    let area_ok = !rest.starts_with('0') && (!rest.starts_with('1') || rest.starts_with("10"));
    if (10..=12).contains(&d.len()) && area_ok {
        Some(rest)
    } else {
        None
    }
}

/// Beijing-style area code `10` after `+86`, written without the trunk prefix.
fn is_cn_landline_without_trunk(d: &str) -> bool {
    d.starts_with("10") && d.len() == 10
}

/// Normalises an e-mail address: NFKC, trimmed, lower case.
///
/// Returns `None` unless the address has exactly one `@`, a non-empty local
/// part and a dotted domain without empty labels, and no whitespace.
pub fn normalize_email(raw: &str) -> Option<String> {
    let text = nfkc(raw);
    let text = text.trim().to_lowercase();
    if text.chars().any(char::is_whitespace) {
        return None;
    }
    let mut parts = text.split('@');
    let (local, domain) = match (parts.next(), parts.next(), parts.next()) {
        (Some(l), Some(d), None) => (l, d),
        _ => return None,
    };
    if local.is_empty() || !domain.contains('.') || domain.split('.').any(str::is_empty) {
        return None;
    }
    Some(text)
}

/// Normalises a person's name: NFKC (full width to half width), trimmed, inner
/// whitespace collapsed to one space. Names written in CJK characters lose
/// their spaces entirely (`张 伟` → `张伟`). Returns `None` for an empty name.
pub fn normalize_name(raw: &str) -> Option<String> {
    let text = nfkc(raw);
    let words: Vec<&str> = text.split_whitespace().collect();
    if words.is_empty() {
        return None;
    }
    let cjk = words
        .iter()
        .flat_map(|w| w.chars())
        .all(|c| is_cjk(c) || c == '·' || c == '•');
    Some(if cjk { words.concat() } else { words.join(" ") })
}

/// True for CJK ideographs (the scripts Chinese, Japanese kanji and Korean hanja names use).
pub fn is_cjk(c: char) -> bool {
    matches!(
        c as u32,
        0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2A6DF | 0x2A700..=0x2EBEF | 0x30000..=0x3134F | 0x3007
    )
}

/// True when a *normalised* identifier is a placeholder that must never link
/// people: `null`, `unknown`, `-1`, all-same-digit or sequential phones,
/// `test@test.com`, `noreply@…`, `a@a.com` and similar.
///
/// This is the built-in list only. Identity resolution adds the workspace's
/// own regular expressions and treats values shared by too many records as junk.
pub fn is_junk_identifier(kind: IdentifierKind, normalized: &str) -> bool {
    // Allocation-free: this runs once per identifier value during ingest.
    let value = normalized.trim();
    if is_placeholder(value) {
        return true;
    }
    match kind {
        IdentifierKind::Phone => is_junk_phone(value),
        IdentifierKind::Email => is_junk_email(value),
        IdentifierKind::Name => value.chars().all(|c| !c.is_alphanumeric()),
        IdentifierKind::Other => false,
    }
}

/// Case-insensitive membership in [`PLACEHOLDERS`].
fn is_placeholder(value: &str) -> bool {
    PLACEHOLDERS.iter().any(|p| p.eq_ignore_ascii_case(value))
}

fn is_junk_phone(value: &str) -> bool {
    // E.164 has at most 15 digits; anything longer is not a phone.
    let mut buf = [0u8; 32];
    let mut len = 0;
    for b in value.bytes().filter(u8::is_ascii_digit) {
        if len == buf.len() {
            return true;
        }
        buf[len] = b - b'0';
        len += 1;
    }
    let digits = &buf[..len];
    if digits.len() < 5 {
        return true;
    }
    // The national significant number: without a Chinese country code.
    let national: &[u8] = if value.starts_with("+86") { &digits[2..] } else { digits };
    if national.is_empty() || national.iter().all(|&d| d == national[0]) {
        return true;
    }
    let ascending = national.windows(2).all(|w| (w[0] + 1) % 10 == w[1]);
    let descending = national.windows(2).all(|w| (w[1] + 1) % 10 == w[0]);
    if ascending || descending {
        return true;
    }
    // `138 0000 0000`, `139 8888 8888`: the eight subscriber digits all the same.
    if national.len() == 11 && national[3..].iter().all(|&d| d == national[3]) {
        return true;
    }
    false
}

fn is_junk_email(value: &str) -> bool {
    let Some((local, domain)) = value.split_once('@') else {
        return true;
    };
    let listed = |list: &[&str], s: &str| list.iter().any(|x| x.eq_ignore_ascii_case(s));
    if is_placeholder(local) || listed(JUNK_EMAIL_LOCALS, local) || listed(JUNK_EMAIL_DOMAINS, domain) {
        return true;
    }
    let first_label = domain.split('.').next().unwrap_or_default();
    // `a@a.com`, `x@y.cn`: one-letter local part at a one-letter domain.
    if local.chars().count() == 1 && first_label.chars().count() == 1 {
        return true;
    }
    // `aaaa@aaaa.com`, `1111@1111.com`
    let same = |s: &str| {
        s.chars().count() > 1
            && s.chars()
                .all(|c| s.chars().next().is_some_and(|f| f.eq_ignore_ascii_case(&c)))
    };
    same(local) && same(first_label)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_mobiles_in_every_spelling() {
        for raw in [
            "13812345678",
            "138-1234-5678",
            "+86 138 1234 5678",
            "+86-138-1234-5678",
            "8613812345678",
            "008613812345678",
            "138 1234 5678",
            "１３８１２３４５６７８",
            "  (+86) 138.1234.5678 ",
            "＋８６ １３８ １２３４ ５６７８",
        ] {
            assert_eq!(normalize_phone(raw).as_deref(), Some("+8613812345678"), "{raw}");
        }
    }

    #[test]
    fn other_country_codes_are_kept() {
        assert_eq!(normalize_phone("+1 (415) 555-2671").as_deref(), Some("+14155552671"));
        assert_eq!(normalize_phone("+44 20 7946 0958").as_deref(), Some("+442079460958"));
        assert_eq!(normalize_phone("0044 20 7946 0958").as_deref(), Some("+442079460958"));
        assert_eq!(normalize_phone("+852 9123 4567").as_deref(), Some("+85291234567"));
    }

    #[test]
    fn chinese_landlines() {
        assert_eq!(normalize_phone("010-12345678").as_deref(), Some("+861012345678"));
        assert_eq!(normalize_phone("0755-1234-5678").as_deref(), Some("+8675512345678"));
        assert_eq!(normalize_phone("+86 10 1234 5678").as_deref(), Some("+861012345678"));
    }

    #[test]
    fn implausible_phones_are_rejected() {
        for raw in [
            "",
            "   ",
            "abc",
            "12345",
            "1381234567",
            "138123456789",
            "23812345678",
            "138-1234-567x",
            "+0123456789",
            "+1234",
            "+1234567890123456",
            "+86 12",
            "n/a",
        ] {
            assert_eq!(normalize_phone(raw), None, "{raw}");
        }
    }

    #[test]
    fn emails() {
        assert_eq!(
            normalize_email(" Zhang.Wei@QQ.COM ").as_deref(),
            Some("zhang.wei@qq.com")
        );
        assert_eq!(normalize_email("ｚｗ＠ｑｑ．ｃｏｍ").as_deref(), Some("zw@qq.com"));
        for bad in [
            "",
            "zhang",
            "@qq.com",
            "a@b",
            "a@@b.com",
            "a@b@c.com",
            "a@.com",
            "a@b.",
            "a b@c.com",
            "a@b..com",
        ] {
            assert_eq!(normalize_email(bad), None, "{bad}");
        }
    }

    #[test]
    fn names() {
        assert_eq!(normalize_name(" 张 伟 ").as_deref(), Some("张伟"));
        assert_eq!(normalize_name("张\u{3000}伟").as_deref(), Some("张伟"));
        assert_eq!(normalize_name("  John   Smith ").as_deref(), Some("John Smith"));
        assert_eq!(normalize_name("ＪＯＨＮ ＳＭＩＴＨ").as_deref(), Some("JOHN SMITH"));
        assert_eq!(normalize_name("阿卜杜 · 热合曼").as_deref(), Some("阿卜杜·热合曼"));
        assert_eq!(normalize_name("   "), None);
        assert_eq!(normalize_name(""), None);
    }

    #[test]
    fn junk_defaults() {
        use IdentifierKind::*;
        for v in ["", "null", "NONE", "n/a", "-1", "0", "unknown", "test"] {
            assert!(is_junk_identifier(Phone, v), "{v}");
            assert!(is_junk_identifier(Email, v), "{v}");
            assert!(is_junk_identifier(Name, v), "{v}");
            assert!(is_junk_identifier(Other, v), "{v}");
        }
        for v in [
            "+8611111111111",
            "+8600000000000",
            "+8612345678901",
            "+8613800000000",
            "+8698765432109",
        ] {
            assert!(is_junk_identifier(Phone, v), "{v}");
        }
        assert!(!is_junk_identifier(Phone, "+8613812345678"));
        assert!(is_junk_identifier(Email, "Test@Test.com"));
        for v in [
            "test@test.com",
            "null@qq.com",
            "noreply@company.cn",
            "a@a.com",
            "aaa@aaa.com",
        ] {
            assert!(is_junk_identifier(Email, v), "{v}");
        }
        assert!(!is_junk_identifier(Email, "zhang.wei@qq.com"));
        assert!(!is_junk_identifier(Email, "a@qq.com"));
        assert!(is_junk_identifier(Name, "未知"));
        assert!(is_junk_identifier(Name, "???"));
        assert!(!is_junk_identifier(Name, "张伟"));
    }

    #[test]
    fn normalised_junk_phones() {
        // 11111111111 is not a plausible mobile (second digit 1): rejected outright.
        assert_eq!(normalize_phone("111-1111-1111"), None);
        assert_eq!(normalize_phone("+86 111 1111 1111"), None);
        // Plausible in form, but a placeholder.
        let p = normalize_phone("139 8888 8888");
        assert_eq!(p.as_deref(), Some("+8613988888888"));
        assert!(is_junk_identifier(
            IdentifierKind::Phone,
            p.as_deref().unwrap_or_default()
        ));
    }

    #[test]
    fn kinds_round_trip() {
        for k in [IdentifierKind::Phone, IdentifierKind::Email, IdentifierKind::Name] {
            assert_eq!(IdentifierKind::from_name(k.as_str()), k);
        }
        assert_eq!(IdentifierKind::from_name("card"), IdentifierKind::Other);
    }
}
