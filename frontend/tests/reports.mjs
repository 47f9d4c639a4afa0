// Browser tests of reports (报表), run by spa.mjs with its server, browser
// and helpers: a manager builds deals won by month by owner as a stacked
// bar, saves and shares it; a rep opens the shared report and sees only
// their own rows, cannot change it, and saves a copy; a standard report
// opens from the list.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The owner column (second) of the report table's body. */
async function ownerColumn(page) {
  return page.locator('#report-table tbody tr td:nth-child(2)').allInnerTexts();
}

export async function reportTests({ check, login, api, base, shots }) {
  let saved = null;
  await check('reports: a manager builds, previews and shares won deals by month and owner', async (page) => {
    await login(page, 'manager1@demo.test', '/reports');
    await page.waitForSelector('#standard-reports li');
    // The team wins a deal each: two reps' customers, a deal in the won stage.
    const stages = (await api(page, '/api/v1/pipelines')).body[0].stages;
    const won = stages.find((s) => s.kind === 'won').id;
    const customers = (await api(page, '/api/v1/customers?limit=100')).body.items;
    const reps = [...new Set(customers.map((c) => c.owner_id).filter(Boolean))].slice(0, 2);
    assert.equal(reps.length, 2, 'the manager sees two reps\' customers');
    for (const owner of reps) {
      const customer = customers.find((c) => c.owner_id === owner);
      const deal = await api(page, '/api/v1/deals', { method: 'POST', body: JSON.stringify({
        customer_id: customer.id, name: '报表浏览器测试', stage_id: won, owner_id: owner,
        amount: { amount_minor: 12_345_600, currency: 'CNY' } }) });
      assert.equal(deal.status, 201, JSON.stringify(deal.body));
    }
    await page.click('#report-new');
    await page.waitForURL(/\/reports\/new$/);
    await page.selectOption('#report-object', 'deals');
    await page.selectOption('#report-group-0', 'closed_at');
    await page.waitForSelector('#report-grain-0');
    await page.selectOption('#report-group-1', 'owner');
    await page.selectOption('#report-aggregate', 'sum');
    await page.waitForSelector('#report-measure-field');
    await page.click('#report-add-filter');
    await page.selectOption('#report-filter-field-0', 'status');
    await page.selectOption('#report-filter-op-0', 'eq');
    // Closed vocabularies are picked, in words.
    assert.ok((await page.locator('#report-filter-value-0 option').allInnerTexts()).includes('赢单'));
    await page.selectOption('#report-filter-value-0', 'won');
    await page.selectOption('#report-chart-kind', 'stacked_bar');
    await page.waitForSelector('#report-chart canvas');
    await page.waitForSelector('#report-table tbody tr');
    // The table shows what the API answers for the same definition, as this manager.
    const spec = {
      object: 'deals',
      group_by: [{ field: 'closed_at', grain: 'month' }, { field: 'owner' }],
      measure: { aggregate: 'sum', field: 'amount_minor' },
      filters: [{ field: 'status', op: 'eq', value: 'won' }],
      chart: 'stacked_bar',
    };
    const mine = (await api(page, '/api/v1/reports/run', { method: 'POST', body: JSON.stringify(spec) })).body;
    assert.ok(mine.rows.length > 0, 'the demo has won deals');
    await page.waitForFunction((n) => document.querySelectorAll('#report-table tbody tr').length === n, mine.rows.length);
    const names = new Set(await ownerColumn(page));
    assert.ok(names.size >= 2, `a manager sees the team's reps: ${[...names]}`);
    await page.fill('#report-name', '浏览器测试：赢单按月按人');
    await page.check('#report-shared');
    await page.click('#report-save');
    await page.waitForURL(/\/reports\/[0-9a-f-]{36}$/);
    saved = page.url().split('/').pop();
    await page.screenshot({ path: join(shots, 'report-builder.png') });
  });

  await check('reports: a rep runs the shared report over their own deals only and saves a copy', async (page) => {
    assert.ok(saved, 'the previous check saved a report');
    await login(page, 'rep1@demo.test', '/reports');
    await page.click(`#saved-reports a[href="/reports/${saved}"]`);
    await page.waitForSelector('#report-table tbody tr');
    const me = (await api(page, '/api/v1/me')).body.user.display_name;
    const names = new Set(await ownerColumn(page));
    assert.deepEqual([...names], [me], 'only the rep\'s own rows');
    assert.equal(await page.locator('#report-save').count(), 0, 'not theirs to change');
    assert.equal(await page.locator('#report-delete').count(), 0);
    // The rep's own figures as an Excel workbook.
    const [xlsx] = await Promise.all([page.waitForEvent('download'), page.click('#report-export-xlsx')]);
    assert.equal(xlsx.suggestedFilename(), 'report.xlsx');
    const bytes = readFileSync(await xlsx.path());
    assert.equal(bytes.subarray(0, 2).toString('latin1'), 'PK', 'a zip (xlsx) file, bytes intact');
    await page.click('#report-save-copy');
    await page.waitForURL((url) => url.pathname.startsWith('/reports/') && !url.pathname.endsWith(saved));
    await page.waitForSelector('#report-save');
    assert.match(await page.inputValue('#report-name'), /副本/);
    // The rep's copy is private: the manager does not see it.
    const copy = page.url().split('/').pop();
    const listed = (await api(page, '/api/v1/reports')).body.items.map((r) => r.id);
    assert.ok(listed.includes(copy) && listed.includes(saved));
  });

  let filed = null;
  await check('reports: a manager files a report in a folder and shares it with their team only', async (page) => {
    await login(page, 'manager1@demo.test', '/reports');
    await page.click('#standard-reports a[data-key="sales_by_rep_month"]');
    // The standard's own definition has arrived once its name shows.
    await page.waitForFunction(() => document.querySelector('#report-name')?.value !== '');
    await page.fill('#report-name', '浏览器测试：华东月报');
    await page.fill('#report-folder', '华东周报');
    await page.click('#report-share summary');
    await page.check('#report-share input[data-share-team="华东大区 East China"]');
    await page.waitForSelector('#report-share summary:has-text("0 个角色，1 个团队")');
    await page.click('#report-save');
    await page.waitForURL(/\/reports\/[0-9a-f-]{36}$/);
    filed = page.url().split('/').pop();
    const saved = (await api(page, `/api/v1/reports/${filed}`)).body;
    assert.equal(saved.folder, '华东周报');
    assert.equal(saved.shared, false);
    assert.equal(saved.share_teams.length, 1);
    // Its deliveries offer only who may see it: the East China team, not South China.
    await page.click('#delivery-new');
    await page.waitForSelector('#delivery-form');
    const offered = await page.locator('#delivery-form input[data-user]').evaluateAll((els) => els.map((e) => e.dataset.user));
    const users = (await api(page, '/api/v1/users?limit=100')).body.items;
    const id = (email) => users.find((u) => u.email === email).id;
    assert.ok(offered.includes(id('rep1@demo.test')) && offered.includes(id('rep2@demo.test')), `${offered}`);
    assert.ok(!offered.includes(id('rep3@demo.test')) && !offered.includes(id('viewer@demo.test')), `${offered}`);
    await page.goto(page.url().replace(/\/reports.*$/, '/reports'));
    await page.waitForSelector('#saved-reports h3[data-folder="华东周报"]');
    await page.screenshot({ path: join(shots, 'report-folders.png') });
  });

  await check('reports: the team sees the filed report in its folder on a phone; another team does not', async (page) => {
    assert.ok(filed, 'the previous check saved a report');
    await login(page, 'rep2@demo.test', '/reports');
    await page.waitForSelector('#saved-reports h3[data-folder="华东周报"]');
    await page.click(`#saved-reports a[href="/reports/${filed}"]`);
    await page.waitForSelector('#report-table tbody tr');
    assert.equal(await page.locator('#report-save').count(), 0, 'not theirs to change');
    await page.screenshot({ path: join(shots, 'report-shared-team-375.png') });
  }, { width: 375, height: 800 });

  await check('reports: another team neither lists nor opens the filed report', async (page) => {
    await login(page, 'rep3@demo.test', '/reports');
    await page.waitForSelector('#standard-reports li');
    const listed = (await api(page, '/api/v1/reports')).body.items.map((r) => r.id);
    assert.ok(!listed.includes(filed), 'South China does not see East China\'s report');
    assert.equal((await api(page, `/api/v1/reports/${filed}`)).status, 404);
  });

  await check('reports: deals by the customer\'s VIP level (a custom field), then one level\'s by tag', async (page) => {
    await login(page, 'manager1@demo.test', '/reports');
    await page.click('#report-new');
    await page.waitForSelector('#report-object');
    await page.selectOption('#report-object', 'deals');
    // The custom field is offered by its label.
    await page.waitForSelector('#report-group-0 option[value="custom.vip_level"]', { state: 'attached' });
    assert.ok((await page.locator('#report-group-0 option[value="custom.vip_level"]').innerText()).includes('VIP 等级'));
    await page.selectOption('#report-group-0', 'custom.vip_level');
    const spec = { object: 'deals', group_by: [{ field: 'custom.vip_level' }], measure: { aggregate: 'count' }, filters: [], chart: 'bar' };
    const answer = (await api(page, '/api/v1/reports/run', { method: 'POST', body: JSON.stringify(spec) })).body;
    const level = answer.rows.find((r) => r.keys[0] !== null)?.keys[0];
    assert.ok(['金卡', '银卡', '普通'].includes(level), JSON.stringify(answer.rows));
    await page.waitForSelector(`#report-table tbody td:has-text("${level}")`);
    assert.match(await page.locator('#report-table thead').innerText(), /VIP 等级/);
    // Only that level's customers' deals, by the customer's tag.
    await page.selectOption('#report-group-0', 'tag');
    await page.click('#report-add-filter');
    await page.selectOption('#report-filter-field-0', 'custom.vip_level');
    await page.selectOption('#report-filter-op-0', 'eq');
    await page.selectOption('#report-filter-value-0', level);
    const only = { ...spec, group_by: [{ field: 'tag' }], filters: [{ field: 'custom.vip_level', op: 'eq', value: level }] };
    const tagged = (await api(page, '/api/v1/reports/run', { method: 'POST', body: JSON.stringify(only) })).body;
    assert.ok(tagged.records > 0, 'the team has deals of customers at that level');
    await page.waitForFunction((t) => document.querySelector('#report-total')?.innerText === t, String(tagged.total));
    await page.screenshot({ path: join(shots, 'report-by-tag.png') });
  });

  await check('reports: customers on the map of China, and the map as a dashboard widget', async (page) => {
    await login(page, 'manager1@demo.test', '/reports');
    await page.click('#standard-reports a[data-key="customers_map"]');
    await page.waitForFunction(() => document.querySelector('#report-chart-kind')?.value === 'map');
    await page.waitForSelector('#report-chart canvas');
    await page.waitForSelector('#report-table tbody tr');
    assert.equal(await page.locator('.report-preview .error-box').count(), 0, 'the outline loaded and drew');
    await page.screenshot({ path: join(shots, 'report-map.png') });
    // Grouped by something else, the map is no longer offered.
    await page.selectOption('#report-group-0', 'industry');
    await page.waitForFunction(() => document.querySelector('#report-chart-kind')?.value === 'bar');
    assert.equal(await page.locator('#report-chart-kind option[value="map"]').count(), 0);
    const made = await api(page, '/api/v1/dashboards', { method: 'POST', body: JSON.stringify({ name: '地图看板',
      layout: { widgets: [{ key: 'map', standard: 'customers_map', width: 12, height: 3 }] } }) });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    await page.goto(page.url().replace(/\/reports.*$/, `/dashboards/${made.body.id}`));
    await page.waitForSelector('.widget[data-key="map"] .chart canvas');
    await page.screenshot({ path: join(shots, 'dashboard-map.png') });
  });

  await check('reports: a standard report opens from the list, as a pie, in English too', async (page) => {
    await login(page, 'admin@demo.test', '/reports');
    await page.click('#standard-reports a[data-key="lost_reasons"]');
    await page.waitForSelector('#report-chart canvas');
    await page.waitForSelector('#report-table tbody tr');
    assert.equal(await page.inputValue('#report-chart-kind'), 'pie');
    assert.equal(await page.inputValue('#report-name'), '输单原因');
    await page.click('#language');
    await page.waitForSelector('.report-form label:has-text("Group by")');
    assert.equal(await page.locator('#report-total').innerText(), String((await api(page, '/api/v1/reports/run', { method: 'POST', body: JSON.stringify({ object: 'deals', group_by: [{ field: 'lost_reason' }], measure: { aggregate: 'count' }, filters: [{ field: 'status', op: 'eq', value: 'lost' }], chart: 'pie' }) })).body.records));
  }, { width: 375, height: 800 });

  await check('reports: the sales funnel, counting distinct values, and the sales cycle', async (page) => {
    await login(page, 'admin@demo.test', '/reports');
    await page.click('#standard-reports a[data-key="pipeline_by_stage"]');
    await page.waitForFunction(() => document.querySelector('#report-chart-kind')?.value === 'funnel');
    await page.waitForSelector('#report-chart canvas');
    // How many different reps own an open deal in each stage.
    await page.selectOption('#report-aggregate', 'count_distinct');
    await page.selectOption('#report-measure-field', 'owner');
    const spec = { object: 'deals', group_by: [{ field: 'stage' }], measure: { aggregate: 'count_distinct', field: 'owner' },
      filters: [{ field: 'status', op: 'eq', value: 'open' }], chart: 'funnel' };
    const answer = (await api(page, '/api/v1/reports/run', { method: 'POST', body: JSON.stringify(spec) })).body;
    await page.waitForFunction((t) => document.querySelector('#report-total')?.innerText === t, String(answer.total));
    assert.match(await page.locator('#report-table thead').innerText(), /去重计数/);
    // The sales cycle in days, by rep.
    await page.goto(page.url().replace(/\/reports.*$/, '/reports'));
    await page.click('#standard-reports a[data-key="sales_cycle_by_rep"]');
    // The page draws the default definition until the standard one arrives.
    await page.waitForSelector('#report-table thead:has-text("销售周期（天）")');
    await page.waitForSelector('#report-table tbody tr');
    const cycles = await page.locator('#report-table tbody td:nth-child(2)').allInnerTexts();
    assert.ok(cycles.length > 0 && cycles.every((c) => /^[0-9]/.test(c)), `no deal closes before it opens: ${cycles}`);
  });
}
