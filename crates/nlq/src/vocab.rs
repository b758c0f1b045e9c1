//! The words the parser knows: metrics from the catalog, dimensions, dimension
//! values (read from the workspace by the caller), tags, segments, and a small
//! closed list of function words (cues) in Chinese and English.
//!
//! Every surface form is stored normalised (see [`crate::text::normalize`])
//! in one map from surface to meanings, so the scanner does one longest-match
//! pass over the question and ambiguity (门店 = order channel `store` or
//! acquisition channel `offline_store`) is kept until the grammar decides.

use std::collections::HashMap;

use chrono::NaiveDate;
use huaxiang_metrics::Catalog;
use pinyin::ToPinyinMulti;

use crate::text::{is_cjk, normalize};

/// A function word: what it says about the question's shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Cue {
    /// Largest first (最高, top, most).
    Desc,
    /// Smallest first (最低, lowest, fewest).
    Asc,
    /// A ranking without direction (排名, ranking).
    Rank,
    /// Which X (哪个, which).
    Which,
    /// Shares of a whole (占比, share).
    Share,
    /// People (客户, users, people).
    People,
    /// Buying (购买, 下单, bought).
    Buy,
    /// Being active (活跃, active).
    Active,
    /// Being new (新增, new, signed up).
    New,
    /// Where people came from (获客, came from).
    Acquire,
    /// How many (多少, how many).
    Count,
    /// A trend over time (趋势, trend).
    Trend,
    /// Something the data cannot know (天气, stock price, employees).
    OutOfDomain,
    /// A forecast (预测, forecast).
    Forecast,
}

/// One meaning of a surface form.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Sym {
    /// A metric (index into [`Vocabulary::metrics`]); `weak` for generic words (订单, orders).
    Metric {
        index: usize,
        weak: bool,
    },
    /// A dimension by its `--by` name (`city`, `month`, `tag:clv_band`, `segment`).
    Dim(String),
    /// A value of a dimension.
    Value {
        dim: String,
        value: String,
    },
    Cue(Cue),
}

/// A metric as the parser sees it.
#[derive(Debug, Clone)]
pub struct MetricWords {
    pub id: String,
    pub name_zh: String,
    pub name_en: String,
    /// Normalised names and synonyms.
    pub surfaces: Vec<String>,
    /// The dimension classes it allows.
    pub dimensions: Vec<String>,
}

/// A tag as the parser sees it.
#[derive(Debug, Clone)]
pub struct TagWords {
    pub id: String,
    pub name_zh: String,
    pub name_en: String,
    pub boolean: bool,
}

/// Everything the parser knows about one workspace.
#[derive(Debug, Clone)]
pub struct Vocabulary {
    /// The as-of day relative times are anchored at.
    pub as_of: NaiveDate,
    pub metrics: Vec<MetricWords>,
    pub tags: Vec<TagWords>,
    index: HashMap<String, Vec<Sym>>,
    max_chars: usize,
}

/// Generic metric words: a metric only when nothing better is said.
const WEAK: &[&str] = &["订单", "orders", "order", "销售", "交易"];

