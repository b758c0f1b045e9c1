//! Chinese personal names, with homophone typos.
//!
//! A given-name character is drawn from a *homophone group*: characters that share one pinyin
//! syllable (伟/玮/薇/维/威 are all "wei"). A typo swaps a character for another one of its group,
//! which is exactly the mistake an operator makes with a pinyin input method: the record
//! looks different but sounds the same. Identity resolution has to see through it.

use crate::random::{Rng, Weighted};

/// Surnames with their pinyin and relative frequency (per cent of the population).
const SURNAMES: [(&str, &str, f64); 68] = [
    ("王", "wang", 7.1),
    ("李", "li", 7.0),
    ("张", "zhang", 6.7),
    ("刘", "liu", 5.4),
    ("陈", "chen", 4.5),
    ("杨", "yang", 3.1),
    ("黄", "huang", 2.2),
    ("赵", "zhao", 2.2),
    ("吴", "wu", 2.0),
    ("周", "zhou", 1.9),
    ("徐", "xu", 1.3),
    ("孙", "sun", 1.3),
    ("马", "ma", 1.2),
    ("朱", "zhu", 1.1),
    ("胡", "hu", 1.1),
    ("郭", "guo", 1.1),
    ("何", "he", 1.0),
    ("高", "gao", 1.0),
    ("林", "lin", 1.0),
    ("罗", "luo", 0.9),
    ("郑", "zheng", 0.9),
    ("梁", "liang", 0.9),
    ("谢", "xie", 0.8),
    ("宋", "song", 0.8),
    ("唐", "tang", 0.8),
    ("许", "xu", 0.7),
    ("韩", "han", 0.7),
    ("冯", "feng", 0.7),
    ("邓", "deng", 0.7),
    ("曹", "cao", 0.7),
    ("彭", "peng", 0.6),
    ("曾", "zeng", 0.6),
    ("肖", "xiao", 0.6),
    ("田", "tian", 0.6),
    ("董", "dong", 0.5),
    ("袁", "yuan", 0.5),
    ("潘", "pan", 0.5),
    ("于", "yu", 0.5),
    ("蒋", "jiang", 0.5),
    ("蔡", "cai", 0.5),
    ("余", "yu", 0.5),
    ("杜", "du", 0.5),
    ("叶", "ye", 0.5),
    ("程", "cheng", 0.5),
    ("苏", "su", 0.4),
    ("魏", "wei", 0.4),
    ("吕", "lv", 0.4),
    ("丁", "ding", 0.4),
    ("任", "ren", 0.4),
    ("沈", "shen", 0.4),
    ("姚", "yao", 0.4),
    ("卢", "lu", 0.4),
    ("姜", "jiang", 0.4),
    ("崔", "cui", 0.3),
    ("钟", "zhong", 0.3),
    ("谭", "tan", 0.3),
    ("陆", "lu", 0.3),
    ("汪", "wang", 0.3),
    ("范", "fan", 0.3),
    ("金", "jin", 0.3),
    ("石", "shi", 0.3),
    ("廖", "liao", 0.3),
    ("贾", "jia", 0.3),
    ("夏", "xia", 0.3),
    ("韦", "wei", 0.3),
    ("欧阳", "ouyang", 0.05),
    ("司马", "sima", 0.02),
    ("诸葛", "zhuge", 0.01),
];

/// Homophone groups for given names: one pinyin syllable and the characters that share it.
const GIVEN_GROUPS: [(&str, &[&str]); 50] = [
    ("wei", &["伟", "玮", "薇", "维", "威"]),
    ("jing", &["静", "晶", "婧", "菁", "敬"]),
    ("li", &["丽", "莉", "力", "立", "黎"]),
    ("ying", &["英", "颖", "莹", "瑛"]),
    ("hua", &["华", "桦", "骅"]),
    ("ming", &["明", "鸣", "铭"]),
    ("jun", &["军", "俊", "君", "骏"]),
    ("yan", &["燕", "艳", "妍", "彦"]),
    ("fang", &["芳", "方", "舫"]),
    ("min", &["敏", "民", "珉"]),
    ("hui", &["慧", "辉", "惠", "晖"]),
    ("lei", &["磊", "蕾", "雷"]),
    ("qiang", &["强", "蔷"]),
    ("ping", &["平", "萍", "苹"]),
    ("gang", &["刚", "钢"]),
    ("tao", &["涛", "韬", "桃"]),
    ("jie", &["杰", "洁", "婕"]),
    ("yu", &["宇", "雨", "玉", "羽", "瑜"]),
    ("xin", &["欣", "鑫", "新", "馨"]),
    ("hao", &["浩", "昊", "皓"]),
    ("chen", &["晨", "辰", "琛"]),
    ("yi", &["怡", "毅", "艺", "依"]),
    ("jia", &["佳", "嘉", "家"]),
    ("xiao", &["晓", "筱", "潇"]),
    ("tian", &["天", "甜"]),
    ("lin", &["琳", "霖", "麟"]),
    ("na", &["娜", "纳"]),
    ("qian", &["倩", "茜", "谦"]),
    ("bo", &["波", "博", "柏"]),
    ("chao", &["超", "朝"]),
    ("peng", &["鹏", "朋"]),
    ("fei", &["飞", "菲", "斐"]),
    ("kai", &["凯", "楷", "锴"]),
    ("rui", &["瑞", "睿", "蕊"]),
    ("xue", &["雪", "学"]),
    ("mei", &["梅", "美", "玫"]),
    ("yong", &["勇", "永", "咏"]),
    ("zhi", &["志", "智", "芝"]),
    ("long", &["龙", "隆"]),
    ("dan", &["丹", "旦"]),
    ("ting", &["婷", "亭", "霆"]),
    ("shan", &["珊", "山", "杉"]),
    ("hong", &["红", "宏", "鸿"]),
    ("bin", &["斌", "彬", "滨"]),
    ("feng", &["峰", "丰", "枫"]),
    ("xuan", &["轩", "萱", "璇"]),
    ("zi", &["子", "梓", "紫"]),
    ("han", &["涵", "晗", "瀚"]),
    ("mo", &["墨", "沫", "茉"]),
    ("qing", &["清", "晴", "青"]),
];

