//! People and their true contact data: name, phone, email, gender, birth year, city.
//!
//! A person is the real human behind one or more records. The records in `customers.csv` and
//! `crm_contacts.csv` are *views* of people, copied with the typos, reformatting and gaps of
//! real systems; `truth/identity.csv` says which records are the same person.

use std::collections::HashSet;

use crate::names::{Name, NameSampler};
use crate::random::{Rng, Weighted};

/// Cities: name, tier (1 = 一线, 2 = 新一线, 3 = 二线, 4 = 三线, 5 = 四线及以下), weight.
pub(crate) const CITIES: [(&str, u8, f64); 41] = [
    ("上海", 1, 8.0),
    ("北京", 1, 8.0),
    ("广州", 1, 6.0),
    ("深圳", 1, 6.0),
    ("成都", 2, 5.0),
    ("杭州", 2, 5.0),
    ("重庆", 2, 4.0),
    ("武汉", 2, 4.0),
    ("西安", 2, 3.0),
    ("苏州", 2, 3.0),
    ("南京", 2, 3.0),
    ("天津", 2, 3.0),
    ("长沙", 2, 3.0),
    ("郑州", 2, 3.0),
    ("东莞", 2, 2.0),
    ("青岛", 2, 2.0),
    ("宁波", 2, 2.0),
    ("沈阳", 2, 2.0),
    ("合肥", 3, 2.0),
    ("无锡", 3, 2.0),
    ("厦门", 3, 2.0),
    ("福州", 3, 2.0),
    ("济南", 3, 2.0),
    ("大连", 3, 1.5),
    ("哈尔滨", 3, 1.5),
    ("南宁", 3, 1.5),
    ("贵阳", 3, 1.5),
    ("南昌", 3, 1.5),
    ("石家庄", 3, 1.5),
    ("温州", 3, 1.5),
    ("洛阳", 4, 1.0),
    ("绵阳", 4, 1.0),
    ("襄阳", 4, 1.0),
    ("芜湖", 4, 1.0),
    ("桂林", 4, 1.0),
    ("赣州", 4, 1.0),
    ("潍坊", 4, 1.0),
    ("丽江", 5, 0.5),
    ("延吉", 5, 0.5),
    ("安顺", 5, 0.5),
    ("天水", 5, 0.5),
];

/// Mobile number prefixes of the three carriers.
const MOBILE_PREFIXES: [u64; 30] = [
    130, 131, 132, 133, 135, 136, 137, 138, 139, 150, 151, 152, 155, 156, 157, 158, 159, 166, 176, 177, 180, 181, 182,
    183, 185, 186, 187, 188, 189, 199,
];

const EMAIL_DOMAINS: [(&str, f64); 8] = [
    ("qq.com", 30.0),
    ("163.com", 20.0),
    ("126.com", 10.0),
    ("gmail.com", 8.0),
    ("sina.com", 5.0),
    ("outlook.com", 5.0),
    ("foxmail.com", 4.0),
    ("hotmail.com", 3.0),
];

/// The true contact data of a person (or, after copying, of one record about a person).
#[derive(Clone, Debug)]
pub(crate) struct Person {
    pub name: Name,
    /// An 11-digit mobile number.
    pub phone: u64,
    /// Lower-case, clean.
    pub email: String,
    pub female: bool,
    pub birth_year: i64,
    /// Index into [`CITIES`].
    pub city: u8,
}

/// Makes people with unique phones and emails.
pub(crate) struct PersonFactory {
    names: NameSampler,
    cities: Weighted,
    domains: Weighted,
    phones: HashSet<u64>,
    emails: HashSet<String>,
}

impl PersonFactory {
    pub(crate) fn new() -> Self {
        let city_w: Vec<f64> = CITIES.iter().map(|c| c.2).collect();
        let dom_w: Vec<f64> = EMAIL_DOMAINS.iter().map(|d| d.1).collect();
        PersonFactory {
            names: NameSampler::new(),
            cities: Weighted::new(&city_w),
            domains: Weighted::new(&dom_w),
            phones: HashSet::new(),
            emails: HashSet::new(),
        }
    }

