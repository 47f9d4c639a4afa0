// Browser tests of dashboards (仪表盘), run by spa.mjs with its server,
// browser and helpers: a bar of customers by province opens the filtered
// customer list; a manager puts a shared report (deals won by month
// by owner, stacked bar) beside the built-in widgets, narrows the
// dashboard to one rep, rearranges and resizes, saves and shares it; the
// rep opens it and sees only their own figures; an order written through
// the API shows in this month's revenue by itself (live updates); an administrator
// makes a dashboard the sales role's home; the grid stacks at 375 px.
import assert from 'node:assert/strict';
import { join } from 'node:path';

/** The total a widget prints under its chart. */
async function widgetTotal(page, key) {
  const total = page.locator(`.widget[data-key="${key}"] .total`);
  await total.waitFor();
  return total.innerText();
}

const wonByMonthAndOwner = {
  object: 'deals',
  group_by: [{ field: 'closed_at', grain: 'month' }, { field: 'owner' }],
  measure: { aggregate: 'sum', field: 'amount_minor' },
  filters: [{ field: 'status', op: 'eq', value: 'won' }],
  chart: 'stacked_bar',
};

export async function dashboardTests({ check, login, api, shots }) {
  let board = null;
  let rep = null;
  await check('dashboards: a manager adds a shared report, filters by a rep, arranges and shares', async (page) => {
    await login(page, 'manager1@demo.test', '/dashboards');
    // The built-in dashboard: this month's numbers and the standard reports.
    await page.waitForSelector('.widget[data-key="won"] .report-number');
    assert.equal(await page.locator('#dashboard-grid .widget').count(), 8);
    // A bar of customers by province opens the customer list behind it.
    const provinces = page.locator('.widget[data-key="provinces"] .chart');
    await provinces.locator('canvas').waitFor();
    await provinces.scrollIntoViewIfNeeded();
    const rows = (await api(page, '/api/v1/dashboards/run', { method: 'POST', body: JSON.stringify({ standard: 'customers_by_province' }) })).body.rows;
    assert.ok(rows.length > 0, 'the demo has customers in provinces');
    const box = await provinces.boundingBox();
    // The first (largest) bar, just above the axis (grid: left 72, right 24, bottom 64).
    await page.mouse.click(box.x + 72 + (box.width - 96) / rows.length / 2, box.y + box.height - 64 - 4);
    await page.waitForURL(/\/customers\?region=\d{6}/);
    assert.ok(page.url().endsWith(`region=${rows[0].keys[0]}`), page.url());
    await page.goBack();
    // Two reps of the team win a deal each.
    const stages = (await api(page, '/api/v1/pipelines')).body[0].stages;
    const won = stages.find((s) => s.kind === 'won').id;
    const customers = (await api(page, '/api/v1/customers?limit=100')).body.items;
    const reps = [...new Set(customers.map((c) => c.owner_id).filter(Boolean))].slice(0, 2);
    assert.equal(reps.length, 2, 'the manager sees two reps\' customers');
    for (const [i, owner] of reps.entries()) {
      const customer = customers.find((c) => c.owner_id === owner);
      const deal = await api(page, '/api/v1/deals', { method: 'POST', body: JSON.stringify({
        customer_id: customer.id, name: '看板浏览器测试', stage_id: won, owner_id: owner,
        amount: { amount_minor: 10_000_000 * (i + 1), currency: 'CNY' } }) });
      assert.equal(deal.status, 201, JSON.stringify(deal.body));
    }
    [rep] = reps;
    const report = await api(page, '/api/v1/reports', { method: 'POST', body: JSON.stringify({
      name: '看板测试：赢单按月按人', spec: wonByMonthAndOwner, shared: true }) });
    assert.equal(report.status, 201, JSON.stringify(report.body));
    await page.reload();
    await page.waitForSelector('.widget[data-key="won"] .report-number');
    await page.click('#dashboard-edit');
    await page.selectOption('#dashboard-add', `r:${report.body.id}`);
    const added = '.widget[data-key="w1"]';
    await page.waitForSelector(`${added} canvas`);
    assert.equal(await page.locator(`${added} h3`).innerText(), '看板测试：赢单按月按人');
    // The widget's total is the team's, as the API answers this manager.
    const team = (await api(page, '/api/v1/dashboards/run', { method: 'POST', body: JSON.stringify({ report_id: report.body.id }) })).body;
    assert.equal(team.rows.length > 0, true);
    await page.waitForFunction((n) => document.querySelector('.widget[data-key="w1"] .widget-total')?.innerText.includes(`${n} `), team.records);
    // Narrowed to one rep, every widget runs again with the filter.
    await page.selectOption('#dashboard-owner', rep);
    const one = (await api(page, '/api/v1/dashboards/run', { method: 'POST', body: JSON.stringify({ report_id: report.body.id, filters: { owner: rep } }) })).body;
    assert.ok(one.total < team.total, 'one rep is less than the team');
    await page.waitForFunction((n) => document.querySelector('.widget[data-key="w1"] .widget-total')?.innerText.includes(`${n} `), one.records);
    await page.selectOption('#dashboard-owner', '');
    await page.selectOption('#dashboard-period', 'this_year');
    // Resized and moved first: by its buttons, then dragged onto the first widget.
    await page.click(`${added} [data-act="wider"]`);
    await page.click(`${added} [data-act="taller"]`);
    // HTML5 drag and drop, dispatched as the browser does (a synthetic mouse
    // drag scrolls the page mid-drag and starts it on another widget).
    const transfer = await page.evaluateHandle(() => new DataTransfer());
    await page.dispatchEvent(added, 'dragstart', { dataTransfer: transfer });
    await page.dispatchEvent('.widget[data-key="won"]', 'dragover', { dataTransfer: transfer });
    await page.dispatchEvent('.widget[data-key="won"]', 'drop', { dataTransfer: transfer });
    assert.equal(await page.locator('#dashboard-grid .widget').first().getAttribute('data-key'), 'w1');
    await page.fill('#dashboard-name', '浏览器测试看板');
    await page.check('#dashboard-shared');
    await page.click('#dashboard-save');
    await page.waitForURL(/\/dashboards\/[0-9a-f-]{36}$/);
    board = page.url().split('/').pop();
    const saved = (await api(page, `/api/v1/dashboards/${board}`)).body;
    assert.equal(saved.shared, true);
    assert.equal(saved.layout.widgets.length, 9);
    assert.deepEqual([saved.layout.widgets[0].key, saved.layout.widgets[0].width, saved.layout.widgets[0].height], ['w1', 7, 3]);
    assert.equal(saved.layout.filters.relative, 'this_year');
    await page.screenshot({ path: join(shots, 'dashboard.png'), fullPage: true });
  });

  await check('dashboards: a rep opens the shared dashboard and sees only their own figures; an order written through the API shows live', async (page) => {
    assert.ok(board, 'the previous check saved a dashboard');
    await login(page, 'rep1@demo.test', `/dashboards/${board}`);
    await page.waitForSelector('.widget[data-key="w1"] .total');
    const me = (await api(page, '/api/v1/me')).body.user.id;
    const widgets = (await api(page, `/api/v1/dashboards/${board}`)).body.layout;
    const mine = (await api(page, '/api/v1/dashboards/run', { method: 'POST', body: JSON.stringify({ report_id: widgets.widgets[0].report_id, filters: widgets.filters }) })).body;
    assert.ok(mine.rows.every((r) => r.keys[1] === me), 'the API answers the rep their own rows');
    await page.waitForFunction((n) => document.querySelector('.widget[data-key="w1"] .widget-total')?.innerText.includes(`${n} `), mine.records);
    assert.equal(await page.locator('#dashboard-save').count(), 0, 'not theirs to change');
    // An order written through the API: this month's revenue grows after a refresh.
    const before = await page.locator('.widget[data-key="revenue"] .figure').innerText();
    const customer = (await api(page, '/api/v1/customers?limit=1')).body.items[0];
    const product = (await api(page, '/api/v1/products?limit=1')).body.items[0];
    const today = new Date().toISOString().slice(0, 10);
    const order = await api(page, '/api/v1/orders', { method: 'POST', body: JSON.stringify({
      customer_id: customer.id, order_date: today, currency: 'CNY',
      lines: [{ product_id: product.id, quantity: 1, unit_price_minor: 8_888_800 }] }) });
    assert.equal(order.status, 201, JSON.stringify(order.body));
    // No reload, no click: the change arrives over /api/v1/live and only the
    // widgets over orders run again.
    await page.waitForFunction((b) => document.querySelector('.widget[data-key="revenue"] .figure')?.innerText !== b, before);
  });

  await check('dashboards: an administrator makes a dashboard the sales role\'s home', async (page) => {
    await login(page, 'admin@demo.test', '/dashboards');
    await page.waitForSelector('.widget[data-key="won"] .report-number');
    await page.click('#dashboard-edit');
    await page.fill('#dashboard-name', '销售首页看板');
    await page.check('#dashboard-shared');
    await page.check('#dashboard-roles input[data-role="sales"]');
    await page.click('#dashboard-save');
    await page.waitForURL(/\/dashboards\/[0-9a-f-]{36}$/);
    const id = page.url().split('/').pop();
    const home = (await api(page, `/api/v1/dashboards/${id}`)).body;
    assert.equal(home.default_roles.length, 1);
  });

  await check('dashboards: a rep lands on their role\'s home dashboard; the grid stacks at 375 px', async (page) => {
    await login(page, 'rep2@demo.test', '/dashboards');
    await page.waitForFunction(() => document.querySelector('#page-title')?.innerText === '销售首页看板');
    await page.waitForSelector('.widget[data-key="won"] .report-number');
    const boxes = await page.locator('#dashboard-grid .widget').evaluateAll((els) => els.slice(0, 2).map((e) => e.getBoundingClientRect().top));
    assert.ok(boxes[1] > boxes[0], 'widgets stack one under another');
  }, { width: 375, height: 800 });

  await check('dashboards: a bar of tickets by channel opens the ticket list behind it', async (page) => {
    await login(page, 'service@demo.test', '/dashboards');
    const spec = { object: 'tickets', group_by: [{ field: 'channel' }], measure: { aggregate: 'count' }, filters: [], chart: 'bar' };
    const report = await api(page, '/api/v1/reports', { method: 'POST', body: JSON.stringify({ name: '看板测试：工单渠道', spec }) });
    assert.equal(report.status, 201, JSON.stringify(report.body));
    const made = await api(page, '/api/v1/dashboards', { method: 'POST', body: JSON.stringify({ name: '服务看板',
      layout: { widgets: [{ key: 'channels', report_id: report.body.id, width: 12, height: 2 }] } }) });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    await page.goto(page.url().replace(/\/dashboards.*$/, `/dashboards/${made.body.id}`));
    const chart = page.locator('.widget[data-key="channels"] .chart');
    await chart.locator('canvas').waitFor();
    const rows = (await api(page, '/api/v1/dashboards/run', { method: 'POST', body: JSON.stringify({ report_id: report.body.id }) })).body.rows;
    assert.ok(rows.length > 0, 'the demo has tickets');
    const box = await chart.boundingBox();
    await page.mouse.click(box.x + 72 + (box.width - 96) / rows.length / 2, box.y + box.height - 64 - 4);
    await page.waitForURL(/\/tickets\?channel=/);
    const url = new URL(page.url());
    assert.equal(url.searchParams.get('channel'), rows[0].keys[0]);
    assert.equal(url.searchParams.get('queue'), 'all');
    const listed = (await api(page, `/api/v1/tickets?channel=${rows[0].keys[0]}&limit=200`)).body.items;
    assert.equal(listed.length, Math.min(rows[0].records, 200), 'the list holds the bar\'s tickets');
    await page.waitForSelector('#page-title');
  });
}
