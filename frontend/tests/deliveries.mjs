// Browser tests of scheduled e-mail (定时发送), run by spa.mjs with its
// server (mailing through the SMTP sink spa.mjs started), browser and
// helpers: a manager schedules a shared report monthly for themselves and
// a rep, sends it now, and each receives a mail with only their own rows
// and the workbook attached; pauses, edits and deletes the schedule; and
// saves the chart as a PNG.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { plainText } from './smtp.mjs';

export async function deliveryTests({ check, login, api, shots, smtp }) {
  await check('deliveries: a manager mails a shared report to a rep, who gets only their rows', async (page) => {
    await login(page, 'manager1@demo.test', '/reports');
    const users = (await api(page, '/api/v1/users')).body.items;
    const byEmail = (e) => users.find((u) => u.email === e);
    const [rep1, rep2] = [byEmail('rep1@demo.test'), byEmail('rep2@demo.test')];
    // A won deal each for rep1 and rep2, so both have rows.
    const stages = (await api(page, '/api/v1/pipelines')).body[0].stages;
    const won = stages.find((s) => s.kind === 'won').id;
    const customers = (await api(page, '/api/v1/customers?limit=100')).body.items;
    for (const rep of [rep1, rep2]) {
      const customer = customers.find((c) => c.owner_id === rep.id);
      assert.ok(customer, `${rep.email} owns a customer the manager sees`);
      const deal = await api(page, '/api/v1/deals', { method: 'POST', body: JSON.stringify({
        customer_id: customer.id, name: '定时发送测试', stage_id: won, owner_id: rep.id,
        amount: { amount_minor: 4_321_000, currency: 'CNY' } }) });
      assert.equal(deal.status, 201, JSON.stringify(deal.body));
    }
    const report = await api(page, '/api/v1/reports', { method: 'POST', body: JSON.stringify({
      name: '团队赢单', shared: true,
      spec: { object: 'deals', group_by: [{ field: 'owner' }], measure: { aggregate: 'sum', field: 'amount_minor' },
        filters: [{ field: 'status', op: 'eq', value: 'won' }], chart: 'bar' } }) });
    assert.equal(report.status, 201);
    await page.goto(page.url().replace(/\/reports.*$/, `/reports/${report.body.id}`));
    await page.waitForSelector('#report-chart canvas');
    // The chart as a picture.
    const [png] = await Promise.all([page.waitForEvent('download'), page.click('#report-export-png')]);
    assert.equal(png.suggestedFilename(), '团队赢单.png');
    assert.equal(readFileSync(await png.path()).subarray(1, 4).toString('latin1'), 'PNG');

    await page.click('#delivery-new');
    await page.waitForSelector('#delivery-form');
    assert.ok(await page.isHidden('#delivery-day'), 'a weekly schedule has no day of the month');
    await page.fill('#delivery-name', '团队赢单月报');
    await page.selectOption('#delivery-frequency', 'monthly');
    await page.selectOption('#delivery-day', '15');
    await page.selectOption('#delivery-hour', '9');
    assert.ok(await page.isHidden('#delivery-weekday'));
    assert.ok(await page.isChecked('#delivery-recipients input[data-user="' + users.find((u) => u.email === 'manager1@demo.test').id + '"]'), 'the manager receives it by default');
    await page.check(`#delivery-recipients input[data-user="${rep1.id}"]`);
    await page.click('#delivery-save');
    await page.waitForSelector('.delivery:has-text("团队赢单月报")');
    assert.match(await page.locator('.delivery').innerText(), /每月 15 日 09:00/);
    const saved = (await api(page, `/api/v1/deliveries?of=${report.body.id}`)).body.items;
    assert.equal(saved.length, 1);
    assert.deepEqual(saved[0].schedule, { frequency: 'monthly', hour: 9, weekday: null, day: 15 });
    assert.equal(saved[0].recipients.length, 2);
    assert.equal(new Date(saved[0].next_run_at).getUTCHours(), 1, '09:00 in Shanghai');

    const before = smtp.messages.length;
    await page.click('.delivery [data-act="send"]');
    for (let i = 0; i < 200 && smtp.messages.length < before + 2; i++) await page.waitForTimeout(100);
    const mails = smtp.messages.slice(before);
    assert.deepEqual(mails.map((m) => m.to.join()).sort(), ['manager1@demo.test', 'rep1@demo.test']);
    const text = (to) => plainText(mails.find((m) => m.to.includes(to)).raw);
    assert.ok(text('rep1@demo.test').includes(rep1.display_name), text('rep1@demo.test'));
    assert.ok(!text('rep1@demo.test').includes(rep2.display_name), 'rep1 does not see rep2\'s figures');
    assert.ok(text('manager1@demo.test').includes(rep2.display_name), 'the manager sees the team');
    for (const m of mails) assert.match(m.raw, /filename\*?[0-9*]*=.*\.xlsx|\.xlsx/, 'the workbook is attached');

    // Paused, then a CSV edit, then gone.
    await page.click('.delivery [data-act="toggle"]');
    await page.waitForSelector('.delivery:has-text("已暂停")');
    await page.click('.delivery [data-act="edit"]');
    await page.selectOption('#delivery-format', 'csv');
    await page.check('#delivery-active');
    await page.click('#delivery-save');
    await page.waitForSelector('.delivery:has-text("CSV")');
    assert.equal((await api(page, `/api/v1/deliveries/${saved[0].id}`)).body.format, 'csv');
    await page.screenshot({ path: join(shots, 'report-deliveries.png') });
    await page.click('.delivery [data-act="delete"]');
    await page.waitForFunction(() => document.querySelectorAll('.delivery').length === 0);
  });

  await check('deliveries: a rep mails themselves a dashboard every Monday, on a phone', async (page) => {
    await login(page, 'rep1@demo.test', '/dashboards');
    const board = await api(page, '/api/v1/dashboards', { method: 'POST', body: JSON.stringify({
      name: '我的周看板', layout: { widgets: [{ key: 'won', standard: 'won_this_month', width: 4, height: 1 }] } }) });
    assert.equal(board.status, 201, JSON.stringify(board.body));
    await page.goto(page.url().replace(/\/dashboards.*$/, `/dashboards/${board.body.id}`));
    await page.waitForSelector('#deliveries');
    await page.locator('#delivery-new').scrollIntoViewIfNeeded();
    await page.click('#delivery-new');
    // A private dashboard goes to its saver only: the only recipient offered.
    const offered = await page.locator('#delivery-recipients input[data-user]').count();
    assert.equal(offered, 1);
    await page.click('#delivery-save');
    await page.waitForSelector('.delivery:has-text("每周一 08:00")');
    const saved = (await api(page, `/api/v1/deliveries?of=${board.body.id}`)).body.items;
    assert.equal(saved[0].dashboard_id, board.body.id);
    assert.equal(saved[0].report_id, null);
    await page.screenshot({ path: join(shots, 'dashboard-deliveries-375.png'), fullPage: true });
  }, { width: 375, height: 800 });
}
