/* Tag manager: the catalog with coverage, a rule-tag editor with validation and a preview count, versions and a lineage graph. */
'use strict';

(() => {
  const { t, api, el, fill, num, pct, chart, guarded, debounce } = HX;

  async function list() {
    const rows = await api('tags');
    fill('tag-list', HX.table([
      { key: 'tag_id', label: t('tags.id') },
      { key: 'name', label: t('tags.name'), fmt: (_, r) => HX.name(r) },
      { key: 'type', label: t('tags.type') },
      { key: 'version', label: t('tags.version'), num: true },
      { key: 'persons', label: t('tags.persons'), num: true },
      { key: 'share', label: t('tags.share'), fmt: (v) => pct(v) },
      { key: 'stale', label: t('segments.stale'), fmt: (v) => (v ? '⚠' : '✓') },
    ], rows, { id: 'tags', onclick: (r) => detail(r.tag_id) }));
  }

  function lineageTree(node) {
    return {
      name: node.name,
      value: node.kind,
      itemStyle: { color: { tag: '#7c3aed', feature: '#2563eb', table: '#059669', column: '#d97706' }[node.kind] || '#64748b' },
      children: (node.children || []).map(lineageTree),
    };
  }

  async function detail(id) {
    const d = await api('tags/' + encodeURIComponent(id));
    document.getElementById('tag-detail').hidden = false;
    fill('tag-detail-title', HX.name(d.definition) + ' (' + d.definition.tag_id + ')');
    const cov = d.coverage || [];
    chart('tag-coverage', {
      tooltip: { trigger: 'axis' },
      grid: { left: 110, right: 30, top: 10, bottom: 20 },
      xAxis: { type: 'value' },
      yAxis: { type: 'category', inverse: true, data: cov.map((c) => (c.value === null ? '∅' : c.value)) },
      series: [{ type: 'bar', data: cov.map((c) => c.persons), label: { show: true, position: 'right' } }],
    });
    if (d.lineage) {
      chart('tag-lineage', {
        tooltip: { trigger: 'item', formatter: (p) => p.name + (p.value ? ' (' + p.value + ')' : '') },
        series: [{ type: 'tree', data: [lineageTree(d.lineage)], top: 10, left: 90, bottom: 10, right: 160, symbolSize: 9, initialTreeDepth: 4,
          label: { position: 'left', verticalAlign: 'middle', align: 'right', fontSize: 11 },
          leaves: { label: { position: 'right', align: 'left' } } }],
      });
    } else {
      fill('tag-lineage', el('p', { class: 'muted' }, t('error.not_built')));
    }
    fill('tag-versions', HX.table([
      { key: 'version', label: t('tags.version'), num: true },
      { key: 'created_at', label: t('tags.created') },
      { key: 'expression', label: t('tags.expression'), fmt: (v) => v || '–' },
      { key: 'owner', label: t('tags.owner') },
    ], d.versions || [d.definition], { id: 'tag-version-table' }));
    ['tag-id', 'tag-name-zh', 'tag-name-en', 'tag-expr'].forEach((f) => { document.getElementById(f).dataset.edit = ''; });
    if (d.definition.type === 'rule') {
      document.getElementById('tag-id').value = d.definition.tag_id;
      document.getElementById('tag-name-zh').value = d.definition.name_zh || '';
      document.getElementById('tag-name-en').value = d.definition.name_en || '';
      document.getElementById('tag-expr').value = d.definition.expression || '';
      preview();
    }
  }

  function body() {
    const v = (id) => document.getElementById(id).value.trim();
    return { id: v('tag-id'), expression: v('tag-expr'), name_zh: v('tag-name-zh') || null, name_en: v('tag-name-en') || null };
  }

  function showCount(p) {
    const out = document.getElementById('tag-preview');
    const rows = (p.preview || []).filter((r) => r.value !== null && r.value !== 'false');
    const yes = rows.reduce((s, r) => s + r.persons, 0);
    out.textContent = num(yes) + ' / ' + num(p.persons);
    out.dataset.value = yes;
  }

  const preview = debounce(async () => {
    const b = body();
    fill('tag-error');
    if (!b.expression) return;
    try {
      showCount(await api('tags/preview', { body: Object.assign({}, b, { id: b.id || 'preview' }) }));
    } catch (err) {
      document.getElementById('tag-preview').textContent = '–';
      fill('tag-error', err.message);
    }
  }, 300);

  async function save() {
    const b = body();
    fill('tag-error');
    fill('tag-saved');
    try {
      const known = await api('tags');
      const exists = known.some((x) => x.tag_id === b.id);
      const r = exists
        ? await api('tags/' + encodeURIComponent(b.id), { body: { expression: b.expression, name_zh: b.name_zh, name_en: b.name_en } })
        : await api('tags', { body: b });
      showCount(r);
      fill('tag-saved', t('tags.saved_ok') + ' ' + r.definition.tag_id + ' v' + r.definition.version);
      await list();
      await detail(r.definition.tag_id);
    } catch (err) {
      fill('tag-error', err.message);
    }
  }

  document.getElementById('tag-expr').addEventListener('input', preview);
  document.getElementById('tag-save').addEventListener('click', save);
  guarded('tag-list', list).then(HX.done);
})();
