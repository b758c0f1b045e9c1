/* Models: the registry, each model's metrics, ROC curve and feature importance. */
'use strict';

(() => {
  const { t, api, el, fill, num, pct, chart, guarded } = HX;

  async function detail(name) {
    const m = await api('models/' + encodeURIComponent(name));
    document.getElementById('model-detail').hidden = false;
    const e = m.entry;
    fill('model-title', e.name + ' v' + e.version + ' · ' + e.algo + ' · ' + e.target);
    const metric = (key, v, f) => el('div', { class: 'kpi card', id: 'model-' + key }, el('div', { class: 'kpi-title' }, t('models.' + key)), el('div', { class: 'kpi-value', 'data-value': v }, v === null || v === undefined ? '–' : f(v)));
    fill('model-metrics', [
      metric('roc_auc', e.roc_auc, (v) => v.toFixed(3)),
      metric('pr_auc', e.pr_auc, (v) => v.toFixed(3)),
      metric('f1', e.f1, (v) => v.toFixed(3)),
      metric('accuracy', e.accuracy, (v) => pct(v)),
      metric('top_decile_lift', e.top_decile_lift, (v) => v.toFixed(2) + '×'),
      metric('rows', e.rows, num),
    ]);
    const roc = m.roc_curve || [];
    chart('model-roc', {
      tooltip: { trigger: 'axis' },
      grid: { left: 50, right: 20, top: 20, bottom: 40 },
      xAxis: { type: 'value', min: 0, max: 1, name: t('models.fpr'), nameLocation: 'middle', nameGap: 25 },
      yAxis: { type: 'value', min: 0, max: 1, name: t('models.tpr') },
      series: [
        { type: 'line', name: 'ROC', data: roc, symbol: 'none', areaStyle: { opacity: 0.1 } },
        { type: 'line', name: 'random', data: [[0, 0], [1, 1]], symbol: 'none', lineStyle: { type: 'dashed', color: '#94a3b8' } },
      ],
    });
    const imp = (m.importance || []).slice(0, 15);
    chart('model-importance', {
      tooltip: { trigger: 'axis' },
      grid: { left: 170, right: 20, top: 10, bottom: 20 },
      xAxis: { type: 'value', name: t('models.mean_abs') },
      yAxis: { type: 'category', inverse: true, data: imp.map((i) => i.feature) },
      series: [{ type: 'bar', data: imp.map((i) => i.mean_abs_contribution !== undefined ? i.mean_abs_contribution : i.importance) }],
    });
  }

  async function list() {
    const page = await api('models?limit=100');
    const rows = page.items;
    fill('model-list', HX.table([
      { key: 'name', label: t('models.name') },
      { key: 'version', label: t('tags.version'), num: true },
      { key: 'target', label: t('models.target') },
      { key: 'algo', label: t('models.algo') },
      { key: 'roc_auc', label: 'ROC-AUC', fmt: (v) => (v === null ? '–' : Number(v).toFixed(3)) },
      { key: 'grade', label: t('models.grade') },
      { key: 'trained_at', label: t('models.trained') },
    ], rows, { id: 'models', onclick: (r) => guarded('model-detail', () => detail(r.name)) }));
    if (rows.length) await detail(rows[0].name);
  }

  guarded('model-list', list).then(HX.done);
})();