/// Names of the built-in dimensions (besides the catalog's own aliases).
const DIMS: &[(&str, &[&str])] = &[
    (
        "city",
        &["城市", "各城市", "地区", "各地", "city", "cities", "region", "regions"],
    ),
    (
        "city_tier",
        &[
            "城市等级",
            "城市级别",
            "城市线级",
            "几线城市",
            "线级",
            "city tier",
            "city tiers",
            "tier",
            "tiers",
            "city level",
        ],
    ),
    (
        "channel",
        &[
            "渠道",
            "销售渠道",
            "下单渠道",
            "订单渠道",
            "购买渠道",
            "平台",
            "channel",
            "channels",
            "sales channel",
            "order channel",
            "platform",
        ],
    ),
    (
        "category",
        &[
            "品类",
            "类目",
            "商品类目",
            "商品品类",
            "商品类别",
            "分类",
            "category",
            "categories",
            "product category",
            "product categories",
        ],
    ),
    (
        "member_level",
        &[
            "会员等级",
            "会员级别",
            "会员层级",
            "会员类型",
            "等级",
            "member level",
            "member levels",
            "membership level",
            "membership levels",
            "membership tier",
            "loyalty tier",
            "loyalty level",
        ],
    ),
    ("gender", &["性别", "男女", "gender", "genders", "sex"]),
    (
        "age_band",
        &[
            "年龄段",
            "年龄",
            "年龄层",
            "年龄分段",
            "年龄组",
            "age band",
            "age bands",
            "age group",
            "age groups",
            "age",
            "ages",
            "age bracket",
        ],
    ),
    (
        "acquisition_channel",
        &[
            "获客渠道",
            "来源渠道",
            "注册渠道",
            "引流渠道",
            "获客来源",
            "获取渠道",
            "拉新渠道",
            "acquisition channel",
            "acquisition channels",
            "acquisition source",
            "signup channel",
            "source channel",
            "traffic source",
            "traffic sources",
        ],
    ),
    ("device", &["设备", "终端", "device", "devices"]),
    (
        "segment",
        &["人群", "分群", "客群", "segment", "segments", "audience", "audiences"],
    ),
    (
        "month",
        &[
            "每个月",
            "每月",
            "按月",
            "各月",
            "分月",
            "逐月",
            "月度",
            "各月份",
            "每个月份",
            "by month",
            "per month",
            "each month",
            "every month",
            "monthly",
            "month by month",
            "month-by-month",
        ],
    ),
    (
        "quarter",
        &[
            "每个季度",
            "每季度",
            "按季度",
            "各季度",
            "分季度",
            "各个季度",
            "by quarter",
            "per quarter",
            "each quarter",
            "quarterly",
        ],
    ),
    (
        "year",
        &[
            "每年",
            "按年",
            "各年",
            "分年",
            "每一年",
            "各年度",
            "by year",
            "per year",
            "each year",
            "yearly",
            "annually",
            "annual",
        ],
    ),
    (
        "week",
        &[
            "每周",
            "按周",
            "各周",
            "每个星期",
            "by week",
            "per week",
            "each week",
            "weekly",
        ],
    ),
    (
        "day",
        &[
            "每天", "每日", "按天", "按日", "逐日", "by day", "per day", "each day", "daily", "by date",
        ],
    ),
];

/// "Which month": a grain and a question about its best member.
const WHICH_GRAIN: &[(&str, &[&str])] = &[
    ("month", &["哪个月", "哪一个月", "哪月", "which month", "what month"]),
    ("quarter", &["哪个季度", "哪一个季度", "which quarter", "what quarter"]),
    ("year", &["哪一年", "哪年", "which year", "what year"]),
    ("day", &["哪一天", "哪天", "which day", "what day"]),
    ("week", &["哪一周", "哪周", "which week"]),
];

