/* Behaviour: funnel, retention heat-map, path Sankey, baskets, attribution and experiments. */
'use strict';

(() => {
  const { t, api, el, fill, num, pct, chart, guarded } = HX;

  async function funnel() {
    const steps = document.getElementById('funnel-steps').value.split(',').map((s) => s.trim()).filter(Boolean);
    const window = document.getElementById('funnel-window').value;
    fill('funnel-error');
    const f = await api('funnel', { body: { steps, window } });
    const s = f.overall.steps;
    const node = document.getElementById('funnel-chart');
    node.dataset.entered = f.overall.entered;
    node.dataset.converted = f.overall.converted;
    chart('funnel-chart', {
      tooltip: { trigger: 'item', formatter: (p) => (p.data ? p.name + ': ' + num(p.data.actors) + ' (' + pct(p.data.rate) + ')' : p.name) },
      series: [{ type: 'funnel', sort: 'none', left: '10%', width: '60%', minSize: '10%',
        label: { formatter: (p) => (p.data ? p.name + '  ' + num(p.data.actors) + '  ' + pct(p.data.rate) : p.name) },
        data: s.map((x) => ({ name: x.name, value: x.conversion_from_first * 100, actors: x.actors, rate: x.conversion_from_first })) }],
    });
  }

  async function retention() {
    const r = await api('retention?periods=12');
    const cohorts = r.cohorts.slice(-12);
    const periods = Math.max(...cohorts.map((c) => c.cells.length));
    const data = [];
    cohorts.forEach((c, y) => c.cells.forEach((cell, x) => { if (cell && cell.rate !== null && x > 0) data.push([x, y, Math.round(cell.rate * 1000) / 10]); }));
    chart('retention-chart', {
      tooltip: { formatter: (p) => (Array.isArray(p.value) && cohorts[p.value[1]] ? cohorts[p.value[1]].cohort + ' +' + p.value[0] + ': ' + p.value[2] + '%' : '') },
      grid: { left: 80, right: 20, top: 10, bottom: 60 },
      xAxis: { type: 'category', data: Array.from({ length: periods }, (_, i) => '+' + i), name: t('behavior.period') },
      yAxis: { type: 'category', data: cohorts.map((c) => c.cohort + ' (' + c.size + ')'), inverse: true },
      visualMap: { min: 0, max: Math.max(1, ...data.map((d) => d[2])), calculable: true, orient: 'horizontal', left: 'center', bottom: 0, inRange: { color: ['#eff6ff', '#1d4ed8'] } },
      series: [{ type: 'heatmap', data, label: { show: true, fontSize: 10, formatter: (p) => (Array.isArray(p.value) ? p.value[2] : '') } }],
    });
  }

  async function paths() {
    const event = document.getElementById('paths-event').value.trim();
    fill('paths-error');
    const p = await api('paths', { body: { event, depth: 3, top: 20 } });
    chart('paths-chart', {
      tooltip: { trigger: 'item' },
      series: [{ type: 'sankey', emphasis: { focus: 'adjacency' }, nodeGap: 10,
        data: p.sankey.nodes.map((n) => ({ name: n.name })),
        links: p.sankey.links.map((l) => ({ source: p.sankey.nodes[l.source].name, target: p.sankey.nodes[l.target].name, value: l.value })),
        label: { formatter: (x) => String(x.name || '').replace(/^\d+:/, '') } }],
    });
  }

  async function rules() {
    const page = await api('rules?limit=15');
    fill('rules-table', HX.table([
      { key: 'antecedent', label: t('behavior.if') },
      { key: 'consequent', label: t('behavior.then') },
      { key: 'support', label: t('behavior.support'), fmt: (v) => pct(v, 2) },
      { key: 'confidence', label: t('behavior.confidence'), fmt: (v) => pct(v) },
      { key: 'lift', label: t('behavior.lift'), num: true },
    ], page.items, { id: 'rules' }));
  }

  async function attribution() {
    const a = await api('attribution');
    const ch = a.channels;
    chart('attribution-chart', {
      tooltip: { trigger: 'axis' },
      legend: {},
      grid: { left: 90, right: 20, top: 30, bottom: 20 },
      xAxis: { type: 'value' },
      yAxis: { type: 'category', inverse: true, data: ch.map((c) => c.channel) },
      series: [{ name: t('behavior.conversions') + ' (' + a.model + ')', type: 'bar', data: ch.map((c) => c.conversions) }],
    });
  }

  /** A confidence interval, or a dash when the readout has none (e.g. no control conversions). */
  function ci(bounds) {
    return Array.isArray(bounds) && bounds.length === 2 ? pct(bounds[0]) + ', ' + pct(bounds[1]) : '–';
  }

  async function experiments() {
    const list = await api('experiments');
    if (!list.length) {
      fill('experiments', el('p', { class: 'muted' }, '–'));
      return;
    }
    const readouts = await Promise.all(list.map((x) => api('experiments/' + encodeURIComponent(x.experiment_id))));
    fill('experiments', readouts.map((r) => el('div', { class: 'experiment', 'data-experiment': r.experiment },
      el('h3', {}, r.experiment + ' · ' + r.control + ' vs ' + r.treatment + ' ',
        el('span', { class: r.significant ? 'good' : 'muted' }, r.significant ? t('exp.significant') : t('exp.not_significant'))),
      HX.table([
        { key: 'variant', label: t('exp.variant') },
        { key: 'users', label: t('exp.users'), num: true },
        { key: 'conversions', label: t('exp.conversions'), num: true },
        { key: 'rate', label: t('exp.rate'), fmt: (v) => pct(v, 2) },
      ], r.variants),
      el('p', { class: 'muted' }, t('exp.lift') + ' ' + pct(r.lift_rel) + ' [' + ci(r.lift_rel_ci) + '], p = ' + num(r.p_value) + ', P(B>A) = ' + pct(r.prob_b_beats_a)))));
  }

  document.getElementById('funnel-form').addEventListener('submit', (e) => { e.preventDefault(); guarded('funnel-error', funnel); });
  document.getElementById('paths-form').addEventListener('submit', (e) => { e.preventDefault(); guarded('paths-error', paths); });
  Promise.all([
    guarded('funnel-chart', funnel), guarded('retention-chart', retention), guarded('paths-chart', paths),
    guarded('rules-table', rules), guarded('attribution-chart', attribution), guarded('experiments', experiments),
  ]).then(HX.done);
})();
