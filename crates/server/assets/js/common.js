/* Shared helpers of every page: words, API calls, formatting, DOM and charts. */
'use strict';

const HX = (() => {
  const words = window.HX_WORDS || {};
  const lang = document.body.dataset.lang || 'zh';

  /** The word for `key` in the page's language. */
  function t(key) {
    return Object.prototype.hasOwnProperty.call(words, key) ? words[key] : key;
  }

  /** An API error: HTTP status, stable code and message. */
  class ApiError extends Error {
    constructor(status, code, message) {
      super(message);
      this.status = status;
      this.code = code;
    }
  }

  /** Calls the JSON API; resolves to the parsed body or throws ApiError. */
  async function api(path, options) {
    const opts = Object.assign({ credentials: 'same-origin', headers: {} }, options || {});
    if (opts.body !== undefined && typeof opts.body !== 'string') {
      opts.body = JSON.stringify(opts.body);
      opts.headers['content-type'] = 'application/json';
      opts.method = opts.method || 'POST';
    }
    const res = await fetch('/api/' + path, opts);
    const text = await res.text();
    let body = null;
    try { body = text ? JSON.parse(text) : null; } catch (_) { body = { message: text }; }
    if (!res.ok) {
      if (res.status === 401 && document.body.dataset.page !== 'login') {
        location.href = '/login?next=' + encodeURIComponent(location.pathname);
      }
      throw new ApiError(res.status, body && body.code, (body && body.message) || res.statusText);
    }
    return body;
  }

  const nf = new Intl.NumberFormat(lang === 'zh' ? 'zh-CN' : 'en-US', { maximumFractionDigits: 2 });
  const nf0 = new Intl.NumberFormat(lang === 'zh' ? 'zh-CN' : 'en-US', { maximumFractionDigits: 0 });

  /** A number for display: thousands separators, at most 2 decimals. */
  function num(v) {
    if (v === null || v === undefined || v === '') return '–';
    const n = Number(v);
    if (!Number.isFinite(n)) return String(v);
    return Math.abs(n) >= 1000 ? nf0.format(n) : nf.format(n);
  }

  /** A fraction as a percentage. */
  function pct(v, digits) {
    if (v === null || v === undefined || !Number.isFinite(Number(v))) return '–';
    return (Number(v) * 100).toFixed(digits === undefined ? 1 : digits) + '%';
  }

  /** An element: el('div', {class: 'x', 'data-value': 1}, child, 'text', …). */
  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'onclick' || k === 'oninput' || k === 'onchange') e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of children.flat()) {
      if (c === null || c === undefined) continue;
      e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return e;
  }

  /** Replaces the content of the element with id `id`. */
  function fill(id, ...children) {
    const target = typeof id === 'string' ? document.getElementById(id) : id;
    if (!target) return null;
    target.replaceChildren(...children.flat().filter((c) => c !== null && c !== undefined));
    return target;
  }

  /** A table: columns [{key, label, fmt?, num?}] over row objects. */
  function table(columns, rows, options) {
    const o = options || {};
    const head = el('tr', {}, columns.map((c) => el('th', { class: c.num ? 'num' : null }, c.label)));
    const body = rows.map((r, i) =>
      el('tr', { onclick: o.onclick ? () => o.onclick(r, i) : null, class: o.onclick ? 'clickable' : null },
        columns.map((c) => {
          const raw = r[c.key];
          const shown = c.fmt ? c.fmt(raw, r) : (c.num ? num(raw) : (raw === null || raw === undefined ? '–' : raw));
          return el('td', {
            class: c.num ? 'num' : null,
            'data-col': c.key,
            'data-value': typeof raw === 'object' ? null : raw,
          }, shown);
        })));
    return el('table', { class: 'data', id: o.id }, el('thead', {}, head), el('tbody', {}, body));
  }

  /** A message in place of content: an error, a missing permission, or nothing yet. */
  function problem(err) {
    if (err && err.status === 403) return el('p', { class: 'muted forbidden' }, t('error.forbidden'));
    if (err && err.code === 'not_built') return el('p', { class: 'muted' }, t('error.not_built'));
    return el('p', { class: 'error' }, (err && err.message) || String(err));
  }

  /** Runs `load` and shows its error in `id` when it fails. */
  async function guarded(id, load) {
    try {
      await load();
    } catch (err) {
      fill(id, problem(err));
      if (!(err instanceof ApiError)) console.error(err);
    }
  }

  const charts = [];
  /** Draws an ECharts option into the element with id `id`. */
  function chart(id, option) {
    const node = document.getElementById(id);
    if (!node || !window.echarts) return null;
    let c = window.echarts.getInstanceByDom(node);
    if (!c) {
      c = window.echarts.init(node, null, { renderer: 'canvas' });
      charts.push(c);
    }
    c.setOption(Object.assign({ animation: false, tooltip: {} }, option), true);
    node.dataset.ready = '1';
    return c;
  }
  window.addEventListener('resize', () => charts.forEach((c) => c.resize()));

  /** Calls `fn` after `ms` of quiet. */
  function debounce(fn, ms) {
    let timer = null;
    return (...args) => {
      clearTimeout(timer);
      timer = setTimeout(() => fn(...args), ms);
    };
  }

  /** The name of a tag or cluster in the page's language. */
  function name(obj) {
    if (!obj) return '';
    return (lang === 'zh' ? obj.name_zh || obj.name_en : obj.name_en || obj.name_zh) || obj.tag_id || obj.name || '';
  }

  function wireHeader() {
    const toggle = document.getElementById('lang-toggle');
    if (toggle) {
      toggle.addEventListener('click', () => {
        document.cookie = 'hx_lang=' + (lang === 'zh' ? 'en' : 'zh') + '; Path=/; SameSite=Lax; Max-Age=31536000';
        location.reload();
      });
    }
    const out = document.getElementById('logout');
    if (out) {
      out.addEventListener('click', async () => {
        try { await api('logout', { method: 'POST' }); } catch (_) { /* signed out anyway */ }
        location.href = '/login';
      });
    }
  }
  wireHeader();

  /** Marks the page as drawn (the browser tests wait for this). */
  function done() {
    document.body.dataset.loaded = '1';
  }

  return { t, api, ApiError, num, pct, el, fill, table, problem, guarded, chart, debounce, name, lang, done };
})();