/// Names of values as people write them; the data's own labels are added by the caller.
const VALUES: &[(&str, &str, &[&str])] = &[
    ("channel", "app", &["app", "app端", "移动应用", "手机app", "应用"]),
    (
        "channel",
        "web",
        &["web", "网页", "网站", "web端", "官网", "pc端", "website", "网页端"],
    ),
    (
        "channel",
        "mini_program",
        &[
            "mini_program",
            "小程序",
            "微信小程序",
            "mini program",
            "mini programs",
            "miniprogram",
            "wechat mini program",
        ],
    ),
    (
        "channel",
        "store",
        &[
            "store",
            "stores",
            "门店",
            "线下门店",
            "线下",
            "实体店",
            "in store",
            "offline",
            "retail store",
        ],
    ),
    (
        "acquisition_channel",
        "organic",
        &[
            "organic",
            "自然流量",
            "自然",
            "自然增长",
            "organic traffic",
            "organically",
        ],
    ),
    (
        "acquisition_channel",
        "search_ad",
        &[
            "search_ad",
            "搜索广告",
            "搜索",
            "search ads",
            "search ad",
            "search advertising",
            "paid search",
            "sem",
        ],
    ),
    (
        "acquisition_channel",
        "social_ad",
        &[
            "social_ad",
            "社交广告",
            "社交媒体广告",
            "社交",
            "社交媒体",
            "social ads",
            "social ad",
            "social media ads",
            "social media",
        ],
    ),
    (
        "acquisition_channel",
        "kol",
        &[
            "kol",
            "kols",
            "达人",
            "网红",
            "博主",
            "达人推广",
            "influencer",
            "influencers",
        ],
    ),
    (
        "acquisition_channel",
        "referral",
        &[
            "referral",
            "referrals",
            "推荐",
            "转介绍",
            "老带新",
            "邀请",
            "好友推荐",
            "referred",
            "refer a friend",
            "word of mouth",
        ],
    ),
    (
        "acquisition_channel",
        "offline_store",
        &[
            "offline_store",
            "线下门店",
            "门店",
            "线下",
            "实体店",
            "offline store",
            "offline stores",
            "store",
            "stores",
            "offline",
            "in store",
        ],
    ),
    (
        "member_level",
        "普通",
        &["普通", "普通会员", "regular", "normal", "basic", "standard"],
    ),
    ("member_level", "白银", &["白银", "银卡", "silver"]),
    ("member_level", "黄金", &["黄金", "金卡", "gold", "golden"]),
    ("member_level", "铂金", &["铂金", "白金", "platinum"]),
    (
        "gender",
        "F",
        &[
            "女",
            "女性",
            "女士",
            "女生",
            "female",
            "females",
            "women",
            "woman",
            "ladies",
            "女客户",
            "女用户",
        ],
    ),
    (
        "gender",
        "M",
        &[
            "男",
            "男性",
            "男士",
            "男生",
            "male",
            "males",
            "men",
            "man",
            "男客户",
            "男用户",
        ],
    ),
    (
        "age_band",
        "<25",
        &[
            "<25",
            "25岁以下",
            "25岁及以下",
            "25以下",
            "小于25岁",
            "不到25岁",
            "under 25",
            "below 25",
            "younger than 25",
            "under-25",
            "under-25s",
        ],
    ),
    (
        "age_band",
        "25-34",
        &["25-34", "25-34岁", "25到34岁", "25至34岁", "25~34岁", "25 to 34"],
    ),
    (
        "age_band",
        "35-44",
        &["35-44", "35-44岁", "35到44岁", "35至44岁", "35~44岁", "35 to 44"],
    ),
    (
        "age_band",
        "45-54",
        &["45-54", "45-54岁", "45到54岁", "45至54岁", "45~54岁", "45 to 54"],
    ),
    (
        "age_band",
        "55+",
        &[
            "55+",
            "55岁以上",
            "55岁及以上",
            "55以上",
            "55岁+",
            "over 55",
            "55 and over",
            "55 and older",
            "older than 55",
            "55 plus",
        ],
    ),
    (
        "city_tier",
        "1",
        &[
            "一线",
            "tier 1",
            "tier-1",
            "tier1",
            "first-tier",
            "first tier",
            "1st tier",
            "1st-tier",
            "city tier 1",
        ],
    ),
    (
        "city_tier",
        "2",
        &[
            "新一线",
            "new tier 1",
            "new tier-1",
            "new first-tier",
            "new first tier",
            "tier 2",
            "tier-2",
            "tier2",
            "city tier 2",
        ],
    ),
    (
        "city_tier",
        "3",
        &[
            "二线",
            "second-tier",
            "second tier",
            "tier 3",
            "tier-3",
            "tier3",
            "city tier 3",
        ],
    ),
    (
        "city_tier",
        "4",
        &[
            "三线",
            "third-tier",
            "third tier",
            "tier 4",
            "tier-4",
            "tier4",
            "city tier 4",
        ],
    ),
    (
        "city_tier",
        "5",
        &[
            "四线",
            "四线及以下",
            "四线以下",
            "五线",
            "四五线",
            "fourth-tier",
            "fourth tier",
            "lower-tier",
            "lower tier",
            "tier 5",
            "tier-5",
            "tier5",
            "city tier 5",
        ],
    ),
    (
        "coupon_used",
        "1",
        &[
            "使用优惠券",
            "用了优惠券",
            "用优惠券",
            "用券",
            "使用了优惠券",
            "使用券",
            "带券",
            "有券",
            "优惠券订单",
            "用券订单",
            "优惠券",
            "with a coupon",
            "with coupons",
            "with coupon",
            "used a coupon",
            "using a coupon",
            "using coupons",
            "used coupons",
            "coupon orders",
            "coupon",
        ],
    ),
    (
        "coupon_used",
        "0",
        &[
            "未使用优惠券",
            "没有使用优惠券",
            "没用优惠券",
            "没用券",
            "未用券",
            "不用券",
            "无券",
            "没有用券",
            "不使用优惠券",
            "未用优惠券",
            "without a coupon",
            "without coupons",
            "without coupon",
            "no coupon",
            "non-coupon",
            "didn't use a coupon",
            "full-price",
        ],
    ),
    ("category", "数码", &["digital", "electronics", "digital products"]),
    (
        "category",
        "母婴",
        &["baby", "maternity", "mother and baby", "baby products", "母婴用品"],
    ),
    (
        "category",
        "服饰",
        &["apparel", "clothing", "clothes", "fashion", "服装"],
    ),
    (
        "category",
        "食品饮料",
        &[
            "food",
            "food and beverage",
            "food & beverage",
            "beverages",
            "食品",
            "饮料",
        ],
    ),
    ("category", "图书", &["books", "book"]),
    ("category", "宠物", &["pet", "pets", "pet supplies"]),
    (
        "category",
        "玩具乐器",
        &["toys", "toy", "musical instruments", "玩具", "乐器"],
    ),
    ("category", "美妆", &["beauty", "cosmetics", "makeup", "化妆品"]),
    ("category", "生鲜", &["fresh food", "fresh produce", "groceries"]),
    (
        "category",
        "珠宝配饰",
        &["jewelry", "jewellery", "accessories", "珠宝", "配饰"],
    ),
    ("category", "箱包", &["bags", "luggage", "bag"]),
    ("category", "家用电器", &["home appliances", "appliances", "家电"]),
    (
        "category",
        "家居家纺",
        &["home textiles", "home furnishing", "home furnishings", "家居", "家纺"],
    ),
    ("category", "个护清洁", &["personal care", "cleaning", "个护"]),
    (
        "category",
        "运动户外",
        &["sports", "outdoors", "sports and outdoors", "运动", "户外"],
    ),
    ("category", "厨具", &["kitchenware", "cookware"]),
    (
        "category",
        "手机",
        &[
            "phones",
            "phone",
            "mobile phones",
            "mobile phone",
            "smartphones",
            "cell phones",
        ],
    ),
    ("category", "鞋靴", &["shoes", "footwear", "鞋"]),
    ("category", "酒水", &["alcohol", "liquor", "wine", "alcoholic drinks"]),
    (
        "category",
        "电脑办公",
        &["computers", "computer", "office", "电脑", "办公"],
    ),
    ("device", "ios", &["苹果", "iphone"]),
    ("device", "android", &["安卓"]),
];

