// End-to-end test of the web UI in real headless Chromium (Debian's `chromium`,
// driven by playwright-core; no browser is downloaded).
//
// Needs a running `huaxiang serve` over a built workspace and two users:
//   HX_URL=http://127.0.0.1:PORT HX_ADMIN=name:password HX_VIEWER=name:password \
//   HX_OUT=dir-for-screenshots [HX_CHROMIUM=/usr/bin/chromium] [HX_BENCH=20] node ui.mjs
// Prints one JSON line per page with its render time, and exits non-zero on the
// first failed check. With HX_BENCH=N it only measures: N loads of every page,
// printing the median render time and the median time of each data request.
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

const base = process.env.HX_URL;
const [adminName, adminPassword] = (process.env.HX_ADMIN || '').split(/:(.*)/s);
const [viewerName, viewerPassword] = (process.env.HX_VIEWER || '').split(/:(.*)/s);
const out = process.env.HX_OUT || 'e2e-out';
const bench = Number(process.env.HX_BENCH || 0);
const PAGES = ['overview', 'segments', 'customer', 'tags', 'behavior', 'models', 'data'];
if (!base || !adminName) {
  console.error('set HX_URL and HX_ADMIN=name:password');
  process.exit(2);
}
mkdirSync(out, { recursive: true });

let failures = 0;
function check(ok, what, detail) {
  if (ok) {
    console.log('ok   ' + what);
  } else {
    failures += 1;
    console.log('FAIL ' + what + (detail === undefined ? '' : ': ' + JSON.stringify(detail)));
  }
}
const close = (a, b) => Math.abs(Number(a) - Number(b)) <= 1e-9 * Math.max(1, Math.abs(Number(b)));

const browser = await chromium.launch({
  executablePath: process.env.HX_CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
});

async function signIn(name, password) {
  const context = await browser.newContext({ viewport: { width: 1440, height: 1000 } });
  const page = await context.newPage();
  page.on('pageerror', (e) => check(false, 'no script error on ' + page.url(), String(e.stack || e)));
  await page.goto(base + '/ui/overview');
  check(page.url().includes('/login'), 'signed-out visit redirects to the login page', page.url());
  await page.fill('#login-name', name);
  await page.fill('#login-password', 'wrong password');
  await page.click('#login-submit');
  await page.waitForSelector('#login-error:not([hidden])');
  await page.fill('#login-password', password);
  await Promise.all([page.waitForURL((u) => u.pathname.startsWith('/ui/')), page.click('#login-submit')]);
  return { context, page };
}

/** Loads a UI page and waits until its scripts mark it drawn; returns milliseconds. */
async function open(page, name, query) {
  // Keep the pointer off the charts: a page is checked as it opens, not under a hover.
  await page.mouse.move(0, 0);
  const t0 = Date.now();
  await page.goto(base + '/ui/' + name + (query || ''));
  await page.waitForSelector('body[data-loaded="1"]', { timeout: 30000 });
  return Date.now() - t0;
}

/** The API's answer, fetched inside the page (same cookies). */
async function api(page, path, body) {
  return page.evaluate(async ([p, b]) => {
    const r = await fetch('/api/' + p, b === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(b) });
    return { status: r.status, body: await r.json() };
  }, [path, body]);
}

async function errorsOn(page) {
  return page.$$eval('.error', (nodes) => nodes.map((n) => n.textContent.trim()).filter(Boolean));
}

if (bench > 0) {
  const { page } = await signIn(adminName, adminPassword);
  const results = {};
  for (const name of PAGES) {
    const renders = [];
    const requests = {};
    const onFinished = (req) => {
      const url = new URL(req.url());
      if (!url.pathname.startsWith('/api/')) return;
      // Request start to the last byte of the answer, in milliseconds.
      const timing = req.timing();
      const key = req.method() + ' ' + url.pathname + url.search;
      (requests[key] = requests[key] || []).push(timing.responseEnd);
    };
    page.on('requestfinished', onFinished);
    const query = name === 'customer' ? '?q=' + encodeURIComponent(process.env.HX_PERSON || '') : '';
    for (let i = 0; i < bench; i++) renders.push(await open(page, name, query));
    page.off('requestfinished', onFinished);
    const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor((s.length - 1) / 2)]; };
    results[name] = {
      render_ms_median: median(renders),
      requests: Object.fromEntries(Object.entries(requests).map(([k, v]) => [k, Math.round(median(v))])),
    };
    console.log(JSON.stringify({ page: name, ...results[name] }));
  }
  await browser.close();
  process.exit(0);
}

// --- admin: every page, numbers equal to the API's ---
const { context, page } = await signIn(adminName, adminPassword);
for (const name of PAGES) {
  const ms = await open(page, name);
  await page.screenshot({ path: join(out, name + '.png'), fullPage: true });
  const errs = await errorsOn(page);
  check(errs.length === 0, name + ': no error on the page', errs);
  console.log(JSON.stringify({ page: name, render_ms: ms }));
}