/// One given-name character: its homophone group and its position in the group.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct GivenChar {
    group: u8,
    member: u8,
}

/// A structured Chinese name: a surname and one or two given-name characters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Name {
    surname: u8,
    given: [GivenChar; 2],
    given_len: u8,
}

/// Draws names with realistic surname frequencies.
pub(crate) struct NameSampler {
    surnames: Weighted,
}

impl NameSampler {
    pub(crate) fn new() -> Self {
        let w: Vec<f64> = SURNAMES.iter().map(|s| s.2).collect();
        NameSampler {
            surnames: Weighted::new(&w),
        }
    }

    /// A random name; 70% have a two-character given name.
    pub(crate) fn sample(&self, rng: &mut Rng) -> Name {
        let surname = rng.pick(&self.surnames) as u8;
        let given_len = if rng.chance(0.7) { 2 } else { 1 };
        let mut given = [GivenChar { group: 0, member: 0 }; 2];
        for g in given.iter_mut().take(given_len) {
            let group = rng.below(GIVEN_GROUPS.len());
            let member = rng.below(GIVEN_GROUPS[group].1.len());
            *g = GivenChar {
                group: group as u8,
                member: member as u8,
            };
        }
        Name {
            surname,
            given,
            given_len: given_len as u8,
        }
    }
}

impl Name {
    fn given(&self) -> &[GivenChar] {
        &self.given[..usize::from(self.given_len)]
    }

    /// The name in Chinese characters, e.g. 王晓明.
    pub(crate) fn render(&self) -> String {
        let mut s = String::with_capacity(12);
        s.push_str(SURNAMES[usize::from(self.surname)].0);
        for g in self.given() {
            s.push_str(GIVEN_GROUPS[usize::from(g.group)].1[usize::from(g.member)]);
        }
        s
    }

    /// Pinyin of the surname, e.g. `wang`.
    pub(crate) fn surname_pinyin(&self) -> &'static str {
        SURNAMES[usize::from(self.surname)].1
    }

    /// Pinyin of the given name, e.g. `xiaoming`.
    pub(crate) fn given_pinyin(&self) -> String {
        self.given()
            .iter()
            .map(|g| GIVEN_GROUPS[usize::from(g.group)].0)
            .collect()
    }

    /// The same name with one given-name character replaced by a homophone: same pinyin,
    /// different character (玮 for 伟).
    pub(crate) fn homophone_typo(&self, rng: &mut Rng) -> Name {
        let mut out = *self;
        let j = rng.below(usize::from(self.given_len));
        let g = &mut out.given[j];
        let size = GIVEN_GROUPS[usize::from(g.group)].1.len();
        g.member = ((usize::from(g.member) + 1 + rng.below(size - 1)) % size) as u8;
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_group_has_homophones() {
        for (_, chars) in GIVEN_GROUPS {
            assert!(chars.len() >= 2);
        }
    }

    #[test]
    fn a_typo_keeps_the_pinyin_but_changes_the_characters() {
        let mut rng = Rng::from_seed(11);
        let sampler = NameSampler::new();
        for _ in 0..1000 {
            let name = sampler.sample(&mut rng);
            let typo = name.homophone_typo(&mut rng);
            assert_ne!(name.render(), typo.render());
            assert_eq!(name.given_pinyin(), typo.given_pinyin());
            assert_eq!(name.surname_pinyin(), typo.surname_pinyin());
            let chars = name.render().chars().count();
            assert!((2..=4).contains(&chars));
        }
    }
}
