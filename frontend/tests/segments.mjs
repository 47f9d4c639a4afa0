// Browser tests of the Segments page (客户分群), run by spa.mjs with its
// server, browser and helpers: an admin creates, reads, exports, renames and
// deletes a segment; a sales rep reads segments but may not change them.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import assert from 'node:assert/strict';

/** An access token for a demo user, straight from the API. */
async function tokenOf(base, email) {
  const r = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ workspace: 'demo', email, password: 'demo-password' }),
  });
  assert.equal(r.status, 200, `${email} signs in`);
  return (await r.json()).access_token;
}

async function call(base, token, path, init = {}) {
  const r = await fetch(base + path, { ...init, headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' } });
  return { status: r.status, body: r.status === 204 ? null : await r.json() };
}

const digits = (text) => text.replace(/[^\d.]/g, '');

export async function segmentTests({ check, login, api, base, shots }) {
  await check('segments: an admin creates a segment, sees its members and portrait, exports, renames and deletes it', async (page) => {
    const name = '广东复购客户（浏览器测试）';
    const renamed = '广东复购客户（已改名）';
    await login(page, 'admin@demo.test', '/segments');
    await page.waitForSelector('#page-title:has-text("客户分群")');
    await page.waitForSelector('.nav-link[href="/segments"]:has-text("客户分群")');
    assert.match(await page.locator('.nav-link[aria-current="page"]').innerText(), /客户分群$/, 'the sidebar marks the page');

    // A bad value: the server's 422 shows beside its input and nothing is saved.
    await page.click('#new-segment');
    await page.waitForSelector('#segment-form');
    await page.waitForSelector('#seg-province option[value="440000"]', { state: 'attached' });
    await page.fill('#seg-name', name);
    await page.fill('#seg-description', '广东省内下过至少两单的客户');
    await page.selectOption('#seg-province', '440000');
    await page.fill('#seg-min-orders', '-1');
    await page.click('#seg-save');
    await page.waitForSelector('#seg-min-orders-error:not(:empty)');
    assert.match(await page.locator('#seg-min-orders-error').innerText(), /0/);
    assert.equal(await page.getAttribute('#seg-min-orders', 'aria-invalid'), 'true');
    assert.equal(await page.locator('#seg-name-error').innerText(), '', 'no error on a good field');
    assert.ok(!(await api(page, '/api/v1/segments')).body.items.some((s) => s.name === name), 'nothing saved');

    // Fixed, saved, listed and selected.
    await page.fill('#seg-min-orders', '2');
    await page.click('#seg-save');
    await page.waitForURL(/\/segments\?id=[0-9a-f-]{36}$/);
    await page.waitForSelector('.toast.success:has-text("已保存")');
    assert.equal(await page.locator('#segment-form').count(), 0, 'the form closes');
    const id = new URL(page.url()).searchParams.get('id');
    const segment = (await api(page, `/api/v1/segments/${id}`)).body;
    assert.deepEqual(segment.rules, { region: '440000', min_orders: 2 });
    assert.equal(segment.description, '广东省内下过至少两单的客户');
    assert.ok(segment.member_count > 0, `the segment has members (${segment.member_count})`);
    const row = page.locator(`#segment-list tr.saved-segment[data-key="${id}"]`);
    await row.waitFor();
    assert.match(await row.innerText(), /广东复购客户（浏览器测试）[\s\S]*广东省内下过至少两单的客户[\s\S]*广东省 · 订单 ≥ 2/);
    assert.equal(await row.getAttribute('class'), 'saved-segment selected');
    await page.waitForSelector(`#segment-title:has-text("${name}")`);
    assert.equal(await page.locator('#segment-rules').innerText(), '广东省 · 订单 ≥ 2');

    // Member count and the portrait's headline figures, as the API has them.
    await page.waitForSelector('#segment-figures dd');
    await page.waitForSelector('#segment-members tr.member');
    const portrait = (await api(page, `/api/v1/analytics/portrait?segment_id=${id}`)).body;
    const figures = await page.locator('#segment-figures div').allInnerTexts();
    assert.equal(figures.length, 6);
    const figure = (label) => digits(figures.find((f) => f.startsWith(label)) ?? '');
    assert.equal(figure('成员数'), String(segment.member_count));
    assert.equal(figure('购买客户'), String(portrait.buyers));
    assert.equal(figure('订单数'), String(portrait.orders));
    assert.equal(figure('消费总额'), String(Math.round(portrait.revenue_minor / 100)));
    assert.match(figures.find((f) => f.startsWith('流失率')), /\d+(\.\d)?%|—/);
    assert.match(await page.locator('#seg-dim-region').innerText(), /广东省\s+\d+\s+100%/);
    assert.ok(await page.locator('#seg-dim-industry tr.group').count() >= 1);
    // The members who spent most, all of them in Guangdong with two orders or more.
    const members = (await api(page, `/api/v1/customers?segment_id=${id}&limit=200&sort=-revenue`)).body.items;
    assert.equal(members.length, segment.member_count);
    assert.ok(members.every((c) => c.province_code === '440000' && c.metrics.order_count >= 2), 'members meet the rules');
    assert.equal(await page.locator('#segment-members tr.member').count(), Math.min(10, members.length));
    assert.equal(await page.locator('#segment-members tr.member a').first().innerText(), members[0].name);
    await page.screenshot({ path: join(shots, 'segments-1280.png'), fullPage: true });

    // The export: a CSV of exactly the members, fetched with the bearer token.
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#segment-export')]);
    assert.equal(download.suggestedFilename(), `${name}.csv`);
    const csv = readFileSync(await download.path(), 'utf8');
    assert.ok(csv.startsWith('\ufeffid,'), 'UTF-8 with a BOM, header first');
    const lines = csv.split(/\r?\n/).filter((l) => l.length > 0);
    assert.equal(lines.length, segment.member_count + 1);
    assert.ok(members.every((c) => csv.includes(c.id)), 'every member exported');

    // All members in the customer list, filtered by the segment.
    await page.click('#segment-customers');
    await page.waitForURL(/\/customers\?segment_id=/);
    await page.waitForSelector(`#segment-filter:has-text("${name}")`);
    await page.waitForFunction((n) => document.querySelectorAll('tr.customer').length === n, Math.min(25, members.length));
    await page.goBack();
    await page.waitForSelector(`#segment-title:has-text("${name}")`);

    // A refused write (403) is explained and the form stays open.
    await page.click('#edit-segment');
    await page.waitForSelector('#segment-form');
    assert.equal(await page.inputValue('#seg-name'), name);
    assert.equal(await page.inputValue('#seg-min-orders'), '2');
    assert.equal(await page.inputValue('#seg-province'), '440000');
    await page.fill('#seg-name', renamed);
    const refuse = (route) => (route.request().method() === 'PATCH'
      ? route.fulfill({ status: 403, contentType: 'application/problem+json', body: JSON.stringify({ type: 'about:blank', title: 'Forbidden', status: 403, detail: 'your role may not update segments' }) })
      : route.fallback());
    await page.route(`**/api/v1/segments/${id}`, refuse);
    await page.click('#seg-save');
    await page.waitForSelector('.toast.failure:has-text("你的角色不能修改客户分群")');
    await page.waitForSelector('#segment-form .error-box:has-text("Forbidden")');
    await page.unroute(`**/api/v1/segments/${id}`, refuse);

    // The rename, sent with If-Match; the rules stay as they were.
    await page.click('#seg-save');
    await page.waitForSelector(`#segment-title:has-text("${renamed}")`);
    await page.waitForSelector(`#segment-list tr[data-key="${id}"]:has-text("${renamed}")`);
    const after = (await api(page, `/api/v1/segments/${id}`)).body;
    assert.equal(after.name, renamed);
    assert.equal(after.version, segment.version + 1);
    assert.deepEqual(after.rules, segment.rules);

    // A taken name is a 409, shown beside the name.
    await page.click('#new-segment');
    await page.fill('#seg-name', renamed);
    await page.click('#seg-save');
    await page.waitForSelector('#seg-name-error:has-text("已被其他分群使用")');
    await page.click('#seg-cancel');
    assert.equal(await page.locator('#segment-form').count(), 0);

    // English labels, then back.
    await page.click('#language');
    await page.waitForSelector('#segment-rules:has-text("Guangdong · Orders ≥ 2")');
    await page.click('#language');
    await page.waitForSelector('#segment-rules:has-text("广东省 · 订单 ≥ 2")');

    // Deleted after a confirmation.
    await page.click('#delete-segment');
    await page.click('#confirm');
    await page.waitForURL(/\/segments$/);
    await page.waitForSelector('.toast.success:has-text("已删除")');
    await page.waitForSelector('#segment-hint');
    await page.waitForFunction((id) => !document.querySelector(`#segment-list tr[data-key="${id}"]`), id);
    assert.equal((await api(page, `/api/v1/segments/${id}`)).status, 404);
  });

  await check('segments at 375 px: a rep reads a segment of their own customers but cannot change it', async (page) => {
    const admin = await tokenOf(base, 'admin@demo.test');
    const created = await call(base, admin, '/api/v1/segments', { method: 'POST', body: JSON.stringify({ name: '复购客户（浏览器测试）', rules: { min_orders: 2 } }) });
    assert.equal(created.status, 201);
    const id = created.body.id;
    try {
      const everyone = (await call(base, admin, `/api/v1/segments/${id}`)).body.member_count;
      await login(page, 'rep1@demo.test', '/segments');
      const row = page.locator(`#segment-list tr.saved-segment[data-key="${id}"]`);
      await row.waitFor();
      assert.match(await row.innerText(), /订单 ≥ 2/);
      assert.equal(await page.locator('#new-segment').count(), 0, 'no create button');
      await row.locator('a').click();
      await page.waitForURL(/\/segments\?id=/);
      await page.waitForSelector('#segment-figures dd');
      const mine = (await api(page, `/api/v1/segments/${id}`)).body.member_count;
      assert.ok(mine > 0 && mine < everyone, `a rep counts only their own customers (${mine} of ${everyone})`);
      assert.equal(digits(await page.locator('#segment-figures dd').first().innerText()), String(mine));
      for (const button of ['#edit-segment', '#delete-segment', '#segment-export']) {
        assert.equal(await page.locator(button).count(), 0, `no ${button}`);
      }
      const denied = await api(page, `/api/v1/segments/${id}`, { method: 'DELETE' });
      assert.equal(denied.status, 403, 'the server refuses too');
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(width <= 375, `no horizontal scroll (width ${width})`);
      await page.screenshot({ path: join(shots, 'segments-375.png'), fullPage: true });
    } finally {
      await call(base, admin, `/api/v1/segments/${id}`, { method: 'DELETE' });
    }
  }, { width: 375, height: 740 });
}
