/* Customer 360: search by id, phone or e-mail; attributes, tags, scores with reasons, CLV, recommendations, timeline. */
'use strict';

(() => {
  const { t, api, el, fill, num, pct, guarded } = HX;

  function reasons(p) {
    const text = HX.lang === 'zh' ? p.reasons_zh : p.reasons_en;
    return text || '';
  }

  async function show(q) {
    fill('customer-error');
    let p;
    try {
      p = await api('profile?timeline=50&q=' + encodeURIComponent(q));
    } catch (err) {
      document.getElementById('customer').hidden = true;
      fill('customer-error', err.status === 404 ? t('customer.not_found') : err.message);
      return;
    }
    document.getElementById('customer').hidden = false;
    history.replaceState(null, '', '?q=' + encodeURIComponent(q));
    fill('customer-records', HX.table([
      { key: 'source', label: t('customer.source') },
      { key: 'record_id', label: t('customer.record') },
      { key: 'name', label: t('customer.name') },
      { key: 'email', label: t('customer.email') },
      { key: 'phone', label: t('customer.phone') },
      { key: 'rule', label: t('customer.rule') },
    ], p.records, { id: 'records' }));
    const a = p.attributes || {};
    const attrs = ['person_id', 'gender', 'age', 'age_band', 'city', 'city_tier', 'member_level', 'acquisition_channel', 'first_signup_time'];
    fill('customer-attributes', el('dl', { class: 'attrs' }, attrs.flatMap((k) => [el('dt', {}, t('attr.' + k)), el('dd', { 'data-key': k, 'data-value': a[k] }, a[k] === null || a[k] === undefined ? '–' : a[k])])));
    fill('customer-tags', p.tags.length
      ? el('div', { class: 'chips' }, p.tags.map((x) => el('span', { class: 'chip', title: x.tag_id, 'data-tag': x.tag_id }, HX.name(x) + ': ' + x.value)))
      : el('p', { class: 'muted' }, '–'));
    fill('customer-segments', p.segments.length
      ? el('div', { class: 'chips' }, p.segments.map((s) => el('span', { class: 'chip' }, typeof s === 'string' ? s : s.segment || s.name)))
      : el('p', { class: 'muted' }, '–'));
    const f = p.features || {};
    const keys = ['recency_days', 'frequency', 'monetary', 'aov', 'orders_365d', 'spend_365d', 'tenure_days', 'coupon_share', 'refund_rate', 'sessions', 'views', 'cart_adds', 'ticket_count', 'mean_rating', 'favourite_category', 'favourite_channel'];
    fill('customer-features', el('dl', { class: 'attrs wide' }, keys.filter((k) => k in f).flatMap((k) => [el('dt', {}, k), el('dd', { 'data-key': k, 'data-value': f[k] }, typeof f[k] === 'number' ? num(f[k]) : (f[k] === null ? '–' : f[k]))])));
    fill('customer-timeline', el('ol', { class: 'timeline' }, p.timeline.map((e) => el('li', { class: 'tl-' + e.kind }, el('time', {}, e.time), ' ', el('b', {}, t('timeline.' + e.kind)), ' ', e.summary))));
    const pid = p.person_id;
    await Promise.all([
      guarded('customer-scores', async () => {
        const rows = await api('predictions/' + encodeURIComponent(pid));
        fill('customer-scores', rows.length ? rows.map((r) => el('div', { class: 'score', 'data-model': r.model },
          el('div', {}, el('b', {}, r.model), ' ', el('span', { class: 'kpi-value small', 'data-value': r.score }, pct(r.score)),
            ' ', el('span', { class: 'muted' }, t('customer.percentile') + ' ' + pct(r.percentile, 0))),
          el('p', { class: 'muted' }, t('customer.reasons') + ': ' + reasons(r)))) : el('p', { class: 'muted' }, '–'));
      }),
      guarded('customer-clv', async () => {
        const rows = await api('clv/' + encodeURIComponent(pid));
        const c = rows[0];
        fill('customer-clv', c ? el('dl', { class: 'attrs' },
          el('dt', {}, t('clv.spend')), el('dd', { id: 'clv-spend', 'data-value': c.expected_spend }, num(c.expected_spend)),
          el('dt', {}, t('clv.orders')), el('dd', {}, num(c.expected_orders)),
          el('dt', {}, t('clv.p_alive')), el('dd', {}, pct(c.p_alive)),
          el('dt', {}, t('clv.horizon')), el('dd', {}, c.horizon_days + ' ' + t('unit.days'))) : el('p', { class: 'muted' }, '–'));
      }),
      guarded('customer-recs', async () => {
        const rows = await api('recommendations/' + encodeURIComponent(pid));
        fill('customer-recs', rows.length ? HX.table([
          { key: 'rank', label: '#' },
          { key: 'product_id', label: t('customer.product') },
          { key: 'score', label: t('customer.score'), num: true },
        ], rows.slice(0, 10)) : el('p', { class: 'muted' }, '–'));
      }),
    ]);
  }

  document.getElementById('customer-search').addEventListener('submit', (e) => {
    e.preventDefault();
    const q = document.getElementById('customer-q').value.trim();
    if (q) show(q).then(HX.done);
  });
  const q = new URLSearchParams(location.search).get('q');
  if (q) {
    document.getElementById('customer-q').value = q;
    show(q).then(HX.done);
  } else {
    HX.done();
  }
})();
