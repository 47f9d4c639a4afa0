// Browser tests of the web app: the real `crm` binary on a fresh SQLite demo
// database, driven in Debian's headless Chromium through playwright-core.
// Usage: node tests/spa.mjs <path to crm binary> <dist dir>
// Screenshots go to $SCREENSHOT_DIR (default: a temporary directory).
import { chromium } from 'playwright-core';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';
import assert from 'node:assert/strict';
import { segmentTests } from './segments.mjs';
import { analyticsTests } from './analytics.mjs';
import { salesTests } from './sales.mjs';
import { importTests } from './imports.mjs';
import { hardeningTests } from './hardening.mjs';
import { historyTests } from './history.mjs';
import { taskTests } from './tasks.mjs';
import { dealFormTests, analyticsSettingsTests } from './deal_form.mjs';
import { forecastTests } from './forecast.mjs';
import { performanceTests } from './performance.mjs';
import { ticketTests } from './tickets.mjs';
import { articleTests } from './articles.mjs';
import { satisfactionTests } from './satisfaction.mjs';
import { reportTests } from './reports.mjs';
import { dashboardTests } from './dashboards.mjs';
import { deliveryTests } from './deliveries.mjs';
import { startSmtpSink } from './smtp.mjs';

const [crm, dist] = process.argv.slice(2);
const dir = mkdtempSync(join(tmpdir(), 'crm-spa-'));
const shots = process.env.SCREENSHOT_DIR || dir;
mkdirSync(shots, { recursive: true });
// Scheduled reports are mailed to this sink.
const smtp = await startSmtpSink();
const env = { ...process.env, CRM_DATABASE_URL: `sqlite://${dir}/crm.db`, CRM_WEB_DIR: dist, CRM_LOG: 'warn', CRM_SMTP_URL: smtp.url, CRM_MAIL_FROM: 'CRM <crm@demo.test>' };
execFileSync(crm, ['demo', '--customers', '80'], { env, stdio: 'ignore' });
const port = await new Promise((ok) => { const s = net.createServer(); s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => ok(p)); }); });
const base = `http://127.0.0.1:${port}`;
// Survey links in mails point back at this server.
const server = spawn(crm, ['serve'], { env: { ...env, CRM_BIND: `127.0.0.1:${port}`, CRM_PUBLIC_URL: base }, stdio: 'ignore' });
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
});

let passed = 0, failed = 0;
/** Failures with their first lines, repeated at the end so a log's tail names them. */
const failures = [];
const foreign = [];
// SPA_ONLY=<text> runs the tests whose name holds it (while working on one page).
async function check(name, fn, viewport = { width: 1280, height: 860 }) {
  if (process.env.SPA_ONLY && !name.includes(process.env.SPA_ONLY)) return;
  const context = await browser.newContext({ viewport, locale: 'zh-CN', ...(process.env.SPA_TIMEZONE ? { timezoneId: process.env.SPA_TIMEZONE } : {}) });
  const page = await context.newPage();
  const consoleErrors = [];
  page.on('request', (r) => { if (!r.url().startsWith(base)) foreign.push(r.url()); });
  page.on('pageerror', (e) => consoleErrors.push(e.message));
  // A 4xx answer is logged by Chromium as "Failed to load resource"; the tests provoke some on purpose.
  page.on('console', (m) => { if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) consoleErrors.push(m.text()); });
  try {
    await fn(page, context);
    assert.deepEqual(consoleErrors, [], 'no console errors (a missing message logs one)');
    passed++;
    console.log(`test ${name} ... ok`);
  } catch (e) {
    failed++;
    failures.push(`${name}: ${String(e.message).split('\n').slice(0, 6).join(' | ')}`);
    console.log(`test ${name} ... FAILED\n${e.stack}${consoleErrors.length ? `\nconsole: ${consoleErrors.join("\n")}` : ""}`);
    await page.screenshot({ path: join(shots, `failed-${name.replace(/\W+/g, '-')}.png`) }).catch(() => {});
  }
  await context.close();
}

async function login(page, email, start = '/customers') {
  await page.goto(base + start);
  await page.waitForURL(/\/login\?next=/);
  await page.waitForSelector('#demo-hint');
  await page.fill('#email', email);
  await page.fill('#password', 'demo-password');
  await page.click('#sign-in');
  await page.waitForURL((url) => !url.pathname.startsWith('/login'));
  await page.waitForSelector('#page-title');
}

/** Calls the API from the page with the page's own session. */
function api(page, path, init = {}) {
  return page.evaluate(async ([path, init]) => {
    const s = JSON.parse(localStorage.getItem('crm.session'));
    const r = await fetch(path, { ...init, headers: { ...(init.headers || {}), Authorization: `Bearer ${s.access_token}`, 'Content-Type': 'application/json' } });
    return { status: r.status, body: r.status === 204 ? null : await r.json() };
  }, [path, init]);
}