    /// A new person.
    pub(crate) fn person(&mut self, rng: &mut Rng, female_share: f64, birth_year_mean: f64) -> Person {
        let name = self.names.sample(rng);
        let phone = self.phone(rng);
        let email = self.email(rng, &name);
        Person {
            name,
            phone,
            email,
            female: rng.chance(female_share),
            birth_year: rng.normal(birth_year_mean, 9.0).round().clamp(1950.0, 2008.0) as i64,
            city: self.city(rng),
        }
    }

    /// A random city, weighted by size.
    pub(crate) fn city(&self, rng: &mut Rng) -> u8 {
        rng.pick(&self.cities) as u8
    }

    /// A mobile number no one else has.
    pub(crate) fn phone(&mut self, rng: &mut Rng) -> u64 {
        loop {
            let p = MOBILE_PREFIXES[rng.below(MOBILE_PREFIXES.len())] * 100_000_000 + rng.below(100_000_000) as u64;
            if self.phones.insert(p) {
                return p;
            }
        }
    }

    /// An email address no one else has, usually built from the name's pinyin.
    pub(crate) fn email(&mut self, rng: &mut Rng, name: &Name) -> String {
        let sur = name.surname_pinyin();
        let given = name.given_pinyin();
        let domain = EMAIL_DOMAINS[rng.pick(&self.domains)].0;
        let mut email = match rng.below(4) {
            0 => format!("{given}{sur}{}@{domain}", 1 + rng.below(9998)),
            1 => format!("{sur}.{given}@{domain}"),
            2 => format!("{sur}{given}{:02}@{domain}", rng.below(100)),
            _ => format!("{}@qq.com", 10_000_000 + rng.below(2_990_000_000)),
        };
        while self.emails.contains(&email) {
            let (local, dom) = email.split_once('@').unwrap_or((&email, domain));
            email = format!("{local}{}@{dom}", rng.below(10));
        }
        self.emails.insert(email.clone());
        email
    }
}

/// How a phone number is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PhoneStyle {
    /// `13812345678`
    Plain,
    /// `138-1234-5678`
    Dashed,
    /// `+86 138 1234 5678`
    IntlSpaced,
    /// `+86-138-1234-5678`
    IntlDashed,
    /// `8613812345678`
    CountryCode,
    /// `138 1234 5678`
    Spaced,
}

/// Writes an 11-digit mobile number in a style.
pub(crate) fn format_phone(phone: u64, style: PhoneStyle) -> String {
    let d = format!("{phone:011}");
    let (a, b, c) = (&d[..3], &d[3..7], &d[7..]);
    match style {
        PhoneStyle::Plain => d.clone(),
        PhoneStyle::Dashed => format!("{a}-{b}-{c}"),
        PhoneStyle::IntlSpaced => format!("+86 {a} {b} {c}"),
        PhoneStyle::IntlDashed => format!("+86-{a}-{b}-{c}"),
        PhoneStyle::CountryCode => format!("86{d}"),
        PhoneStyle::Spaced => format!("{a} {b} {c}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_styles() {
        let p = 13_812_345_678;
        assert_eq!(format_phone(p, PhoneStyle::Plain), "13812345678");
        assert_eq!(format_phone(p, PhoneStyle::Dashed), "138-1234-5678");
        assert_eq!(format_phone(p, PhoneStyle::IntlSpaced), "+86 138 1234 5678");
        assert_eq!(format_phone(p, PhoneStyle::IntlDashed), "+86-138-1234-5678");
        assert_eq!(format_phone(p, PhoneStyle::CountryCode), "8613812345678");
        assert_eq!(format_phone(p, PhoneStyle::Spaced), "138 1234 5678");
    }

    #[test]
    fn phones_and_emails_are_unique() {
        let mut rng = Rng::from_seed(9);
        let mut f = PersonFactory::new();
        let people: Vec<Person> = (0..5000).map(|_| f.person(&mut rng, 0.5, 1989.0)).collect();
        let phones: HashSet<u64> = people.iter().map(|p| p.phone).collect();
        let emails: HashSet<&str> = people.iter().map(|p| p.email.as_str()).collect();
        assert_eq!(phones.len(), 5000);
        assert_eq!(emails.len(), 5000);
        assert!(people.iter().all(|p| (1950..=2008).contains(&p.birth_year)));
        assert!(
            people
                .iter()
                .all(|p| p.email.contains('@') && p.phone / 100_000_000 >= 130)
        );
    }
}