const CUES: &[(Cue, &[&str])] = &[
    (
        Cue::Desc,
        &[
            "最高",
            "最多",
            "最大",
            "最好",
            "最强",
            "最受欢迎",
            "最火",
            "最畅销",
            "卖得最好",
            "排名前",
            "从高到低",
            "降序",
            "贡献最大",
            "最赚钱",
            "最活跃",
            "highest",
            "most",
            "top",
            "largest",
            "biggest",
            "best",
            "greatest",
            "leading",
            "best-selling",
            "best selling",
            "top-selling",
            "top selling",
            "the most",
            "more",
            "higher",
            "更高",
            "更多",
        ],
    ),
    (
        Cue::Asc,
        &[
            "最低",
            "最少",
            "最小",
            "最差",
            "最弱",
            "垫底",
            "倒数",
            "从低到高",
            "升序",
            "lowest",
            "least",
            "fewest",
            "smallest",
            "worst",
            "bottom",
            "weakest",
            "lower",
            "fewer",
            "更低",
            "更少",
        ],
    ),
    (
        Cue::Rank,
        &[
            "排名",
            "排行",
            "排序",
            "排行榜",
            "rank",
            "ranking",
            "ranked",
            "rankings",
            "sorted",
        ],
    ),
    (
        Cue::Which,
        &["哪个", "哪些", "哪一个", "哪家", "哪类", "哪种", "哪", "which"],
    ),
    (
        Cue::Share,
        &[
            "占比",
            "份额",
            "比例",
            "构成",
            "分布",
            "比重",
            "百分比",
            "share",
            "shares",
            "proportion",
            "percentage",
            "percent",
            "distribution",
            "mix",
        ],
    ),
    (
        Cue::People,
        &[
            "客户",
            "顾客",
            "用户",
            "人",
            "人数",
            "会员",
            "消费者",
            "买家",
            "customers",
            "customer",
            "users",
            "user",
            "people",
            "persons",
            "shoppers",
            "members",
            "consumers",
            "clients",
        ],
    ),
    (
        Cue::Buy,
        &[
            "购买",
            "买",
            "下单",
            "下过单",
            "消费",
            "成交",
            "付款",
            "支付",
            "买过",
            "purchase",
            "purchased",
            "purchasing",
            "bought",
            "buy",
            "buying",
            "placed an order",
            "placed orders",
            "placed order",
            "made a purchase",
            "made purchases",
            "shopped",
            "paying",
            "paid",
        ],
    ),
    (Cue::Active, &["活跃", "active", "engaged"]),
    (
        Cue::New,
        &[
            "新增",
            "新注册",
            "注册",
            "新",
            "拉新",
            "new",
            "newly",
            "signed up",
            "sign up",
            "signups",
            "sign-ups",
            "registered",
            "joined",
        ],
    ),
    (
        Cue::Acquire,
        &[
            "获客",
            "来自",
            "来源",
            "带来",
            "引入",
            "获取",
            "came from",
            "come from",
            "coming from",
            "acquired",
            "acquired through",
            "acquired via",
            "brought in",
            "through",
        ],
    ),
    (
        Cue::Count,
        &["多少", "几", "数量", "总数", "how many", "number of", "count"],
    ),
    (Cue::Trend, &["趋势", "走势", "变化", "trend", "trends", "over time"]),
    (
        Cue::OutOfDomain,
        &[
            "天气",
            "weather",
            "股价",
            "stock price",
            "stock",
            "股票",
            "员工",
            "employee",
            "employees",
            "staff",
            "工资",
            "salary",
            "salaries",
            "薪资",
            "库存",
            "inventory",
            "利润",
            "profit",
            "profits",
            "毛利",
            "margin",
            "成本",
            "cost",
            "costs",
            "竞争对手",
            "competitor",
            "competitors",
            "汇率",
            "exchange rate",
            "温度",
            "temperature",
            "新闻",
            "news",
            "市值",
            "market cap",
            "预算",
            "budget",
            "收盘价",
            "closing price",
            "share price",
            "电影",
            "movie",
        ],
    ),
    (
        Cue::Forecast,
        &[
            "预测",
            "预计",
            "预估",
            "将会",
            "会是",
            "forecast",
            "predict",
            "prediction",
            "will be",
            "projected",
        ],
    ),
];

