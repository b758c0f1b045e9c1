//! Masked display forms: enough to recognise a value, not enough to use it.

use huaxiang_core::schema::PiiKind;

/// Masks a phone number: keeps the first three and last four digits of the
/// national number (`+8613812345678` → `138****5678`).
pub fn mask_phone(value: &str) -> String {
    let digits: Vec<char> = value.chars().filter(|c| c.is_ascii_digit()).collect();
    let national: &[char] = if value.starts_with("+86") && digits.len() == 13 {
        &digits[2..]
    } else {
        &digits
    };
    if national.len() < 7 {
        return "*".repeat(national.len().max(3));
    }
    let head: String = national[..3].iter().collect();
    let tail: String = national[national.len() - 4..].iter().collect();
    format!("{head}{}{tail}", "*".repeat(national.len() - 7))
}

/// Masks an e-mail: the first character of the local part, then `***`, then the domain.
pub fn mask_email(value: &str) -> String {
    match value.rsplit_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}***@{domain}")
        }
        None => "***".to_string(),
    }
}

/// Masks a name: keeps the first character (the surname for Chinese names).
pub fn mask_name(value: &str) -> String {
    let mut chars = value.trim().chars();
    match chars.next() {
        Some(first) => {
            let rest = chars.count().max(1);
            format!("{first}{}", "*".repeat(rest))
        }
        None => String::new(),
    }
}

/// Masks a value of the given kind; other PII keeps nothing but its length class.
pub fn mask(kind: PiiKind, value: &str) -> String {
    match kind {
        PiiKind::Phone => mask_phone(value),
        PiiKind::Email => mask_email(value),
        PiiKind::Name => mask_name(value),
        PiiKind::Other => "******".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks() {
        assert_eq!(mask_phone("+8613812345678"), "138****5678");
        assert_eq!(mask_phone("13812345678"), "138****5678");
        assert_eq!(mask_email("alice@example.com"), "a***@example.com");
        assert_eq!(mask_name("张三丰"), "张**");
        assert_eq!(mask_name("Li"), "L*");
        assert_eq!(mask(PiiKind::Other, "secret"), "******");
    }
}
