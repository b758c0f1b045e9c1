//! Small embedded stopword lists, one for Chinese and one for English.
//!
//! They are short on purpose: they remove function words that would otherwise top every
//! keyword list (的, 了, 是, the, and…), not every frequent word. Words that carry meaning in
//! customer texts (不, 没有, 很, not) are stopwords only for keywords and topics; the
//! sentiment classifier works on characters and never sees these lists.

/// Chinese function words and particles, whitespace separated.
pub const CHINESE_STOPWORDS: &str = "\
的 了 是 在 我 有 和 就 不 人 都 一 一个 上 也 很 到 说 要 去 你 会 着 没有 看 好 自己 这
那 吗 呢 吧 啊 哦 嗯 呀 哈 啦 嘛 与 及 或 而 但 但是 还 又 把 被 让 给 从 对 为 以 之 其 此
该 这个 那个 这些 那些 我们 你们 他们 她们 它们 她 他 它 您 请 请问 谢谢 麻烦 一下 一些 什么
怎么 怎么样 为什么 哪 哪里 哪个 如何 因为 所以 如果 虽然 然后 而且 并且 已经 还是 可以 可能
应该 能 能不能 想 得 地 个 么 吗 于 即 等 等等 之后 之前 以后 以前 时候 现在 一直 非常 太 更 最
再 才 只 又 都 没 无 比 跟 向 往 在吗 你好 您好 各位 大家 有点 有些 这样 那样 这么 那么";

/// English stopwords (a subset of the usual lists), space separated.
pub const ENGLISH_STOPWORDS: &str = "\
a about above after again against all am an and any are as at be because been before being
below between both but by can could did do does doing down during each few for from further
had has have having he her here hers herself him himself his how i if in into is it its itself
just me more most my myself no nor not now of off on once only or other our ours ourselves out
over own same she should so some such than that the their theirs them themselves then there
these they this those through to too under until up very was we were what when where which
while who whom why will with would you your yours yourself yourselves hi hello please thanks
thank";

/// The Chinese stopwords as a list.
pub fn chinese_stopwords() -> impl Iterator<Item = &'static str> {
    CHINESE_STOPWORDS.split_whitespace()
}

/// The English stopwords as a list.
pub fn english_stopwords() -> impl Iterator<Item = &'static str> {
    ENGLISH_STOPWORDS.split_whitespace()
}
