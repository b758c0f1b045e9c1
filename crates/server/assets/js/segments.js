/* Segment explorer: clusters with names, sizes and distinctive features; a segment builder with a live count. */
'use strict';

(() => {
  const { t, api, el, fill, num, pct, chart, guarded, debounce } = HX;

  function features(row) {
    try { return JSON.parse(row.top_features_json || '[]'); } catch (_) { return []; }
  }

  async function clusters() {
    const page = await api('clusters?limit=100');
    const rows = page.items;
    if (!rows.length) {
      fill('cluster-table', el('p', { class: 'muted' }, t('error.not_built')));
      return;
    }
    const label = (r) => (HX.lang === 'zh' ? r.name_zh : r.name_en) || ('#' + r.cluster);
    chart('cluster-sizes', {
      tooltip: { trigger: 'item' },
      series: [{ type: 'pie', radius: ['35%', '70%'], data: rows.map((r) => ({ name: label(r), value: r.size })) }],
    });
    const show = (r) => {
      const f = features(r);
      chart('cluster-features', {
        title: { text: label(r), textStyle: { fontSize: 13 } },
        grid: { left: 150, right: 20, top: 30, bottom: 20 },
        xAxis: { type: 'value', name: t('segments.effect') },
        yAxis: { type: 'category', inverse: true, data: f.map((x) => (HX.lang === 'zh' ? x.label.zh : x.label.en)) },
        series: [{ type: 'bar', data: f.map((x) => ({ value: x.d, itemStyle: { color: x.d >= 0 ? '#3b82f6' : '#f97316' } })) }],
      });
    };
    show(rows[0]);
    fill('cluster-table', HX.table([
      { key: 'cluster', label: '#' },
      { key: 'name', label: t('segments.cluster_name'), fmt: (_, r) => label(r) },
      { key: 'size', label: t('segments.size'), num: true },
      { key: 'share', label: t('segments.share'), fmt: (v) => pct(v) },
      { key: 'top_features', label: t('segments.distinctive') },
    ], rows, { id: 'clusters', onclick: show }));
  }

  const count = debounce(async () => {
    const where = document.getElementById('segment-where').value.trim();
    const out = document.getElementById('segment-count');
    fill('segment-error');
    if (!where) {
      out.textContent = '–';
      out.dataset.value = '';
      return;
    }
    out.classList.add('busy');
    try {
      const p = await api('segments/preview', { body: { where } });
      out.textContent = num(p.members);
      out.dataset.value = p.members;
      fill('segment-share', '(' + pct(p.share) + ' / ' + num(p.persons) + ')');
    } catch (err) {
      out.textContent = '–';
      out.dataset.value = '';
      fill('segment-error', err.message);
    } finally {
      out.classList.remove('busy');
    }
  }, 300);

  async function save() {
    const name = document.getElementById('segment-name').value.trim();
    const where = document.getElementById('segment-where').value.trim();
    fill('segment-saved');
    try {
      const r = await api('segments', { body: { name, where } });
      fill('segment-saved', t('segments.saved_ok') + ' ' + r.name + ' v' + r.version);
      await guarded('segment-list', list);
    } catch (err) {
      fill('segment-error', err.message);
    }
  }

  async function list() {
    const rows = await api('segments');
    fill('segment-list', HX.table([
      { key: 'name', label: t('segments.name') },
      { key: 'where', label: t('segments.where') },
      { key: 'version', label: t('tags.version'), num: true },
      { key: 'members', label: t('segments.members'), num: true },
      { key: 'last_build_id', label: t('overview.last_build'), num: true },
      { key: 'stale', label: t('segments.stale'), fmt: (v, r) => (v ? '⚠ ' + (r.stale_reason || '') : '✓') },
    ], rows, { id: 'segments' }));
  }

  document.getElementById('segment-where').addEventListener('input', count);
  document.getElementById('segment-save').addEventListener('click', save);
  Promise.all([guarded('cluster-table', clusters), guarded('segment-list', list)]).then(HX.done);
})();
