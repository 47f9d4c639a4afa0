// Browser tests of deals entered in the web app, run by spa.mjs with its
// server, browser and helpers: a rep creates a deal from a customer page,
// edits it, puts two products on it (the amount becomes their total), moves
// it from the deal page and marks it won, and their deals-won attainment
// grows; a lost mark asks
// why; a manager creates one from the kanban by searching the customer;
// the form at 375 px.
import { join } from 'node:path';
import assert from 'node:assert/strict';

export async function dealFormTests({ check, login, api, base, shots }) {
  await check('deals: a rep creates a deal on a customer, edits it, moves it and marks it won', async (page) => {
    await login(page, 'rep1@demo.test');
    const customer = (await api(page, '/api/v1/customers?limit=1')).body.items[0];
    await page.goto(`${base}/customers/${customer.id}`);
    await page.click('#new-deal');
    await page.fill('#deal-name', '浏览器新建商机');
    await page.fill('#deal-amount', '12,345.60');
    await page.fill('#deal-close', '2027-03-31');
    await page.click('#deal-save');
    await page.waitForURL(/\/deals\/[0-9a-f-]{36}$/);
    await page.waitForSelector('#page-title:has-text("浏览器新建商机")');
    const id = page.url().split('/').pop();
    let deal = (await api(page, `/api/v1/deals/${id}`)).body;
    assert.equal(deal.customer_id, customer.id);
    assert.equal(deal.amount.amount_minor, 1234560);
    assert.equal(deal.expected_close_date, '2027-03-31');

    // Edit: a probability of one's own.
    await page.click('#deal-edit');
    await page.fill('#deal-probability', '35');
    await page.fill('#deal-name', '浏览器新建商机（改）');
    await page.click('#deal-save');
    await page.waitForSelector('#page-title:has-text("浏览器新建商机（改）")');
    deal = (await api(page, `/api/v1/deals/${id}`)).body;
    assert.equal(deal.probability, 35);

    // Two products on the deal: one at its list price, one at a typed price less a discount.
    const products = (await api(page, '/api/v1/products?limit=50&active=true')).body.items
      .filter((p) => p.price && p.price.currency === 'CNY');
    assert.ok(products.length >= 2, 'the demo has priced products');
    await page.click('#deal-lines-edit');
    const rows = page.locator('#deal-lines-form tr.form-line');
    await rows.nth(0).locator('.line-product').selectOption(products[0].id);
    await rows.nth(0).locator('.line-quantity').fill('2');
    await page.click('#deal-add-line');
    await rows.nth(1).locator('.line-product').selectOption(products[1].id);
    await rows.nth(1).locator('.line-quantity').fill('1.5');
    await rows.nth(1).locator('.line-price').fill('1000');
    await rows.nth(1).locator('.line-discount').fill('100');
    await page.click('#deal-lines-save');
    await page.waitForSelector('#deal-lines tr.deal-line:nth-child(2)');
    const expected = products[0].price.amount_minor * 2 + 150000 - 10000;
    const lines = (await api(page, `/api/v1/deals/${id}/lines`)).body;
    assert.deepEqual(lines.lines.map((l) => l.product_id), [products[0].id, products[1].id]);
    assert.equal(lines.deal.amount.amount_minor, expected);
    await page.waitForFunction(
      (v) => document.querySelector('#deal-fields [data-key="field-amount"] dd')?.textContent.replace(/[^\d.]/g, '') === v,
      (expected / 100).toFixed(2),
    );
    await page.screenshot({ path: join(shots, 'deal-products.png'), fullPage: true });
    const quota = async () => {
      const items = (await api(page, '/api/v1/quotas?period=quarter')).body.items;
      const me = (await api(page, '/api/v1/me')).body.user;
      return items.find((a) => a.quota.metric === 'deals_won' && a.quota.user_id === me.id);
    };
    const before = await quota();

    // A move from the page, then won.
    const stages = (await api(page, '/api/v1/pipelines')).body.find((p) => p.id === deal.pipeline_id).stages;
    const second = stages.find((s) => s.kind === 'open' && s.id !== deal.stage_id);
    await page.selectOption('#deal-move', second.id);
    await page.waitForSelector(`#deal-stage:has-text("${second.name}")`);
    await page.click('#deal-won');
    const won = stages.find((s) => s.kind === 'won');
    await page.waitForSelector(`#deal-stage:has-text("${won.name}")`);
    deal = (await api(page, `/api/v1/deals/${id}`)).body;
    assert.equal(deal.stage_id, won.id);
    assert.ok(deal.closed_at, 'winning closes it');
    assert.equal(await page.locator('#stage-history tr.stage-change').count(), 3, 'opened, moved, won');
    // Won today: the rep's deals-won quota of this quarter counts it.
    assert.ok(before, 'the demo gives rep1 a deals-won quota');
    const after = await quota();
    assert.equal(after.actual - before.actual, 1);
    assert.ok(after.attainment > (before.attainment ?? 0));
  });

  await check('deals: marking lost asks why; a manager creates a deal from the kanban by searching the customer', async (page) => {
    await login(page, 'manager1@demo.test', '/deals');
    const customer = (await api(page, '/api/v1/customers?limit=1')).body.items[0];
    await page.click('#new-deal');
    await page.fill('#deal-name', '看板新建商机');
    await page.fill('#deal-amount', '8000');
    await page.fill('#deal-customer-search', customer.name.slice(0, 4));
    await page.locator('.customer-option', { hasText: customer.name }).first().click();
    await page.waitForSelector('#deal-customer-chosen');
    await page.click('#deal-save');
    await page.waitForURL(/\/deals\/[0-9a-f-]{36}$/);
    const id = page.url().split('/').pop();

    await page.click('#deal-lost');
    await page.waitForSelector('#deal-form #deal-lost-reason');
    await page.click('#deal-save');
    await page.waitForSelector('#deal-lost-reason-error:not(:empty)');
    await page.fill('#deal-lost-reason', '预算被砍');
    await page.click('#deal-save');
    await page.waitForSelector('#deal-form', { state: 'detached' });
    const deal = (await api(page, `/api/v1/deals/${id}`)).body;
    assert.equal(deal.lost_reason, '预算被砍');
    assert.ok(deal.closed_at);
  });

  await check('orders: a rep enters an order with two lines on a customer, the profile counts it at once, then edits its status', async (page) => {
    await login(page, 'rep1@demo.test');
    const customer = (await api(page, '/api/v1/customers?limit=1')).body.items[0];
    const before = (await api(page, `/api/v1/customers/${customer.id}/profile`)).body.order_count;
    const products = (await api(page, '/api/v1/products?limit=2&active=true')).body.items;
    await page.goto(`${base}/customers/${customer.id}?tab=orders`);
    await page.click('#new-order');
    await page.fill('#order-number', 'WEB-ORDER-1');
    const first = page.locator('#order-form .form-line').nth(0);
    await first.locator('.line-product').selectOption(products[0].id);
    await first.locator('.line-quantity').fill('2');
    await first.locator('.line-price').fill('100');
    await first.locator('.line-discount').fill('10.5');
    await page.click('#order-add-line');
    const second = page.locator('#order-form .form-line').nth(1);
    await second.locator('.line-product').selectOption(products[1].id);
    await second.locator('.line-quantity').fill('1.5');
    await second.locator('.line-price').fill('20');
    await page.click('#order-save');
    await page.waitForSelector('#order-form', { state: 'detached' });
    const row = page.locator('#orders tr.order', { hasText: 'WEB-ORDER-1' });
    await row.waitFor();
    assert.equal(await row.getAttribute('data-total'), String(20000 - 1050 + 3000), '2×100 − 10.50 + 1.5×20');
    const after = (await api(page, `/api/v1/customers/${customer.id}/profile`)).body.order_count;
    assert.equal(after, before + 1, 'the analytics see the order at once');

    await row.locator('.edit-order').click();
    await page.selectOption('#order-status', 'paid');
    await page.click('#order-save');
    await page.waitForSelector('#order-form', { state: 'detached' });
    await page.waitForSelector('#orders tr.order:has-text("WEB-ORDER-1") .badge.order-paid');
    const saved = (await api(page, `/api/v1/orders?customer_id=${customer.id}&limit=50`)).body.items.find((o) => o.external_id === 'WEB-ORDER-1');
    assert.equal(saved.status, 'paid');
    assert.equal(saved.lines.length, 2, 'an edit keeps the lines');
  });

  await check('orders: a product beyond the first page of the catalogue is found by search and ordered', async (page) => {
    await login(page, 'admin@demo.test');
    const customer = (await api(page, '/api/v1/customers?limit=1')).body.items[0];
    await page.goto(`${base}/customers/${customer.id}?tab=orders`);
    await page.click('#new-order');
    await page.waitForSelector('#order-form .form-line');
    // Made after the form loaded its choices: it is not among them until searched.
    const made = await api(page, '/api/v1/products', { method: 'POST', body: JSON.stringify({
      sku: 'SEARCH-ORDER-1', name: '搜索下单产品', price: { amount_minor: 12_300, currency: 'CNY' } }) });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    const line = page.locator('#order-form .form-line').nth(0);
    assert.equal(await line.locator(`.line-product option[value="${made.body.id}"]`).count(), 0);
    await page.fill('#order-product-search', 'SEARCH-ORDER');
    await page.press('#order-product-search', 'Enter');
    await line.locator(`.line-product option[value="${made.body.id}"]`).waitFor({ state: 'attached' });
    await line.locator('.line-product').selectOption(made.body.id);
    assert.equal(await line.locator('.line-price').inputValue(), '123.00', 'the list price fills in');
    await page.fill('#order-number', 'WEB-ORDER-SEARCH');
    await page.click('#order-save');
    await page.waitForSelector('#order-form', { state: 'detached' });
    const saved = (await api(page, `/api/v1/orders?customer_id=${customer.id}&limit=50`)).body.items.find((o) => o.external_id === 'WEB-ORDER-SEARCH');
    assert.equal(saved.lines[0].product_id, made.body.id);
  });

  await check('deals: at 375 px the deal form fits the screen', async (page) => {
    await login(page, 'rep1@demo.test', '/deals');
    await page.click('#new-deal');
    await page.waitForSelector('#deal-form');
    assert.equal(await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth), false, 'nothing scrolls sideways');
    await page.screenshot({ path: join(shots, 'deal-form-375.png'), fullPage: true });
  }, { width: 375, height: 740 });
}

export async function analyticsSettingsTests({ check, login, api }) {
  await check('settings › analytics: an admin changes the churn period; a bad currency names the field', async (page) => {
    await login(page, 'admin@demo.test', '/settings/analytics');
    const before = (await api(page, '/api/v1/analytics/settings')).body;
    await page.waitForSelector('#churn-days');
    assert.equal(await page.inputValue('#base-currency'), before.base_currency);
    await page.fill('#base-currency', 'XX');
    await page.click('#analytics-settings-save');
    await page.waitForSelector('#base-currency-error:not(:empty)');
    await page.fill('#base-currency', before.base_currency);
    await page.fill('#churn-days', '120');
    await page.click('#analytics-settings-save');
    for (let i = 0; i < 50 && (await api(page, '/api/v1/analytics/settings')).body.churn_after_days !== 120; i++) await page.waitForTimeout(100);
    assert.equal((await api(page, '/api/v1/analytics/settings')).body.churn_after_days, 120);
    await api(page, '/api/v1/analytics/settings', { method: 'PUT', body: JSON.stringify(before) });
  });
}
