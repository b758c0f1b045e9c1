/* Overview: KPI cards from the metric catalog with monthly trends, segment sizes, data freshness. */
'use strict';

(() => {
  const { t, api, el, fill, num, pct, chart, guarded } = HX;
  const KPIS = ['gmv', 'orders', 'buyers', 'aov', 'active_customers', 'new_customers', 'repurchase_rate', 'refund_rate'];
  const RATES = new Set(['repurchase_rate', 'refund_rate', 'coupon_rate', 'conversion_rate', 'negative_ticket_rate']);
  const fmt = (id, v) => (RATES.has(id) ? pct(v) : num(v));

  async function kpi(id) {
    const [now, trend] = await Promise.all([
      api('metrics/' + id + '?last=30d'),
      api('metrics/' + id + '?by=month&last=12m'),
    ]);
    const value = now.rows.length ? now.rows[0][now.rows[0].length - 1] : null;
    const months = trend.rows.map((r) => r[0]);
    const series = trend.rows.map((r) => r[1]);
    const title = HX.lang === 'zh' ? now.name_zh : now.name_en;
    const card = el('div', { class: 'kpi card', id: 'kpi-' + id, 'data-metric': id },
      el('div', { class: 'kpi-title' }, title),
      el('div', { class: 'kpi-value', 'data-value': value }, fmt(id, value)),
      el('div', { class: 'kpi-sub muted' }, t('overview.last30') + ' · ' + t('overview.asof') + ' ' + now.as_of),
      el('div', { class: 'spark', id: 'spark-' + id }));
    return { id, title, card, months, series };
  }

  async function kpis() {
    const list = await api('metrics');
    const known = new Set(list.map((m) => m.id));
    const ids = KPIS.filter((k) => known.has(k));
    const cards = await Promise.all(ids.map((id) => kpi(id).catch((err) => ({ id, card: el('div', { class: 'kpi card' }, HX.problem(err)) }))));
    fill('kpis', cards.map((c) => c.card));
    for (const c of cards) {
      if (!c.series) continue;
      chart('spark-' + c.id, {
        grid: { left: 2, right: 2, top: 4, bottom: 2 },
        xAxis: { type: 'category', data: c.months, show: false },
        yAxis: { type: 'value', show: false, scale: true },
        tooltip: { trigger: 'axis' },
        series: [{ type: 'line', data: c.series, symbol: 'none', smooth: true, areaStyle: { opacity: 0.15 } }],
      });
    }
    const gmv = cards.find((c) => c.id === 'gmv' && c.series);
    const orders = cards.find((c) => c.id === 'orders' && c.series);
    if (gmv) {
      chart('trend-chart', {
        legend: {},
        tooltip: { trigger: 'axis' },
        xAxis: { type: 'category', data: gmv.months },
        yAxis: [{ type: 'value', name: gmv.title }, { type: 'value', name: orders ? orders.title : '' }],
        series: [
          { name: gmv.title, type: 'bar', data: gmv.series },
          orders ? { name: orders.title, type: 'line', yAxisIndex: 1, data: orders.series } : null,
        ].filter(Boolean),
      });
    }
  }

  async function segments() {
    const list = await api('segments');
    if (!list.length) {
      fill('segment-sizes', el('p', { class: 'muted' }, t('overview.no_segments')));
      return;
    }
    fill('segment-sizes', HX.table([
      { key: 'name', label: t('segments.name') },
      { key: 'members', label: t('segments.members'), num: true },
      { key: 'persons', label: t('segments.persons'), num: true, fmt: (v, r) => (v ? pct(r.members / v) : '–') },
      { key: 'last_as_of', label: t('overview.asof') },
      { key: 'stale', label: t('segments.stale'), fmt: (v, r) => (v ? '⚠ ' + (r.stale_reason || '') : '✓') },
    ], list, { id: 'segment-size-table' }));
  }

  async function freshness() {
    const s = await api('status');
    const rows = s.tables.map((x) => ({ table: x.table, rows: x.rows, version: x.version, updated: x.updated }));
    fill('freshness',
      el('div', { class: 'row' },
        el('span', {}, t('overview.asof') + ': ', el('b', { id: 'as-of' }, s.as_of || '–')),
        el('span', {}, t('overview.last_build') + ': ', el('b', {}, s.last_build ? '#' + s.last_build.build_id + ' · ' + s.last_build.started_at : '–')),
        el('span', {}, t('overview.last_ingest') + ': ', el('b', {}, s.last_ingest || '–')),
        el('span', {}, t('overview.persons') + ': ', el('b', { id: 'persons', 'data-value': s.persons }, num(s.persons)))),
      HX.table([
        { key: 'table', label: t('data.table') },
        { key: 'rows', label: t('data.rows'), num: true },
        { key: 'version', label: t('data.version'), num: true },
        { key: 'updated', label: t('data.updated') },
      ], rows, { id: 'freshness-table' }));
  }

  Promise.all([guarded('kpis', kpis), guarded('segment-sizes', segments), guarded('freshness', freshness)]).then(HX.done);
})();
