//! Customer-service tickets: short Chinese messages with a topic, a sentiment and a rating.
//!
//! Tickets arrive at a segment-specific rate while a customer is active; on top of that about
//! 60% of refunded orders lead to a 退款 ticket 1–6 days later. A message is an optional
//! `订单O…：` prefix, an opener, a core phrase for the topic and sentiment (sometimes naming a
//! category) and a closer. About 4% of closers carry a different sentiment, as noise for
//! text classifiers. The rating (1–5) follows the sentiment and is missing for 12%. The true
//! topic and sentiment go to `truth/tickets.csv`.

use std::path::Path;

use crate::calendar::{self, CUTOFF_S, DAY, HISTORY_DAYS};
use crate::catalog::{self, Catalog};
use crate::error::DemoError;
use crate::orders::OrderBook;
use crate::population::Customer;
use crate::purchases::Behaviour;
use crate::random::{Rng, Weighted};
use crate::writer::CsvWriter;

/// Ticket topics, in the order of the segments' topic weights.
pub(crate) const TOPICS: [&str; 7] = ["物流", "退款", "质量", "价格", "客服态度", "账户", "发票"];
const REFUND_TOPIC: usize = 1;
const CHANNELS: [(&str, f64); 4] = [
    ("app_chat", 0.45),
    ("phone", 0.20),
    ("web_form", 0.15),
    ("mini_program", 0.20),
];

/// Sentiment of a ticket.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Sentiment {
    Negative = 0,
    Neutral = 1,
    Positive = 2,
}

impl Sentiment {
    fn name(self) -> &'static str {
        match self {
            Sentiment::Negative => "negative",
            Sentiment::Neutral => "neutral",
            Sentiment::Positive => "positive",
        }
    }
}

const SENTIMENTS: [Sentiment; 3] = [Sentiment::Negative, Sentiment::Neutral, Sentiment::Positive];

