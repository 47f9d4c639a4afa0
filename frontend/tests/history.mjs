// Browser tests of the change history (变更历史) on customer, contact and
// deal pages, and of Settings › 后台任务 Jobs; run by spa.mjs with its
// server, browser and helpers.
import { join } from 'node:path';
import assert from 'node:assert/strict';

export async function historyTests({ check, login, api, base, shots }) {
  await check('history: a rep sees who changed which field from what to what; a viewer sees the fields, not the values', async (page) => {
    await login(page, 'rep1@demo.test');
    const me = (await api(page, '/api/v1/me')).body.user;
    const customer = (await api(page, '/api/v1/customers?limit=1')).body.items[0];
    const phone = '+8613912345678';
    const changed = await api(page, `/api/v1/customers/${customer.id}`, { method: 'PATCH', headers: { 'If-Match': `"${customer.version}"` }, body: JSON.stringify({ phone, address: '深圳市南山区科技园' }) });
    assert.equal(changed.status, 200);

    await page.goto(`${base}/customers/${customer.id}`);
    await page.click('#tab-history');
    await page.waitForURL(/tab=history/);
    const latest = page.locator('.history-tab[data-entity="customer"] .hist-entry').first();
    await latest.waitFor();
    assert.equal(await latest.getAttribute('data-op'), 'update', 'newest first');
    assert.equal(await latest.locator('.hist-actor').innerText(), me.display_name);
    assert.match(await latest.locator('.hist-via').innerText(), /网页/);
    const row = latest.locator('tr[data-field="phone"]');
    assert.equal(await row.locator('th').innerText(), '电话', 'the field by its label');
    assert.equal(await row.locator('.hist-from').innerText(), customer.phone || '—');
    assert.equal(await row.locator('.hist-to').innerText(), phone);
    assert.equal(await latest.locator('tr[data-field="address"] .hist-to').innerText(), '深圳市南山区科技园');
    await page.screenshot({ path: join(shots, 'customer-history.png'), fullPage: true });

    await page.click('#user-menu');
    await page.click('#sign-out');
    // Sign-out ends on the login page; going elsewhere before it has would abort that navigation.
    await page.waitForURL(/\/login/);
    await page.waitForFunction(() => localStorage.getItem('crm.session') === null);
    await login(page, 'viewer@demo.test', `/customers/${customer.id}?tab=history`);
    const seen = page.locator('.history-tab .hist-entry').first();
    await seen.waitFor();
    assert.equal(await seen.locator('tr[data-field="phone"] th').innerText(), '电话');
    assert.match(await seen.innerText(), /无权查看变更值/);
    assert.equal(await seen.locator('.hist-to').count(), 0, 'no values without the audit grant');
  });

  await check('history: a deal page and a contact show their own changes', async (page) => {
    await login(page, 'admin@demo.test');
    const deal = (await api(page, '/api/v1/deals?limit=1')).body.items[0];
    const renamed = `${deal.name}（改）`;
    const patched = await api(page, `/api/v1/deals/${deal.id}`, { method: 'PATCH', headers: { 'If-Match': `"${deal.version}"` }, body: JSON.stringify({ name: renamed }) });
    assert.equal(patched.status, 200);
    await page.goto(`${base}/deals/${deal.id}`);
    const entry = page.locator('.history-tab[data-entity="deal"] .hist-entry').first();
    await entry.waitFor();
    assert.equal(await entry.locator('tr[data-field="name"] .hist-from').innerText(), deal.name);
    assert.equal(await entry.locator('tr[data-field="name"] .hist-to').innerText(), renamed);

    const contact = (await api(page, '/api/v1/contacts?limit=1')).body.items[0];
    await page.goto(`${base}/customers/${contact.customer_id}`);
    const item = page.locator('#contacts .contact', { hasText: contact.name }).first();
    await item.locator('.contact-history').click();
    await item.locator('.history-tab[data-entity="contact"] .hist-entry').first().waitFor();
    assert.match(await item.locator('.history-tab').innerText(), /创建记录/);
  });

  await check('settings › jobs: an admin lists background jobs by status and kind', async (page) => {
    await login(page, 'admin@demo.test', '/settings/users');
    const started = await api(page, '/api/v1/admin/backups', { method: 'POST', body: '{}' });
    assert.equal(started.status, 202);
    await page.click('a[href="/settings/jobs"]');
    await page.waitForSelector('#job-list tr.job');
    await page.selectOption('#job-kind', 'backup');
    // The backup runs in the server's workers: refresh until it is done.
    for (let i = 0; i < 50; i++) {
      if (await page.locator('#job-list tr.job[data-kind="backup"][data-status="done"]').count() > 0) break;
      await page.click('#job-refresh');
      await page.waitForTimeout(200);
    }
    const done = page.locator('#job-list tr.job[data-kind="backup"][data-status="done"]').first();
    await done.waitFor();
    assert.match(await done.innerText(), /工作区备份[\s\S]*已完成[\s\S]*1\/\d+/);
    assert.equal(await done.locator('.job-retry, .job-cancel').count(), 0, 'a finished job offers neither retry nor cancel');
    const kinds = await page.locator('#job-list tr.job').evaluateAll((rows) => [...new Set(rows.map((r) => r.dataset.kind))]);
    assert.deepEqual(kinds, ['backup'], 'the kind filter holds');
    await page.screenshot({ path: join(shots, 'settings-jobs.png') });
    await page.selectOption('#job-status', 'dead');
    const dead = await api(page, '/api/v1/admin/jobs?status=dead&kind=backup');
    await page.waitForFunction((n) => document.querySelectorAll('#job-list tr.job').length === n
      && [...document.querySelectorAll('#job-list tr.job')].every((r) => r.dataset.status === 'dead')
      && (n > 0 || document.querySelector('.empty')), dead.body.items.length);
  });
}
