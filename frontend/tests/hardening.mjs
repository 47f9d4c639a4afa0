// Browser tests of the HTTP hardening: the app and Swagger UI run under
// their content security policies without a single violation, the refresh
// token lives only in the HttpOnly crm_refresh cookie (never in storage),
// a reload with an expired access token stays signed in through the cookie,
// tabs renewing at once do not sign each other out, and signing out clears
// the cookie. Registered in spa.mjs.
import assert from 'node:assert/strict';

/** Collects CSP violations (the DOM event and Chromium's console line) on every page the context opens. */
async function watchPolicy(context, page) {
  const violations = [];
  await context.exposeFunction('reportPolicyViolation', (v) => violations.push(v));
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      window.reportPolicyViolation(`${e.violatedDirective} blocked ${e.blockedURI} at ${e.sourceFile}:${e.lineNumber}`);
    });
  });
  page.on('console', (m) => { if (/Refused to|Content Security Policy/i.test(m.text())) violations.push(m.text()); });
  return violations;
}

const refreshCookie = async (context) => (await context.cookies()).find((c) => c.name === 'crm_refresh');

export async function hardeningTests({ check, login, base, browser }) {
  await check('the app runs under its CSP; the refresh token is only an HttpOnly cookie; a reload renews through it; sign-out clears it', async (page, context) => {
    const violations = await watchPolicy(context, page);
    const first = await page.goto(`${base}/login`);
    const csp = first.headers()['content-security-policy'];
    assert.match(csp, /script-src 'self' 'wasm-unsafe-eval'/);
    assert.ok(!/script-src[^;]*unsafe-inline/.test(csp), 'no inline scripts allowed');
    await login(page, 'admin@demo.test', '/customers');
    // Pages that draw with inline style attributes and ECharts.
    await page.goto(`${base}/distribution`);
    await page.waitForSelector('#chart canvas');
    await page.waitForSelector('#ranking tr.group');
    await page.hover('#chart canvas', { position: { x: 200, y: 150 } }).catch(() => {});
    await page.goto(`${base}/settings/teams`);
    await page.waitForSelector('#team-tree li.team');
    await page.goto(`${base}/analytics`);
    await page.waitForSelector('#page-title');

    const cookie = await refreshCookie(context);
    assert.ok(cookie, 'the refresh token is a cookie');
    assert.deepEqual(
      { httpOnly: cookie.httpOnly, secure: cookie.secure, sameSite: cookie.sameSite, path: cookie.path },
      { httpOnly: true, secure: true, sameSite: 'Strict', path: '/api/v1/auth' },
      'Chromium keeps a Secure cookie from http://127.0.0.1 (a secure context)',
    );
    const stored = await page.evaluate(() => JSON.stringify({ local: { ...localStorage }, session: { ...sessionStorage } }));
    assert.ok(!stored.includes(cookie.value), 'the refresh token is in no storage');
    assert.ok(!/refresh/i.test(stored), `nothing refresh-related in storage: ${stored}`);
    assert.equal(await page.evaluate(() => document.cookie.includes('crm_refresh')), false, 'scripts cannot read it');

    // The access token has run out: the reload renews it through the cookie.
    await page.evaluate(() => { const s = JSON.parse(localStorage.getItem('crm.session')); s.expires_at = 0; localStorage.setItem('crm.session', JSON.stringify(s)); });
    const refreshes = [];
    page.on('response', (r) => { if (r.url().endsWith('/api/v1/auth/refresh')) refreshes.push(r.status()); });
    await page.goto(`${base}/customers`);
    await page.waitForSelector('tr.customer');
    assert.equal(new URL(page.url()).pathname, '/customers', 'still signed in');
    assert.deepEqual(refreshes, [200], 'one refresh, by cookie');
    assert.notEqual((await refreshCookie(context)).value, cookie.value, 'the cookie rotated');

    await page.click('#user-menu');
    await page.click('#sign-out');
    await page.waitForURL(/\/login/);
    assert.equal(await refreshCookie(context), undefined, 'sign-out clears the cookie');
    assert.equal(await page.evaluate(() => localStorage.getItem('crm.session')), null);
    await page.goto(`${base}/customers`);
    await page.waitForURL(/\/login\?next=/);
    await page.reload();
    await page.waitForSelector('#sign-in');
    assert.deepEqual(violations, [], 'no content security policy violation');
  });

  await check('tabs renewing an expired session at once stay signed in', async (page, context) => {
    await login(page, 'manager1@demo.test', '/customers');
    await page.waitForSelector('tr.customer');
    await page.evaluate(() => { const s = JSON.parse(localStorage.getItem('crm.session')); s.expires_at = 0; localStorage.setItem('crm.session', JSON.stringify(s)); });
    const tabs = [page, await context.newPage(), await context.newPage()];
    const statuses = [];
    for (const tab of tabs) tab.on('response', (r) => { if (r.url().endsWith('/api/v1/auth/refresh')) statuses.push(r.status()); });
    await Promise.all(tabs.map((tab) => tab.goto(`${base}/contacts`)));
    await Promise.all(tabs.map((tab) => tab.waitForSelector('tr.contact')));
    for (const tab of tabs) assert.equal(new URL(tab.url()).pathname, '/contacts');
    assert.ok(statuses.length >= 1 && statuses.every((s) => s === 200), `refreshes: ${statuses}`);
    // The family is intact: one more renewal still works.
    await page.evaluate(() => { const s = JSON.parse(localStorage.getItem('crm.session')); s.expires_at = 0; localStorage.setItem('crm.session', JSON.stringify(s)); });
    await page.reload();
    await page.waitForSelector('tr.contact');
  });

  await check('Swagger UI renders under its own policy', async (page, context) => {
    const violations = await watchPolicy(context, page);
    const response = await page.goto(`${base}/api/docs/`);
    assert.match(response.headers()['content-security-policy'], /style-src 'self' 'unsafe-inline'/);
    await page.waitForSelector('.swagger-ui .info .title');
    await page.waitForSelector('.opblock-tag-section');
    assert.ok((await page.locator('.opblock').count()) > 50, 'the operations are listed');
    assert.deepEqual(violations, [], 'no content security policy violation');
  });
}