impl Vocabulary {
    /// The catalog's metrics and the built-in dimension, value and cue words.
    pub fn new(catalog: &Catalog, as_of: NaiveDate) -> Vocabulary {
        let mut v = Vocabulary {
            as_of,
            metrics: Vec::new(),
            tags: Vec::new(),
            index: HashMap::new(),
            max_chars: 1,
        };
        for (i, m) in catalog.metrics().iter().enumerate() {
            let mut names = vec![
                m.id.clone(),
                m.id.replace('_', " "),
                m.name_zh.clone(),
                m.name_en.clone(),
            ];
            names.extend(m.synonyms.iter().cloned());
            let mut surfaces = Vec::new();
            for n in names {
                for s in variants(&n) {
                    let weak = WEAK.contains(&s.as_str());
                    v.insert(&s, Sym::Metric { index: i, weak });
                    surfaces.push(s);
                }
            }
            v.metrics.push(MetricWords {
                id: m.id.clone(),
                name_zh: m.name_zh.clone(),
                name_en: m.name_en.clone(),
                surfaces,
                dimensions: m.dimensions.clone(),
            });
        }
        for (dim, words) in DIMS {
            for w in *words {
                v.add(w, Sym::Dim((*dim).to_string()));
            }
        }
        for (dim, words) in WHICH_GRAIN {
            for w in *words {
                v.add(w, Sym::Dim((*dim).to_string()));
                v.add(w, Sym::Cue(Cue::Which));
            }
        }
        for (dim, value, words) in VALUES {
            v.add_value(dim, value, words.iter().copied());
        }
        for (cue, words) in CUES {
            for w in *words {
                v.add(w, Sym::Cue(*cue));
            }
        }
        v
    }

    fn insert(&mut self, surface: &str, sym: Sym) {
        if surface.is_empty() {
            return;
        }
        self.max_chars = self.max_chars.max(surface.chars().count());
        let e = self.index.entry(surface.to_string()).or_default();
        if !e.contains(&sym) {
            e.push(sym);
        }
    }

