/* Data: sources, ingest runs, the quality report and quarantine counts by reason. */
'use strict';

(() => {
  const { t, api, el, fill, num, pct, chart, guarded } = HX;

  async function sources() {
    const rows = await api('sources');
    fill('sources', HX.table([
      { key: 'source', label: t('data.source') },
      { key: 'table', label: t('data.table') },
      { key: 'declared', label: t('data.declared'), fmt: (v) => (v ? '✓' : '') },
      { key: 'rows', label: t('data.rows'), num: true },
      { key: 'runs', label: t('data.runs_count'), num: true },
      { key: 'last_run', label: t('data.last_run') },
    ], rows, { id: 'source-table' }));
  }

  async function runs() {
    const page = await api('ingest/runs?limit=50');
    fill('runs', HX.table([
      { key: 'started_at', label: t('data.started') },
      { key: 'table_name', label: t('data.table') },
      { key: 'source', label: t('data.source') },
      { key: 'input', label: t('data.input') },
      { key: 'read', label: t('data.read'), num: true },
      { key: 'accepted', label: t('data.accepted'), num: true },
      { key: 'rejected', label: t('data.rejected'), num: true },
    ], page.items, { id: 'run-table' }));
  }

  async function quality() {
    const q = await api('quality');
    fill('quality', q.tables.map((tb) => el('details', { 'data-table': tb.table },
      el('summary', {}, tb.table + ' · ' + num(tb.rows) + ' ' + t('data.rows') + ' · ' + t('data.duplicates') + ' ' + num(tb.duplicate_records)),
      HX.table([
        { key: 'column', label: t('data.column') },
        { key: 'null_pct', label: t('data.null'), fmt: (v) => num(v) + '%' },
        { key: 'invalid_pct', label: t('data.invalid'), fmt: (v) => num(v) + '%' },
        { key: 'distinct', label: t('data.distinct'), num: true },
        { key: 'min', label: 'min' },
        { key: 'max', label: 'max' },
        { key: 'outliers', label: t('data.outliers'), num: true },
      ], tb.columns))));
    const byReason = new Map();
    for (const c of q.quarantine) {
      const key = c.table + '.' + c.column + ': ' + c.reason.replace(/^\S+ is /, '… is ');
      byReason.set(key, (byReason.get(key) || 0) + c.count);
    }
    const rows = [...byReason.entries()].map(([reason, count]) => ({ reason, count })).sort((a, b) => b.count - a.count);
    const total = rows.reduce((s, r) => s + r.count, 0);
    const node = document.getElementById('quarantine-chart');
    node.dataset.total = total;
    chart('quarantine-chart', {
      tooltip: { trigger: 'axis' },
      grid: { left: 260, right: 30, top: 10, bottom: 20 },
      xAxis: { type: 'value' },
      yAxis: { type: 'category', inverse: true, data: rows.slice(0, 12).map((r) => r.reason) },
      series: [{ type: 'bar', data: rows.slice(0, 12).map((r) => r.count) }],
    });
    fill('quarantine', el('p', { class: 'muted' }, t('data.quarantined') + ': ', el('b', { id: 'quarantine-total', 'data-value': total }, num(total))),
      HX.table([{ key: 'table', label: t('data.table') }, { key: 'column', label: t('data.column') }, { key: 'action', label: t('data.action') }, { key: 'reason', label: t('data.reason') }, { key: 'count', label: t('data.count'), num: true }], q.quarantine, { id: 'quarantine-table' }));
  }

  Promise.all([guarded('sources', sources), guarded('runs', runs), guarded('quality', quality)]).then(HX.done);
})();