/// Core phrases by topic, then sentiment (negative, neutral, positive). `{cat}` is replaced
/// by a category name.
const TEMPLATES: [[[&str; 4]; 3]; 7] = [
    [
        [
            "快递太慢了，下单一周还没到",
            "物流信息三天没更新，到底发货了没有",
            "包裹被放在门口弄丢了",
            "送货员态度很差，{cat}还被压坏了",
        ],
        [
            "请问我的订单什么时候发货",
            "想修改一下收货地址",
            "快递显示已签收，麻烦帮忙查一下在哪",
            "能不能指定周末配送",
        ],
        [
            "物流很快，第二天就到了",
            "快递小哥很负责，包装也完好",
            "配送速度超出预期，点赞",
            "这次{cat}发货真及时",
        ],
    ],
    [
        [
            "申请退款十天了还没到账",
            "退款被无故驳回，非常不满",
            "退货寄回去了一直不给退款",
            "退款流程太复杂了，折腾了好几天",
        ],
        [
            "想咨询一下退款多久能到账",
            "请问退货运费由谁承担",
            "如何申请部分退款",
            "退款是原路返回吗",
        ],
        [
            "退款很快就到账了",
            "退货流程很顺利，体验不错",
            "客服主动帮我办理了退款，很满意",
            "退款处理及时，下次还来",
        ],
    ],
    [
        [
            "收到的{cat}有明显质量问题",
            "{cat}用了两天就坏了，质量太差",
            "和描述严重不符，做工粗糙",
            "{cat}有异味，怀疑是假货",
        ],
        [
            "请问这款{cat}的保修期多久",
            "{cat}的材质是什么",
            "想了解一下{cat}的使用方法",
            "这个{cat}有没有质检报告",
        ],
        [
            "{cat}质量很好，和描述一致",
            "做工精细，超出预期",
            "用了一段时间，{cat}质量没得说",
            "这次买的{cat}品质很棒",
        ],
    ],
    [
        [
            "刚买完就降价了，太坑了",
            "优惠券用不了，价格比别家贵",
            "说好的满减没有生效",
            "{cat}价格虚高，先涨后降",
        ],
        [
            "请问{cat}后面还会有活动吗",
            "能不能申请价格保护",
            "优惠券怎么叠加使用",
            "会员价和活动价哪个更低",
        ],
        [
            "价格很实惠，性价比高",
            "用券之后很划算",
            "这个价格买到{cat}很值",
            "活动力度大，很满意",
        ],
    ],
    [
        [
            "客服回复很敷衍，问题一直没解决",
            "打了三次电话都没人处理",
            "客服态度恶劣，还挂我电话",
            "机器人客服答非所问",
        ],
        [
            "想找人工客服咨询一下",
            "请问客服工作时间是几点到几点",
            "之前反馈的问题有人跟进吗",
            "麻烦转接一下售后",
        ],
        [
            "客服很耐心，问题很快解决了",
            "客服回复及时，服务周到",
            "感谢客服的热情帮助",
            "售后处理很专业，点赞",
        ],
    ],
    [
        [
            "账户被盗了，积分全没了",
            "一直收不到验证码，登录不了",
            "会员等级莫名其妙被降了",
            "绑定手机号总是失败",
        ],
        [
            "怎么修改绑定的手机号",
            "积分什么时候过期",
            "如何注销账户",
            "会员权益在哪里查看",
        ],
        [
            "找回账户很顺利",
            "会员升级了，权益很多",
            "积分兑换很方便",
            "账户安全提醒很贴心",
        ],
    ],
    [
        [
            "申请发票一个月了还没开",
            "发票抬头开错了也不给重开",
            "发票金额和订单对不上",
            "催了好几次发票都没有回音",
        ],
        [
            "请问怎么开具电子发票",
            "发票可以补开吗",
            "能开增值税专用发票吗",
            "发票什么时候发到邮箱",
        ],
        [
            "电子发票很快就收到了",
            "发票开得很及时",
            "发票信息核对得很仔细",
            "补开发票很顺利",
        ],
    ],
];

const OPENERS: [&str; 6] = ["", "", "你好，", "您好，", "客服你好，", "在吗，"];
const CLOSERS: [&[&str]; 3] = [
    &["！", "，请尽快处理。", "，非常失望。", "，太让人生气了！", "。"],
    &["？", "，谢谢。", "，麻烦回复一下。", "。"],
    &["！", "，谢谢！", "，会推荐给朋友。", "。", "，好评！"],
];
/// P(rating = 1..5) by sentiment.
const RATINGS: [[f64; 5]; 3] = [
    [0.55, 0.30, 0.10, 0.03, 0.02],
    [0.05, 0.15, 0.50, 0.20, 0.10],
    [0.01, 0.02, 0.07, 0.30, 0.60],
];

/// One ticket before writing.
struct Ticket {
    ts: i64,
    customer: u32,
    topic: usize,
    sentiment: Sentiment,
    /// The refunded order behind a refund ticket.
    order: Option<u32>,
    /// Category the customer may mention.
    category: u8,
}