    /// Adds a surface form (any spelling; it is normalised) with a meaning.
    pub fn add(&mut self, surface: &str, sym: Sym) {
        for s in variants(surface) {
            self.insert(&s, sym.clone());
        }
    }

    /// Adds a value of a dimension, found by its label and by `aliases`
    /// (Chinese labels also by their pinyin, so "Shanghai" finds 上海).
    pub fn add_value<'a>(&mut self, dim: &str, value: &str, aliases: impl IntoIterator<Item = &'a str>) {
        let sym = Sym::Value {
            dim: dim.to_string(),
            value: value.to_string(),
        };
        let label = value.trim();
        // Bare numbers (city tiers 1…5, coupon 0/1) are not words on their own.
        if !label.is_empty() && !label.chars().all(|c| c.is_ascii_digit()) {
            self.add(label, sym.clone());
            if label.chars().all(is_cjk) && label.chars().count() <= 4 && dim == "city" {
                for p in pinyins(label) {
                    self.insert(&p, sym.clone());
                }
            }
        }
        for a in aliases {
            self.add(a, sym.clone());
        }
    }

    /// Adds a tag: its names find the tag as a dimension.
    pub fn add_tag(&mut self, id: &str, name_zh: &str, name_en: &str, boolean: bool) {
        let dim = format!("tag:{id}");
        for n in [id, name_zh, name_en] {
            self.add(n, Sym::Dim(dim.clone()));
        }
        self.tags.push(TagWords {
            id: id.to_string(),
            name_zh: name_zh.to_string(),
            name_en: name_en.to_string(),
            boolean,
        });
    }

    /// Adds a value of a tag (for a boolean tag, its name stands for `true`).
    pub fn add_tag_value(&mut self, id: &str, value: &str) {
        self.add_value(&format!("tag:{id}"), value, []);
    }

    /// Adds a segment: its name filters on membership.
    pub fn add_segment(&mut self, name: &str) {
        self.add_value("segment", name, []);
    }

    /// The meanings of a normalised surface form.
    pub fn lookup(&self, surface: &str) -> Option<&[Sym]> {
        self.index.get(surface).map(Vec::as_slice)
    }

    /// The longest surface form, in characters.
    pub fn max_chars(&self) -> usize {
        self.max_chars
    }

    /// The metric with id `id`.
    pub fn metric(&self, id: &str) -> Option<(usize, &MetricWords)> {
        self.metrics.iter().enumerate().find(|(_, m)| m.id == id)
    }
}

/// The normalised spellings of a surface form: as written, and for English
/// words with spaces also hyphenated and joined.
fn variants(s: &str) -> Vec<String> {
    let n = normalize(s);
    let mut out = vec![n.clone()];
    if n.contains(' ') && n.is_ascii() {
        out.push(n.replace(' ', "-"));
        out.push(n.replace(' ', ""));
    }
    if n.contains('-') && n.is_ascii() {
        out.push(n.replace('-', " "));
    }
    out.sort();
    out.dedup();
    out
}

/// Every pinyin reading of a short Chinese name ("chongqing", "zhongqing", …).
fn pinyins(name: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    for c in name.chars() {
        let Some(multi) = c.to_pinyin_multi() else {
            return Vec::new();
        };
        let readings: Vec<&str> = multi.into_iter().map(|p| p.plain()).collect();
        let mut next = Vec::new();
        for prefix in &out {
            for r in readings.iter().take(3) {
                next.push(format!("{prefix}{r}"));
            }
        }
        out = next;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalog_names_values_and_pinyin_are_found() {
        let catalog = Catalog::builtin().expect("catalog");
        let mut v = Vocabulary::new(&catalog, NaiveDate::from_ymd_opt(2026, 6, 30).expect("day"));
        v.add_value("city", "上海", []);
        v.add_value("city", "重庆", []);
        assert!(v.lookup("shanghai").is_some());
        assert!(v.lookup("chongqing").is_some());
        assert!(matches!(
            v.lookup("gmv").expect("gmv")[0],
            Sym::Metric { weak: false, .. }
        ));
        assert!(matches!(
            v.lookup("订单").expect("订单")[0],
            Sym::Metric { weak: true, .. }
        ));
        assert!(v.lookup("mini-program").is_some() && v.lookup("mini program").is_some());
        assert_eq!(v.lookup("门店").expect("门店").len(), 2);
    }
}
