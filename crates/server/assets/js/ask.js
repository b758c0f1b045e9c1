/* The ask box in the header: a question in Chinese or English → answer, chart and SQL. */
'use strict';

(() => {
  const { t, api, el, fill, chart } = HX;
  const form = document.getElementById('ask-form');
  if (!form) return;
  const box = document.getElementById('ask-result');

  function option(spec, columns, rows) {
    const type = spec && spec.type;
    if (type === 'pie') {
      return { tooltip: { trigger: 'item' }, series: [{ type: 'pie', radius: '65%', data: rows.map((r) => ({ name: String(r[0]), value: Number(r[r.length - 1]) })) }] };
    }
    if (type === 'line' || type === 'bar') {
      const x = rows.map((r) => String(r.slice(0, -1).join(' | ')));
      return { tooltip: { trigger: 'axis' }, grid: { left: 70, right: 20, top: 20, bottom: 40 },
        xAxis: { type: 'category', data: x }, yAxis: { type: 'value', name: columns[columns.length - 1] },
        series: [{ type, data: rows.map((r) => Number(r[r.length - 1])) }] };
    }
    return null;
  }

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const question = document.getElementById('ask-input').value.trim();
    if (!question) return;
    box.hidden = false;
    fill(box, el('p', { class: 'muted' }, t('ask.thinking')));
    try {
      const a = await api('ask', { body: { question } });
      const rows = a.rows || [];
      const columns = a.columns || [];
      const o = option(a.chart, columns, rows);
      fill(box,
        el('button', { type: 'button', class: 'link close', onclick: () => { box.hidden = true; } }, '×'),
        el('p', { class: 'answer', id: 'ask-answer' }, a.answer || ''),
        o && rows.length > 1 ? el('div', { class: 'chart', id: 'ask-chart' }) : null,
        rows.length ? HX.table(columns.map((c, i) => ({ key: i, label: c, num: rows.some((r) => typeof r[i] === 'number') })), rows.slice(0, 50), { id: 'ask-table' }) : null,
        a.sql ? el('details', {}, el('summary', {}, 'SQL'), el('pre', { id: 'ask-sql' }, a.sql)) : null);
      if (o && rows.length > 1) chart('ask-chart', o);
    } catch (err) {
      fill(box, HX.problem(err));
    }
  });
})();