await open(page, 'overview');
const gmv = await api(page, 'metrics/gmv?last=30d');
const shownGmv = await page.getAttribute('#kpi-gmv .kpi-value', 'data-value');
check(gmv.status === 200 && close(shownGmv, gmv.body.rows[0][gmv.body.rows[0].length - 1]), 'overview: GMV card equals the API', [shownGmv, gmv.body.rows]);
const status = await api(page, 'status');
check(close(await page.getAttribute('#persons', 'data-value'), status.body.persons), 'overview: persons equal the API');
check(await page.$eval('#spark-gmv', (n) => n.dataset.ready === '1'), 'overview: GMV trend drawn');

await open(page, 'segments');
const clusters = await api(page, 'clusters?limit=100');
const sizes = await page.$$eval('#clusters td[data-col="size"]', (tds) => tds.map((td) => Number(td.dataset.value)));
check(JSON.stringify(sizes) === JSON.stringify(clusters.body.items.map((c) => c.size)), 'segments: cluster sizes equal the API', [sizes]);
await page.fill('#segment-where', 'monetary > 1000 AND frequency >= 2');
await page.waitForFunction(() => document.getElementById('segment-count').dataset.value !== '');
const preview = await api(page, 'segments/preview', { where: 'monetary > 1000 AND frequency >= 2' });
check(Number(await page.getAttribute('#segment-count', 'data-value')) === preview.body.members, 'segments: live count equals the API', preview.body);

const someone = (await api(page, 'segments/preview', { where: 'frequency >= 3' })).status;
check(someone === 200, 'segments: preview answers');
const person = process.env.HX_PERSON;
if (person) {
  await open(page, 'customer', '?q=' + encodeURIComponent(person));
  const profile = await api(page, 'profile?q=' + encodeURIComponent(person));
  const shownTags = await page.$$eval('#customer-tags .chip', (c) => c.map((x) => x.dataset.tag));
  check(JSON.stringify(shownTags) === JSON.stringify(profile.body.tags.map((x) => x.tag_id)), 'customer: tags equal the API', shownTags);
  const monetary = await page.getAttribute('#customer-features dd[data-key="monetary"]', 'data-value');
  check(close(monetary, profile.body.features.monetary), 'customer: monetary equals the API', [monetary, profile.body.features.monetary]);
  const email = await page.$eval('#records td[data-col="email"]', (td) => td.textContent);
  check(email.includes('*'), 'customer: e-mail masked', email);
  await page.screenshot({ path: join(out, 'customer-person.png'), fullPage: true });
}

// Create a tag in the editor: the preview count, then saved and listed with its count.
await open(page, 'tags');
const tagId = 'e2e_big_spender_' + Date.now().toString(36);
await page.fill('#tag-id', tagId);
await page.fill('#tag-name-zh', '高消费（测试）');
await page.fill('#tag-name-en', 'Big spender (test)');
await page.fill('#tag-expr', 'monetary > 1000');
await page.waitForFunction(() => document.getElementById('tag-preview').dataset.value !== '');
const expected = await api(page, 'segments/preview', { where: 'monetary > 1000' });
const shownPreview = Number(await page.getAttribute('#tag-preview', 'data-value'));
check(shownPreview === expected.body.members, 'tags: preview count equals the segment count of the same condition', [shownPreview, expected.body]);
await page.click('#tag-save');
await page.waitForFunction((id) => document.getElementById('tag-saved').textContent.includes(id), tagId);
const tags = await api(page, 'tags');
check(tags.body.some((t) => t.tag_id === tagId), 'tags: the new tag is in the catalog');
await page.fill('#tag-expr', 'monetary >');
await page.waitForFunction(() => document.getElementById('tag-error').textContent.length > 0);
check(true, 'tags: an invalid rule shows an error');
await page.screenshot({ path: join(out, 'tags-created.png'), fullPage: true });

await open(page, 'behavior');
const funnelNode = await page.$('#funnel-chart');
check(Number(await funnelNode.getAttribute('data-entered')) > 0, 'behaviour: funnel drawn');

await open(page, 'data');
const quality = await api(page, 'quality');
const total = quality.body.quarantine.reduce((s, c) => s + c.count, 0);
check(Number(await page.getAttribute('#quarantine-total', 'data-value')) === total, 'data: quarantine total equals the API', total);

// English toggle.
await page.click('#lang-toggle');
await page.waitForSelector('body[data-loaded="1"][data-lang="en"]');
check((await page.textContent('#nav-overview')).trim() === 'Overview', 'the English toggle switches the labels');
await page.screenshot({ path: join(out, 'data-en.png'), fullPage: true });
await page.click('#lang-toggle');
await page.waitForSelector('body[data-loaded="1"][data-lang="zh"]');

// Sign out.
await page.click('#logout');
await page.waitForURL((u) => u.pathname === '/login');
check(true, 'sign out returns to the login page');
await context.close();

// --- viewer: no model page data, no tag creation ---
if (viewerName) {
  const v = await signIn(viewerName, viewerPassword);
  await open(v.page, 'models');
  check(await v.page.$('#model-list .forbidden') !== null, 'viewer: models are forbidden on screen');
  const denied = await api(v.page, 'tags', { id: 'x_viewer', expression: 'true' });
  check(denied.status === 403, 'viewer: creating a tag is refused with 403', denied);
  await v.page.screenshot({ path: join(out, 'viewer-models.png'), fullPage: true });
  await v.context.close();
}

await browser.close();
console.log(failures === 0 ? 'all browser checks passed' : failures + ' browser checks failed');
process.exit(failures === 0 ? 0 : 1);