const rows = (page) => page.locator('tr.customer');

try {
  for (let i = 0; i < 100; i++) { try { if ((await fetch(`${base}/api/health`)).ok) break; } catch {} await new Promise((r) => setTimeout(r, 100)); }

  await check('first load: requests and bytes', async (page) => {
    await page.goto(`${base}/login`);
    await page.waitForSelector('#demo-hint');
    const cost = await page.evaluate(() => {
      const entries = [...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')];
      return { requests: entries.length, bytes: entries.reduce((n, e) => n + (e.transferSize || 0), 0), list: entries.map((e) => `${e.name.replace(location.origin, '')} ${e.transferSize}`) };
    });
    console.log(`  first load of /login: ${cost.requests} requests, ${cost.bytes} bytes transferred\n    ${cost.list.join('\n    ')}`);
    assert.ok(cost.bytes < 600_000, 'first load under 600 KB on the wire');
    await page.screenshot({ path: join(shots, 'login.png') });
  });

  await check('a rep sees only their own customers and no settings', async (page) => {
    await login(page, 'rep1@demo.test');
    await rows(page).first().waitFor();
    const me = await api(page, '/api/v1/me');
    const all = await api(page, '/api/v1/customers?limit=200');
    assert.ok(all.body.items.length > 0);
    assert.deepEqual([...new Set(all.body.items.map((c) => c.owner_id))], [me.body.user.id]);
    assert.equal(await rows(page).count(), Math.min(25, all.body.items.length));
    assert.equal(await page.locator('#nav-settings').count(), 0, 'no settings link for a rep');
    const owners = await page.locator('tr.customer td[data-label="负责人"]').allInnerTexts();
    assert.deepEqual([...new Set(owners)], [me.body.user.display_name]);
  });

  await check('an admin sees every customer, loads more and reaches settings', async (page) => {
    await login(page, 'admin@demo.test');
    await rows(page).first().waitFor();
    assert.equal(await rows(page).count(), 25);
    await page.click('#load-more');
    await page.waitForFunction(() => document.querySelectorAll('tr.customer').length === 50);
    const ids = await page.locator('tr.customer a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    assert.equal(new Set(ids).size, 50, 'no row repeated across pages');
    await page.screenshot({ path: join(shots, 'customers-1280.png') });
    await page.click('#nav-settings');
    await page.waitForSelector('#users tr.user');
    assert.ok(await page.locator('#users tr.user').count() >= 9);
  });

  await check('create with a bad e-mail, fix it, find it, edit it, delete it', async (page) => {
    await login(page, 'admin@demo.test');
    await page.click('#new-customer');
    await page.waitForSelector('#customer-form');
    await page.fill('#name', '浏览器测试客户');
    await page.fill('#customer-email', 'not-an-email');
    await page.click('#save');
    await page.waitForSelector('#customer-email-error:has-text("有效的邮箱")');
    // Past the form's own check, the server's message is shown beside the field.
    await page.fill('#customer-email', 'broken@');
    await page.click('#save');
    await page.waitForFunction(() => document.querySelector('#customer-email-error').textContent.length > 0 && !document.querySelector('#customer-email-error').textContent.includes('有效的邮箱'));
    await page.fill('#customer-email', 'browser@test.example.cn');
    await page.selectOption('#industry', 'technology');
    await page.selectOption('#province', '440000');
    await page.selectOption('#city', '440300');
    await page.fill('#annual-revenue', '1250000.50');
    await page.click('#save');
    await page.waitForURL(/\/customers\/[0-9a-f-]{36}$/);
    await page.waitForSelector('h1:has-text("浏览器测试客户")');
    const fields = await page.locator('#fields').innerText();
    assert.match(fields, /信息技术/);
    assert.match(fields, /广东省 · 深圳市/);
    assert.match(fields, /1,250,000\.50/);
    await page.screenshot({ path: join(shots, 'customer-detail.png') });

    await page.fill('#global-search', '浏览器测试');
    await page.press('#global-search', 'Enter');
    await page.waitForURL(/\/customers\?q=/);
    await page.waitForFunction(() => document.querySelectorAll('tr.customer').length === 1);
    assert.equal(await page.inputValue('#search'), '浏览器测试', 'the list search box follows the URL');
    await page.click('tr.customer a');
    await page.click('#edit');
    await page.waitForSelector('#customer-form');
    await page.fill('#name', '浏览器测试客户（已改名）');
    await page.fill('#phone', '+8613800138000');
    await page.click('#save');
    await page.waitForSelector('h1:has-text("已改名")');
    assert.match(await page.locator('#fields').innerText(), /\+8613800138000/);

    await page.click('#delete');
    await page.click('#confirm');
    await page.waitForURL(/\/customers$/);
    await page.waitForSelector('.toast.success');
    const left = await api(page, `/api/v1/customers?q=${encodeURIComponent('浏览器测试')}`);
    assert.equal(left.body.items.length, 0);
  });

  await check('on the detail page tags are added and removed and a contact is added and edited', async (page) => {
    await login(page, 'manager1@demo.test');
    await rows(page).first().waitFor();
    const org = (await api(page, '/api/v1/customers?kind=organization&limit=1')).body.items[0];
    await page.goto(`${base}/customers/${org.id}`);
    await page.waitForSelector('#add-tag');
    const before = await page.locator('#tags .tag').count();
    const option = await page.locator('#add-tag option').nth(1).getAttribute('value');
    await page.selectOption('#add-tag', option);
    await page.waitForFunction((n) => document.querySelectorAll('#tags .tag').length === n + 1, before);
    let stored = await api(page, `/api/v1/customers/${org.id}`);
    assert.ok(stored.body.tags.some((t) => t.id === option), 'the tag is stored');
    await page.locator('#tags .tag', { hasText: stored.body.tags.find((t) => t.id === option).name }).locator('.tag-remove').click();
    await page.waitForFunction((n) => document.querySelectorAll('#tags .tag').length === n, before);
    stored = await api(page, `/api/v1/customers/${org.id}`);
    assert.ok(!stored.body.tags.some((t) => t.id === option), 'the tag is removed');

    await page.click('#add-contact');
    await page.fill('#contact-name', '李采购');
    await page.fill('#contact-email', 'not-an-email');
    await page.click('#save-contact');
    await page.waitForSelector('#contact-email-error:not(:empty)');
    await page.fill('#contact-email', 'li@example.com');
    await page.click('#save-contact');
    await page.waitForSelector('#contacts .contact:has-text("李采购")');

    // Edit the contact in place: a new title and phone, kept by the server.
    await page.locator('#contacts .contact', { hasText: '李采购' }).locator('.edit-contact').click();
    assert.equal(await page.inputValue('#contact-name'), '李采购');
    assert.equal(await page.inputValue('#contact-email'), 'li@example.com');
    await page.fill('#contact-title', '采购总监');
    await page.fill('#contact-phone', '+8613800138000');
    await page.click('#save-contact');
    await page.waitForSelector('#contacts .contact:has-text("采购总监")');
    const edited = (await api(page, `/api/v1/contacts?customer_id=${org.id}&limit=10`)).body.items.find((c) => c.name === '李采购');
    assert.equal(edited.title, '采购总监');
    assert.equal(edited.phone, '+8613800138000');
    assert.equal(edited.email, 'li@example.com');
    assert.equal(edited.version, 2, 'one update');
  });

  await check('a viewer gets no create, edit or delete buttons', async (page) => {
    await login(page, 'viewer@demo.test');
    await rows(page).first().waitFor();
    assert.equal(await page.locator('#new-customer').count(), 0);
    await page.click('tr.customer a');
    await page.waitForSelector('#fields');
    assert.equal(await page.locator('#edit').count(), 0);
    assert.equal(await page.locator('#delete').count(), 0);
    assert.equal(await page.locator('#add-tag').count(), 0);
  });

  await check('a stale edit is explained instead of overwriting', async (page) => {
    await login(page, 'admin@demo.test');
    const first = (await api(page, '/api/v1/customers?limit=1')).body.items[0];
    await page.goto(`${base}/customers/${first.id}/edit`);
    await page.waitForSelector('#customer-form');
    const changed = await api(page, `/api/v1/customers/${first.id}`, { method: 'PATCH', headers: { 'If-Match': `"${first.version}"` }, body: JSON.stringify({ address: '别人刚改过的地址' }) });
    assert.equal(changed.status, 200);
    await page.fill('#address', '我的修改');
    await page.click('#save');
    await page.waitForSelector('#stale:has-text("已被他人修改")');
    const now = await api(page, `/api/v1/customers/${first.id}`);
    assert.equal(now.body.address, '别人刚改过的地址');
  });

  await check('filters live in the URL, with a province → city cascade', async (page) => {
    await login(page, 'admin@demo.test');
    await rows(page).first().waitFor();
    await page.selectOption('#filter-industry', 'technology');
    await page.waitForURL(/industry=technology/);
    await page.waitForFunction(() => [...document.querySelectorAll('tr.customer td[data-label="行业"]')].every((td) => td.textContent === '信息技术'));
    await page.selectOption('#filter-province', '440000');
    await page.waitForURL(/region=440000/);
    assert.equal(await page.locator('#filter-city').isDisabled(), false);
    const cities = await page.locator('#filter-city option').count();
    assert.ok(cities > 10, `Guangdong's cities are offered (${cities})`);
    const expected = await api(page, '/api/v1/customers?limit=25&industry=technology&region=440000');
    await page.waitForFunction((n) => document.querySelectorAll('tr.customer').length === n || (n === 0 && document.querySelector('.empty')), expected.body.items.length);
    await page.reload();
    await page.waitForSelector('#filter-province');
    await page.waitForFunction(() => document.querySelector('#filter-industry').value === 'technology' && document.querySelector('#filter-province').value === '440000');
  });

  await check('deep links survive a reload; a missing record shows the error view', async (page) => {
    await login(page, 'admin@demo.test');
    const first = (await api(page, '/api/v1/customers?limit=1')).body.items[0];
    await page.goto(`${base}/customers/${first.id}`);
    await page.waitForSelector(`h1:has-text("${first.name}")`);
    await page.reload();
    await page.waitForSelector(`h1:has-text("${first.name}")`);
    await page.goto(`${base}/customers/00000000-0000-4000-8000-000000000000`);
    await page.waitForSelector('.error-box[role="alert"]');
    await page.goto(`${base}/no/such/page`);
    await page.waitForSelector('text=页面不存在');
  });

  await check('a signed-out visit returns after sign-in; the token renews before it expires', async (page) => {
    await login(page, 'manager1@demo.test', '/contacts');
    assert.equal(new URL(page.url()).pathname, '/contacts');
    await page.waitForSelector('tr.contact');
    const before = await page.evaluate(() => JSON.parse(localStorage.getItem('crm.session')));
    await page.evaluate(() => { const s = JSON.parse(localStorage.getItem('crm.session')); s.expires_at = Date.now() + 5000; localStorage.setItem('crm.session', JSON.stringify(s)); });
    const refreshes = [];
    page.on('response', (r) => { if (r.url().endsWith('/api/v1/auth/refresh')) refreshes.push(r.status()); });
    await page.click('a[href="/customers"]');
    await rows(page).first().waitFor();
    assert.deepEqual(refreshes, [200], 'one refresh, however many calls were under way');
    const after = await page.evaluate(() => JSON.parse(localStorage.getItem('crm.session')));
    assert.ok(after.expires_at > Date.now() + 60_000 && after.expires_at >= before.expires_at, 'a renewed access token');
    assert.equal(after.refresh_token, undefined, 'the refresh token stays in its HttpOnly cookie');
    await page.click('#user-menu');
    await page.click('#sign-out');
    await page.waitForURL(/\/login/);
    assert.equal(await page.evaluate(() => localStorage.getItem('crm.session')), null);
  });

  await check('the language switches to English and back, and is remembered', async (page) => {
    await login(page, 'viewer@demo.test');
    assert.equal(await page.locator('#page-title').innerText(), '客户');
    await page.click('#language');
    await page.waitForSelector('#page-title:has-text("Customers")');
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'en');
    await page.reload();
    await page.waitForSelector('#page-title:has-text("Customers")');
    await page.screenshot({ path: join(shots, 'customers-en.png') });
    await page.click('#language');
    await page.waitForSelector('#page-title:has-text("客户")');
  });

  await check('settings: tags, an API key shown once and revoked, the role matrix, the team tree', async (page) => {
    await login(page, 'admin@demo.test', '/settings/tags');
    await page.fill('#tag-name', '浏览器标签');
    await page.click('#create-tag');
    await page.waitForSelector('#tag-list :text("浏览器标签")');

    await page.click('a[href="/settings/api-keys"]');
    await page.fill('#key-name', 'ERP 同步');
    await page.selectOption('#key-role', { index: 1 });
    await page.click('#create-key');
    const secret = await page.locator('#secret').innerText();
    assert.ok(secret.length >= 20, 'the secret is shown');
    const ok = await page.evaluate(async (key) => (await fetch('/api/v1/me', { headers: { Authorization: `Bearer ${key}` } })).status, secret);
    assert.equal(ok, 200, 'the shown secret works as a bearer token');
    await page.reload();
    await page.waitForSelector('#api-keys tr.api-key');
    assert.equal(await page.locator('#secret').count(), 0, 'shown only once');
    await page.click('#api-keys tr.api-key .revoke');
    await page.click('#confirm');
    await page.waitForSelector('#api-keys tr.api-key.inactive');
    const revoked = await page.evaluate(async (key) => (await fetch('/api/v1/me', { headers: { Authorization: `Bearer ${key}` } })).status, secret);
    assert.equal(revoked, 401);

    await page.click('a[href="/settings/roles"]');
    await page.waitForSelector('#permission-matrix select');
    assert.equal(await page.locator('#permission-matrix select').count(), 19 * 5);
    await page.screenshot({ path: join(shots, 'settings-roles.png'), fullPage: true });
    await page.click('a[href="/settings/teams"]');
    await page.waitForSelector('#team-tree li.team');
    assert.ok(await page.locator('#team-tree li.team').count() >= 2);
    // Change the first team's manager from the tree, and see it stored.
    const team = (await api(page, '/api/v1/teams')).body.items[0];
    const other = (await api(page, '/api/v1/users')).body.items.find((u) => u.id !== team.manager_id);
    await page.locator('#team-tree li.team', { has: page.locator(`strong:text-is("${team.name}")`) }).locator('select').selectOption(other.id);
    await page.waitForFunction(async ([id, manager]) => {
      const s = JSON.parse(localStorage.getItem('crm.session'));
      const t = await (await fetch(`/api/v1/teams/${id}`, { headers: { Authorization: `Bearer ${s.access_token}` } })).json();
      return t.manager_id === manager;
    }, [team.id, other.id]);
  });

  await check('sign-in and the customer list load no lazy chunk; a chunk that fails to load offers a reload', async () => {
    // Its own context: the failed fetch is logged to the console on purpose.
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, locale: 'zh-CN' });
    try {
      const page = await context.newPage();
      const chunks = [];
      const errors = [];
      page.on('request', (r) => {
        if (!r.url().startsWith(base)) foreign.push(r.url());
        if (/\/(split|chunk)_[^/]*\.wasm$/.test(r.url())) chunks.push(new URL(r.url()).pathname);
      });
      page.on('pageerror', (e) => errors.push(e.message));
      await login(page, 'admin@demo.test');
      await rows(page).first().waitFor();
      assert.deepEqual(chunks, [], 'the sign-in page and the customer list are in the main module');
      const settings = /\/split_crm_settings\.[0-9a-f]+\.wasm$/;
      await page.route(settings, (r) => r.fulfill({ status: 404, body: '' }));
      await page.click('#nav-settings');
      await page.waitForSelector('#page-load-failed');
      await page.screenshot({ path: join(shots, 'chunk-load-failed.png') });
      await page.unroute(settings);
      await page.click('#page-load-failed button');
      await page.waitForSelector('#user-form', { state: 'attached' });
      assert.equal(new URL(page.url()).pathname, '/settings/users');
      assert.deepEqual(errors, [], 'no uncaught error (a failed chunk must not abort the app)');
    } finally {
      await context.close();
    }
  });

  await check('at 375 px the list is cards, the sidebar folds away, nothing scrolls sideways', async (page) => {
    await login(page, 'manager1@demo.test');
    await rows(page).first().waitFor();
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 375, `no horizontal scroll (width ${width})`);
    assert.equal(await page.locator('tr.customer').first().evaluate((tr) => getComputedStyle(tr).display), 'block');
    assert.equal(await page.locator('#sidebar').isVisible() && (await page.locator('#sidebar').boundingBox()).x >= 0, false, 'sidebar folded');
    await page.screenshot({ path: join(shots, 'customers-375.png') });
    await page.click('#menu-toggle');
    await page.waitForFunction(() => document.querySelector('#sidebar').getBoundingClientRect().x >= 0);
    await page.screenshot({ path: join(shots, 'menu-375.png') });
  }, { width: 375, height: 740 });

  // The Distribution page: ECharts from our origin, drawn into #chart.
  const chartOption = (page) => page.evaluate(() => window.echarts?.getInstanceByDom(document.querySelector('#chart'))?.getOption());
  const kpi = async (page) => Number((await page.locator('#total .kpi-value').innerText()).replace(/[^\d.]/g, ''));
  let adminTotal = 0;

  await check('distribution: the province map, revenue, drilling into 广东省 and back, bars and a pie, reload', async (page) => {
    await login(page, 'admin@demo.test', '/distribution');
    await page.waitForSelector('#chart canvas');
    await page.waitForSelector('#ranking tr.group');
    assert.equal(await page.locator('#chart-title').innerText(), '全国各省份的客户数');
    const provinces = await page.locator('#ranking tr.group .rank-name').allInnerTexts();
    assert.ok(provinces.length >= 10 && provinces.includes('广东省'), `provinces ranked (${provinces.length})`);
    const expected = await api(page, '/api/v1/analytics/distribution?dimension=region&level=province&region=CN');
    adminTotal = await kpi(page);
    assert.equal(adminTotal, expected.body.total.value, 'the total is the answer\'s');
    let option = await chartOption(page);
    assert.equal(option.series[0].type, 'map');
    assert.ok(option.series[0].data.some((d) => d.name === '440000' && d.value === expected.body.groups.find((g) => g.key === '440000').value), 'joined by code');
    // Hovering 广东 shows its tooltip: name, value, share.
    const at = async (lngLat) => {
      const box = await page.locator('#chart').boundingBox();
      const [x, y] = await page.evaluate((p) => window.echarts.getInstanceByDom(document.querySelector('#chart')).convertToPixel({ seriesIndex: 0 }, p), lngLat);
      return [box.x + x, box.y + y];
    };
    await page.mouse.move(...(await at([113.27, 23.13])));
    await page.waitForFunction(() => /广东省[\s\S]*客户数[\s\S]*占比/.test(document.querySelector('#chart').innerText));
    await page.screenshot({ path: join(shots, 'distribution-1280.png') });

    await page.selectOption('#measure', 'revenue');
    await page.waitForURL(/measure=revenue/);
    await page.waitForFunction(() => /^(¥|CN¥)[\d,]+$/.test(document.querySelector('#ranking tr.group td.num')?.textContent ?? ''));
    await page.waitForSelector('#chart-title:has-text("销售额")');

    // Drill down by clicking 广东 on the map itself (Guangzhou's coordinates).
    await page.mouse.click(...(await at([113.27, 23.13])));
    await page.waitForURL(/level=city&parent=440000/);
    await page.waitForSelector('#crumbs .current:has-text("广东省")');
    await page.waitForFunction(() => /深圳市|广州市/.test(document.querySelector('#ranking').textContent));
    assert.equal(await page.locator('#chart-title').innerText(), '广东省各城市的销售额');
    await page.waitForFunction(() => window.echarts.getInstanceByDom(document.querySelector('#chart')).getOption().series[0].map === '440000');
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(shots, 'distribution-guangdong.png') });

    await page.reload();
    await page.waitForSelector('#crumbs .current:has-text("广东省")');
    await page.waitForFunction(() => /深圳市|广州市/.test(document.querySelector('#ranking')?.textContent ?? ''));
    assert.equal(await page.inputValue('#measure'), 'revenue', 'the measure survives a reload');
    await page.click('#crumbs a:has-text("中国")');
    await page.waitForURL((url) => !url.search.includes('parent='));
    await page.waitForSelector('#ranking tr.group:has-text("广东省") a.drill');
    // ... and by the table: 广东省's row links to its cities.
    await page.click('#ranking tr.group:has-text("广东省") a.drill');
    await page.waitForURL(/parent=440000/);
    await page.waitForSelector('#crumbs .current:has-text("广东省")');
    await page.goBack();
    await page.waitForSelector('#ranking tr.group:has-text("广东省")');

    // The world, then back into China from its map.
    await page.click('#crumbs a:has-text("全球")');
    await page.waitForURL(/level=country/);
    await page.waitForFunction(() => window.echarts.getInstanceByDom(document.querySelector('#chart')).getOption().series[0].map === 'world');
    await page.waitForSelector('#ranking tr.group:has-text("中国")');
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(shots, 'distribution-world.png') });
    await page.click('#ranking tr.group:has-text("中国") a.drill');
    await page.waitForURL(/level=province/);

    // Another dimension: bars, or a pie, instead of the map; a comparison.
    await page.selectOption('#dimension', 'industry');
    await page.waitForURL(/dimension=industry/);
    await page.waitForFunction(() => window.echarts.getInstanceByDom(document.querySelector('#chart')).getOption().series[0].type === 'bar');
    await page.waitForSelector('#ranking tr.group:has-text("信息技术")');
    await page.check('#compare');
    await page.waitForURL(/compare=true/);
    await page.waitForSelector('#ranking td.change');
    await page.waitForSelector('#total .change');
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(shots, 'distribution-industry.png') });
    await page.click('#chart-pie');
    await page.waitForURL(/chart=pie/);
    await page.waitForFunction(() => window.echarts.getInstanceByDom(document.querySelector('#chart')).getOption().series[0].type === 'pie');
    await page.reload();
    await page.waitForFunction(() => window.echarts?.getInstanceByDom(document.querySelector('#chart'))?.getOption().series[0].type === 'pie');
    assert.equal(await page.isChecked('#compare'), true, 'the comparison survives a reload');
    assert.equal(await page.inputValue('#dimension'), 'industry');

    // A window preset and a filter are in the URL too; English labels.
    await page.selectOption('#window', 'ytd');
    await page.waitForURL(/from=\d{4}-01-01/);
    await page.selectOption('#filter-lifecycle-stage', 'customer');
    await page.waitForURL(/lifecycle_stage=customer/);
    await page.waitForSelector('#ranking tr.group');
    await page.click('#language');
    await page.waitForSelector('#chart-title:has-text("Revenue by Industry")');
    await page.click('#language');
    await page.waitForSelector('#chart-title:has-text("按行业统计的销售额")');
  });

  await check('distribution: a rep sees a smaller total than the admin', async (page) => {
    await login(page, 'rep1@demo.test', '/distribution');
    await page.waitForSelector('#ranking tr.group');
    const total = await kpi(page);
    assert.ok(total > 0 && total < adminTotal, `rep ${total} < admin ${adminTotal}`);
  });

  await check('distribution: the first visit loads ECharts and one outline, gzipped, from this server', async (page) => {
    await login(page, 'manager1@demo.test');
    const session = await page.evaluate(() => localStorage.getItem('crm.session'));
    const cold = await browser.newContext({ viewport: { width: 1280, height: 860 }, locale: 'zh-CN' });
    await cold.addInitScript((s) => localStorage.setItem('crm.session', s), session);
    const fresh = await cold.newPage();
    fresh.on('request', (r) => { if (!r.url().startsWith(base)) foreign.push(r.url()); });
    const encodings = {};
    fresh.on('response', (r) => { const u = new URL(r.url()); if (/echarts\.min\.js|\/maps\//.test(u.pathname)) encodings[u.pathname] = r.headers()['content-encoding']; });
    await fresh.goto(`${base}/distribution`);
    await fresh.waitForSelector('#chart canvas');
    await fresh.waitForSelector('#ranking tr.group');
    const cost = await fresh.evaluate(() => {
      const entries = [...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')];
      return { requests: entries.length, bytes: entries.reduce((n, e) => n + (e.transferSize || 0), 0), list: entries.map((e) => `${e.name.replace(location.origin, '')} ${e.transferSize}`) };
    });
    console.log(`  first visit of /distribution: ${cost.requests} requests, ${cost.bytes} bytes transferred\n    ${cost.list.join('\n    ')}`);
    assert.deepEqual(encodings, { '/echarts.min.js': 'gzip', '/maps/china.json': 'gzip' });
    await cold.close();
  });

  await check('distribution at 375 px: map above the table, nothing scrolls sideways', async (page) => {
    await login(page, 'admin@demo.test', '/distribution');
    await page.waitForSelector('#chart canvas');
    await page.waitForSelector('#ranking tr.group');
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 375, `no horizontal scroll (width ${width})`);
    const chart = await page.locator('#chart').boundingBox();
    const table = await page.locator('#ranking').boundingBox();
    assert.ok(chart.width > 300 && table.y >= chart.y + chart.height, 'stacked');
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(shots, 'distribution-375.png'), fullPage: true });
  }, { width: 375, height: 740 });

  // The Analytics page: RFM segments and their portrait, cohorts, k-means.
  const chartOf = (page, id) => page.evaluate((id) => window.echarts?.getInstanceByDom(document.querySelector(id))?.getOption(), id);

  await check('analytics: segments, R × F and cohort heatmaps, the k-means scatter, a segment portrait', async (page) => {
    await login(page, 'admin@demo.test', '/analytics');
    await page.waitForSelector('#segments tr.segment');
    assert.equal(await page.locator('.nav-link:has-text("客户分析")').count(), 1, 'sidebar link');
    const rfm = await api(page, '/api/v1/analytics/rfm');
    assert.ok(rfm.body.buyers > 0);
    const names = await page.locator('#segments tr.segment td:first-child a').allInnerTexts();
    assert.equal(names.length, rfm.body.segments.length, 'one row per segment');
    assert.ok(names.includes('重要价值客户'), `segments translated (${names})`);
    for (const id of ['#rfm-chart', '#cohort-chart', '#kmeans-chart']) await page.waitForSelector(`${id} canvas`);
    await page.waitForFunction(() => window.echarts?.getInstanceByDom(document.querySelector('#kmeans-chart'))?.getOption().series.length > 0);
    const grid = await chartOf(page, '#rfm-chart');
    assert.equal(grid.series[0].type, 'heatmap');
    assert.equal(grid.series[0].data.reduce((n, d) => n + d.value[2], 0), rfm.body.buyers, 'the grid counts every buyer');
    const cohorts = await chartOf(page, '#cohort-chart');
    assert.equal(cohorts.yAxis[0].data.length, 12, 'twelve cohorts');
    const kmeans = await api(page, '/api/v1/analytics/kmeans');
    const scatter = await chartOf(page, '#kmeans-chart');
    assert.equal(scatter.series.length, kmeans.body.k, 'one series per cluster');
    assert.equal(await page.locator('#clusters tr.cluster').count(), kmeans.body.k);
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(shots, 'analytics-1280.png'), fullPage: true });

    // A segment's portrait, kept in the URL.
    await page.click('#segments tr.segment[data-key="champions"] a');
    await page.waitForURL(/segment=champions/);
    await page.waitForSelector('#portrait-title:has-text("重要价值客户")');
    await page.waitForSelector('#portrait-figures dd');
    const portrait = await api(page, '/api/v1/analytics/portrait?rfm_segment=champions');
    assert.equal(await page.locator('#portrait-figures dd').first().innerText(), String(portrait.body.customers));
    assert.match(await page.locator('#portrait-groups').innerText(), /地区[\s\S]*行业[\s\S]*负责人/);
    await page.screenshot({ path: join(shots, 'analytics-portrait.png') });

    // Another k, then English.
    await page.selectOption('#k', '3');
    await page.waitForURL(/k=3/);
    await page.waitForFunction(() => document.querySelectorAll('#clusters tr.cluster').length === 3);
    assert.match(page.url(), /segment=champions/, 'the portrait stays open');
    await page.click('#language');
    await page.waitForSelector('#portrait-title:has-text("Champions")');
    await page.click('#language');
  });

  await check('analytics at 375 px: nothing scrolls sideways', async (page) => {
    await login(page, 'admin@demo.test', '/analytics');
    await page.waitForSelector('#segments tr.segment');
    for (const id of ['#rfm-chart', '#cohort-chart', '#kmeans-chart']) await page.waitForSelector(`${id} canvas`);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 375, `no horizontal scroll (width ${width})`);
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(shots, 'analytics-375.png'), fullPage: true });
  }, { width: 375, height: 740 });

  await check('customer detail: the purchase profile of a buying customer, none for a new one', async (page) => {
    await login(page, 'admin@demo.test');
    const kmeans = await api(page, '/api/v1/analytics/kmeans');
    const id = kmeans.body.points[0].customer_id;
    const profile = await api(page, `/api/v1/customers/${id}/profile`);
    assert.ok(profile.body.order_count > 0 && profile.body.rfm);
    await page.goto(`${base}/customers/${id}`);
    await page.waitForSelector('#purchase-profile');
    const text = await page.locator('#purchase-profile').innerText();
    const segments = { champions: '重要价值客户', loyal: '忠诚客户', new: '新客户', potential_loyalists: '潜力客户', cant_lose: '重要挽留客户', at_risk: '流失风险客户', hibernating: '沉睡客户', lost: '已流失客户' };
    assert.ok(text.includes(segments[profile.body.rfm.segment]), `the RFM segment is shown (${text})`);
    assert.ok(text.includes(`R${profile.body.rfm.r} F${profile.body.rfm.f} M${profile.body.rfm.m}`));
    assert.match(text, /流失风险[\s\S]*\d+(\.\d)?%/);
    await page.screenshot({ path: join(shots, 'customer-profile.png') });
    const created = await api(page, '/api/v1/customers', { method: 'POST', body: JSON.stringify({ kind: 'organization', name: '无订单测试客户' }) });
    assert.equal(created.status, 201);
    await page.goto(`${base}/customers/${created.body.id}`);
    await page.waitForSelector('#no-orders:has-text("暂无订单")');
  });

  await segmentTests({ check, login, api, base, shots });
  await analyticsTests({ check, login, api, base, shots });
  await salesTests({ check, login, api, base, shots });
  await importTests({ check, login, api, base, shots });
  await historyTests({ check, login, api, base, shots });
  await taskTests({ check, login, api, base, shots });
  await dealFormTests({ check, login, api, base, shots });
  await analyticsSettingsTests({ check, login, api });
  await forecastTests({ check, login, api, base, shots });
  await performanceTests({ check, login, api, base, shots });
  await ticketTests({ check, login, api, base, shots });
  await articleTests({ check, login, api, base, shots });
  await satisfactionTests({ check, login, api, base, browser, smtp });
  await reportTests({ check, login, api, base, shots });
  await dashboardTests({ check, login, api, shots });
  await deliveryTests({ check, login, api, shots, smtp });
  await hardeningTests({ check, login, base, browser });

  await check('the page talks to no host but its own server', async () => {
    assert.deepEqual(foreign, []);
  });
} finally {
  await browser.close();
  server.kill();
  smtp.close();
}
for (const f of failures) console.log(`FAILED ${f}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