/// Draws all tickets before the cutoff, writes `tickets.csv` into `dir` and the true topic
/// and sentiment of each ticket into `truth_dir/tickets.csv`. Returns both row counts.
pub(crate) fn write(
    dir: &Path,
    truth_dir: &Path,
    customers: &[Customer],
    behaviour: &[Behaviour],
    orders: &OrderBook,
    catalog: &Catalog,
    rng: &mut Rng,
) -> Result<(u64, u64), DemoError> {
    let mut tickets = Vec::new();
    let topic_mix: Vec<Weighted> = crate::segments::Segment::ALL
        .iter()
        .map(|s| Weighted::new(&s.params().topics))
        .collect();
    for (i, (c, b)) in customers.iter().zip(behaviour).enumerate() {
        let p = c.segment.params();
        let end = if b.death_ts == i64::MAX {
            HISTORY_DAYS as f64
        } else {
            (b.death_ts as f64 / DAY as f64 + 60.0).min(HISTORY_DAYS as f64)
        };
        let window = (end - c.signup_day).max(0.0);
        for _ in 0..rng.poisson(p.ticket_rate * window) {
            let day = c.signup_day + rng.unit() * window;
            let ts = calendar::at(day, calendar::time_of_day(rng, c.night * 0.5)).max(c.signup_ts + 60);
            let u = rng.unit();
            let sentiment = if u < p.negative_p {
                Sentiment::Negative
            } else if u < 1.0 - p.positive_p {
                Sentiment::Neutral
            } else {
                Sentiment::Positive
            };
            tickets.push(Ticket {
                ts,
                customer: i as u32,
                topic: rng.pick(&topic_mix[c.segment.index()]),
                sentiment,
                order: None,
                category: catalog.pick_category(rng, Some(&c.favourites)),
            });
        }
    }
    for (k, o) in orders.orders.iter().enumerate() {
        if !o.refunded || !rng.chance(0.6) {
            continue;
        }
        let ts = o.ts + (rng.uniform(1.0, 6.0) * DAY as f64) as i64;
        let u = rng.unit();
        let sentiment = if u < 0.5 {
            Sentiment::Negative
        } else if u < 0.9 {
            Sentiment::Neutral
        } else {
            Sentiment::Positive
        };
        let category = orders.lines_of(o).first().map_or(0, |l| catalog.category_of(l.product));
        tickets.push(Ticket {
            ts,
            customer: o.customer,
            topic: REFUND_TOPIC,
            sentiment,
            order: Some(k as u32),
            category,
        });
    }
    tickets.retain(|t| t.ts < CUTOFF_S);
    tickets.sort_by_key(|t| (t.ts, t.customer));

    let channel_mix = Weighted::new(&CHANNELS.map(|c| c.1));
    let rating_mix: Vec<Weighted> = RATINGS.iter().map(|r| Weighted::new(r)).collect();
    let mut w = CsvWriter::create(
        dir,
        "tickets.csv",
        &["ticket_id", "customer_id", "created_at", "channel", "text", "rating"],
    )?;
    let mut truth = CsvWriter::create(truth_dir, "tickets.csv", &["ticket_id", "sentiment", "topic"])?;
    let mut text = String::with_capacity(128);
    for (k, t) in tickets.iter().enumerate() {
        let s = t.sentiment as usize;
        text.clear();
        if let Some(o) = t.order
            && rng.chance(0.2)
        {
            text.push_str(&format!("订单O{:09}：", u64::from(o) + 1));
        }
        text.push_str(OPENERS[rng.below(OPENERS.len())]);
        let core = TEMPLATES[t.topic][s][rng.below(4)];
        text.push_str(&core.replace("{cat}", catalog::category_name(t.category)));
        // 6% of closers are drawn from a random sentiment (about 4% end up different).
        let closer_sentiment = if rng.chance(0.06) {
            SENTIMENTS[rng.below(3)] as usize
        } else {
            s
        };
        let closers = CLOSERS[closer_sentiment];
        text.push_str(closers[rng.below(closers.len())]);
        let rating = 1 + rng.pick(&rating_mix[s]) as i64;
        let rating = (!rng.chance(0.12)).then_some(rating);

        w.id(b'T', k as u64 + 1, 8);
        w.id(b'C', u64::from(t.customer) + 1, 8);
        w.timestamp(t.ts);
        w.str(CHANNELS[rng.pick(&channel_mix)].0);
        w.str(&text);
        w.opt_int(rating);
        w.end_row()?;

        truth.id(b'T', k as u64 + 1, 8);
        truth.str(t.sentiment.name());
        truth.str(TOPICS[t.topic]);
        truth.end_row()?;
    }
    Ok((w.finish()?, truth.finish()?))
}
