//! Normalising a question: one case, one width, digits for numbers.
//!
//! Everything after this step sees lower-case ASCII, half-width punctuation,
//! single spaces, and Arabic digits where the question wrote a count in
//! Chinese (三个月, 十二, 两周, 第一季度) or in English words (three months).
//! Chinese numerals are converted only where they count something (before a
//! unit or a counter, after 前/第/近/后), so 一线 (tier 1) and 统一 stay words.

/// Whether `c` is a CJK ideograph.
pub fn is_cjk(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}')
}

/// Whether the text is (mostly) Chinese: it holds at least one ideograph.
pub fn is_chinese(text: &str) -> bool {
    text.chars().any(is_cjk)
}

/// Lower case, half width, punctuation as spaces, digits for numbers, single spaces.
pub fn normalize(text: &str) -> String {
    let mut s = String::with_capacity(text.len());
    for c in text.chars() {
        let c = match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            '’' | '‘' => '\'',
            '–' | '—' => '-',
            _ => c,
        };
        let c = c.to_ascii_lowercase();
        let c = match c {
            '？' | '?' | '。' | '，' | ',' | '！' | '!' | '、' | '；' | ';' | '“' | '”' | '"' | '（' | '）' | '('
            | ')' | '《' | '》' | '【' | '】' | '：' => ' ',
            _ => c,
        };
        s.push(c);
    }
    let s = chinese_numerals(&s);
    let s = english_numbers(&s);
    let mut out = String::with_capacity(s.len());
    let mut space = true;
    for c in s.chars() {
        if c.is_whitespace() {
            if !space {
                out.push(' ');
            }
            space = true;
        } else {
            out.push(c);
            space = false;
        }
    }
    out.trim_end().to_string()
}

fn digit(c: char) -> Option<u32> {
    Some(match c {
        '零' | '〇' => 0,
        '一' => 1,
        '二' | '两' => 2,
        '三' => 3,
        '四' => 4,
        '五' => 5,
        '六' => 6,
        '七' => 7,
        '八' => 8,
        '九' => 9,
        _ => return None,
    })
}

fn is_numeral(c: char) -> bool {
    digit(c).is_some() || matches!(c, '十' | '百')
}

/// The value of a run of Chinese numerals (一 … 九百九十九), or None.
pub fn numeral_value(run: &str) -> Option<u32> {
    let mut total = 0;
    let mut current: Option<u32> = None;
    for c in run.chars() {
        match c {
            '十' => {
                total += current.unwrap_or(1) * 10;
                current = None;
            }
            '百' => {
                total += current.unwrap_or(1) * 100;
                current = None;
            }
            _ => {
                let d = digit(c)?;
                // 二零二五: digits written one by one.
                current = Some(current.map_or(d, |p| p * 10 + d));
            }
        }
    }
    Some(total + current.unwrap_or(0))
}

/// Counters and units a Chinese count stands before.
const COUNTED: &[char] = &[
    '天', '日', '周', '个', '月', '年', '季', '星', '名', '大', '位', '款', '类', '项', '条', '种', '家', '笔', '单',
    '次', '小', '成', '倍',
];
/// Words a Chinese count stands after.
const COUNTING: &[char] = &['前', '第', '近', '后', '数', '去'];

fn chinese_numerals(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < chars.len() {
        if is_numeral(chars[i]) {
            let mut j = i;
            while j < chars.len() && is_numeral(chars[j]) {
                j += 1;
            }
            let run: String = chars[i..j].iter().collect();
            let before = if i > 0 { Some(chars[i - 1]) } else { None };
            let after = chars.get(j).copied();
            // 一线, 二线 … are city tiers; 周一 is a weekday; 统一 a word.
            let counts = after.is_some_and(|a| COUNTED.contains(&a)) || before.is_some_and(|b| COUNTING.contains(&b));
            let tier = after == Some('线');
            let weekday = before == Some('周') && run.chars().count() == 1;
            if counts
                && !tier
                && !weekday
                && let Some(v) = numeral_value(&run)
            {
                out.push_str(&v.to_string());
            } else {
                out.push_str(&run);
            }
            i = j;
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

const ENGLISH: &[(&str, u32)] = &[
    ("one", 1),
    ("two", 2),
    ("three", 3),
    ("four", 4),
    ("five", 5),
    ("six", 6),
    ("seven", 7),
    ("eight", 8),
    ("nine", 9),
    ("ten", 10),
    ("eleven", 11),
    ("twelve", 12),
    ("fifteen", 15),
    ("eighteen", 18),
    ("twenty", 20),
    ("thirty", 30),
    ("sixty", 60),
    ("ninety", 90),
];

fn english_numbers(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        match ENGLISH.iter().find(|(w, _)| *w == word.as_str()) {
            Some((_, v)) => out.push_str(&v.to_string()),
            None => out.push_str(word),
        }
        word.clear();
    };
    for c in s.chars() {
        if c.is_ascii_alphabetic() {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_counts_become_digits_but_tiers_stay_words() {
        assert_eq!(normalize("最近三个月的退款率是多少？"), "最近3个月的退款率是多少");
        assert_eq!(normalize("近十二个月"), "近12个月");
        assert_eq!(normalize("过去两周"), "过去2周");
        assert_eq!(normalize("2026年第一季度"), "2026年第1季度");
        assert_eq!(normalize("前三个城市"), "前3个城市");
        assert_eq!(normalize("一线城市"), "一线城市");
        assert_eq!(normalize("新一线和二线城市"), "新一线和二线城市");
        assert_eq!(normalize("二十一天"), "21天");
        assert_eq!(normalize("十一月"), "11月");
        assert_eq!(normalize("周一"), "周一");
    }

    #[test]
    fn english_is_lower_case_with_digits() {
        assert_eq!(
            normalize("What's the GMV over the last Three Months?"),
            "what's the gmv over the last 3 months"
        );
        assert_eq!(normalize("Top５ categories"), "top5 categories");
        assert_eq!(numeral_value("九十"), Some(90));
        assert_eq!(numeral_value("两"), Some(2));
    }
}
