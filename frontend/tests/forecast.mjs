// Browser tests of the sales forecast (销售预测), run by spa.mjs with its
// server, browser and helpers: a manager sees the team's figures per rep
// and the revenue forecast with its backtest, narrows to one team and
// steps to the previous quarter; sets and removes quotas; a rep sees their
// own row and quotas only, puts a deal in commit from the deal form, and
// winning it moves the closed-won figure; an admin edits a stage under
// Settings › 销售流程, adds one, moves it and retires it (a stage with
// deals on it is refused).
import { join } from 'node:path';
import assert from 'node:assert/strict';

/** The figure a tile shows, as a number (currency sign and separators dropped). */
async function tile(page, key) {
  const text = await page.locator(`#fc-tiles [data-key="${key}"] .kpi-value`).innerText();
  return Number(text.replace(/[^\d.-]/g, ''));
}

export async function forecastTests({ check, login, api, base, shots }) {
  await check('forecast: a manager sees the team per rep, the revenue forecast and its backtest', async (page) => {
    await login(page, 'manager1@demo.test', '/forecast');
    // Two deals of the team's customers due this quarter: one at commit, one early.
    const stages = (await api(page, '/api/v1/pipelines')).body[0].stages;
    const commit = stages.find((s) => s.forecast_category === 'commit');
    const early = stages.find((s) => s.forecast_category === 'pipeline');
    const customers = (await api(page, '/api/v1/customers?limit=50')).body.items.filter((c) => c.owner_id);
    const owners = [...new Set(customers.map((c) => c.owner_id))];
    assert.ok(owners.length >= 2, 'the manager sees customers of several reps');
    const close = new Date().toISOString().slice(0, 10);
    for (const [i, stage] of [commit, early].entries()) {
      const customer = customers.find((c) => c.owner_id === owners[i]);
      const made = await api(page, '/api/v1/deals', { method: 'POST', body: JSON.stringify({
        customer_id: customer.id, name: `预测测试 ${i}`, stage_id: stage.id,
        amount: { amount_minor: 1_000_000 * (i + 1), currency: 'CNY' }, expected_close_date: close }) });
      assert.equal(made.status, 201, JSON.stringify(made.body));
    }
    await page.goto(`${base}/forecast`);
    await page.waitForSelector('#fc-reps tbody tr.fc-rep');
    const answer = (await api(page, '/api/v1/forecast?period=quarter')).body;
    assert.equal(await page.locator('#fc-label').innerText(), answer.label);
    assert.equal(await page.locator('#fc-reps tbody tr.fc-rep').count(), answer.reps.length);
    assert.ok(answer.reps.length >= 2, 'the manager sees several reps');
    assert.equal(await tile(page, 'fc-closed'), Math.round(answer.total.closed_won_minor / 100));
    assert.equal(await tile(page, 'fc-weighted'), Math.round(answer.total.weighted_minor / 100));
    // The demo has three years of orders: a statistical forecast with its backtest.
    assert.ok(answer.revenue.expected_minor > 0);
    assert.match(await page.locator('#fc-backtest').innerText(), /Holt-Winters MASE [\d.]+，季节朴素 [\d.]+，误差低 \d+%/);
    await page.waitForSelector('#fc-chart canvas');
    await page.screenshot({ path: join(shots, 'forecast-manager.png'), fullPage: true });

    // One team, then the quarter before: both in the URL.
    const teams = (await api(page, '/api/v1/teams?limit=50')).body.items;
    await page.selectOption('#fc-team', teams[0].id);
    await page.waitForURL((u) => u.searchParams.get('team_id') === teams[0].id);
    const before = answer.label;
    await page.click('#fc-prev');
    await page.waitForFunction((l) => document.querySelector('#fc-label')?.textContent !== l, before);
    assert.ok(new URL(page.url()).searchParams.get('date'));
    await page.click('#fc-month');
    await page.waitForFunction(() => /^\d{4}-\d{2}$/.test(document.querySelector('#fc-label')?.textContent ?? ''));
  });

  await check('quotas: a manager sees the demo quotas with their attainment, sets one for a rep and removes it', async (page) => {
    await login(page, 'manager1@demo.test', '/forecast');
    await page.waitForSelector('#quota-table tr.quota');
    const answer = (await api(page, '/api/v1/quotas?period=quarter')).body;
    assert.equal(await page.locator('#quota-table tr.quota').count(), answer.items.length);
    // The demo gives each rep three quotas and each team one; the manager sees their subtree's.
    assert.ok(answer.items.length >= 4, `${answer.items.length} quotas`);
    const first = answer.items[0];
    const shown = (await page.locator('#quota-table tr.quota .quota-percent').first().innerText()).trim();
    if (first.attainment === null) assert.equal(shown, '—');
    else assert.ok(Math.abs(parseFloat(shown) - first.attainment * 100) < 0.1, `${shown} vs ${first.attainment}`);

    // A new-customers target of 7 for a rep of the team, for this month.
    await page.click('#fc-month');
    await page.waitForFunction(() => /^\d{4}-\d{2}$/.test(document.querySelector('#fc-label')?.textContent ?? ''));
    const users = (await api(page, '/api/v1/users?limit=100')).body.items;
    const rep = users.find((u) => u.email === 'rep2@demo.test');
    await page.selectOption('#quota-holder', `user:${rep.id}`);
    await page.selectOption('#quota-metric', 'new_customers');
    await page.fill('#quota-target', '7');
    await page.click('#quota-save');
    const row = page.locator('#quota-table tr.quota[data-metric="new_customers"]');
    await row.waitFor();
    assert.match(await row.innerText(), / \/ 7/);
    const month = (await api(page, '/api/v1/quotas?period=month')).body.items;
    assert.equal(month.filter((a) => a.quota.metric === 'new_customers' && a.quota.user_id === rep.id && a.quota.target === 7).length, 1);
    // A manager may not set their own.
    const me = (await api(page, '/api/v1/me')).body.user;
    await page.selectOption('#quota-holder', `user:${me.id}`);
    await page.fill('#quota-target', '3');
    await page.click('#quota-save');
    await page.waitForSelector('#quota-error');
    await row.locator('.remove-quota').click();
    await row.waitFor({ state: 'detached' });
  });

  await check('forecast: a rep sees their own row, and winning a deal moves closed won', async (page) => {
    await login(page, 'rep1@demo.test', '/forecast');
    await page.waitForSelector('#fc-tiles');
    const me = (await api(page, '/api/v1/me')).body.user;
    const answer = (await api(page, '/api/v1/forecast')).body;
    assert.ok(answer.reps.every((r) => r.owner_id === me.id), 'only their own deals');
    // Their own quotas, and no form to set any.
    await page.waitForSelector('#quota-table tr.quota');
    const quotas = (await api(page, '/api/v1/quotas')).body.items;
    assert.ok(quotas.length > 0 && quotas.every((a) => a.quota.user_id === me.id));
    assert.equal(await page.locator('#quota-form').count(), 0);
    const won = await tile(page, 'fc-closed');
    // Win one of their open deals, from its page.
    const deals = (await api(page, `/api/v1/deals?owner_id=${me.id}&limit=100`)).body.items;
    const pipelines = (await api(page, '/api/v1/pipelines')).body;
    const stages = new Map(pipelines.flatMap((p) => p.stages.map((s) => [s.id, s])));
    let open = deals.find((d) => stages.get(d.stage_id)?.kind === 'open');
    if (!open) {
      const customer = (await api(page, '/api/v1/customers?limit=1')).body.items[0];
      open = (await api(page, '/api/v1/deals', { method: 'POST', body: JSON.stringify({
        customer_id: customer.id, name: '赢单测试', amount: { amount_minor: 500_000, currency: 'CNY' } }) })).body;
    }
    assert.ok(open.id, 'rep1 has an open deal');
    await page.goto(`${base}/deals/${open.id}`);
    // First the rep's own forecast category on the open deal.
    await page.click('#deal-edit');
    await page.selectOption('#deal-forecast', 'commit');
    await page.click('#deal-save');
    await page.waitForSelector('#deal-form', { state: 'detached' });
    assert.equal((await api(page, `/api/v1/deals/${open.id}`)).body.forecast_category, 'commit');
    await page.click('#deal-won');
    const wonStage = pipelines.find((p) => p.id === open.pipeline_id).stages.find((s) => s.kind === 'won');
    await page.waitForSelector(`#deal-stage:has-text("${wonStage.name}")`);
    await page.goto(`${base}/forecast`);
    await page.waitForSelector('#fc-tiles');
    await page.waitForFunction(
      (w) => Number(document.querySelector('#fc-tiles [data-key="fc-closed"] .kpi-value')?.textContent.replace(/[^\d.-]/g, '')) > w,
      won,
    );
  }, { width: 375, height: 800 });

  await check('pipelines: an admin renames a stage, re-weights it and puts it in another forecast category; a won stage offers closed only', async (page) => {
    await login(page, 'admin@demo.test', '/settings/pipelines');
    const pipeline = (await api(page, '/api/v1/pipelines')).body[0];
    const stage = pipeline.stages.find((s) => s.kind === 'open' && s.forecast_category === 'pipeline');
    const row = page.locator(`tr.stage-row[data-stage="${stage.id}"]`);
    await row.waitFor();
    // A blank name is refused on the row.
    await row.locator('.stage-name').fill(' ');
    await row.locator('.stage-save').click();
    await row.locator('.stage-error').waitFor();
    await row.locator('.stage-name').fill(`${stage.name}（已核实）`);
    await row.locator('.stage-probability').fill('35');
    await row.locator('.stage-category').selectOption('best_case');
    await row.locator('.stage-save').click();
    await row.locator('.stage-error').waitFor({ state: 'detached' });
    const saved = (await api(page, '/api/v1/pipelines')).body[0].stages.find((s) => s.id === stage.id);
    assert.deepEqual([saved.name, saved.probability, saved.forecast_category], [`${stage.name}（已核实）`, 35, 'best_case']);
    // A won stage offers closed only.
    const won = pipeline.stages.find((s) => s.kind === 'won');
    assert.deepEqual(await page.locator(`tr.stage-row[data-stage="${won.id}"] .stage-category option`).evaluateAll((o) => o.map((x) => x.value)), ['closed']);
  });

  await check('pipelines: an admin adds a stage, moves it left and retires it; a stage with deals is refused', async (page) => {
    await login(page, 'admin@demo.test', '/settings/pipelines');
    const pipeline = (await api(page, '/api/v1/pipelines')).body[0];
    const card = page.locator(`.pipeline-card[data-pipeline="${pipeline.id}"]`);
    await card.locator('.new-stage-name').waitFor();
    const names = () => card.locator('tr.stage-row .stage-name').evaluateAll((i) => i.map((x) => x.value));
    // Added after the last open stage, before won and lost.
    await card.locator('.new-stage-name').fill('合同复核');
    await card.locator('.new-stage-kind').selectOption('open');
    await card.locator('.new-stage-probability').fill('80');
    await card.locator('.new-stage-add').click();
    await page.waitForFunction(() => [...document.querySelectorAll('tr.stage-row .stage-name')].some((i) => i.value === '合同复核'));
    const open = pipeline.stages.filter((s) => s.kind === 'open').map((s) => s.name);
    assert.deepEqual((await names()).slice(0, open.length + 1), [...open, '合同复核']);
    const added = (await api(page, '/api/v1/pipelines')).body[0].stages.find((s) => s.name === '合同复核');
    assert.deepEqual([added.position, added.forecast_category], [open.length, 'commit']);
    // The same name again is refused on the form.
    await card.locator('.new-stage-name').fill('合同复核');
    await card.locator('.new-stage-add').click();
    await card.locator('.new-stage-error').waitFor();
    // Moved one to the left.
    const row = card.locator(`tr.stage-row[data-stage="${added.id}"]`);
    await row.locator('.stage-left').click();
    await page.waitForFunction(
      ([n, at]) => [...document.querySelectorAll('tr.stage-row .stage-name')].map((i) => i.value).indexOf(n) === at,
      ['合同复核', open.length - 1],
    );
    const moved = (await api(page, '/api/v1/pipelines')).body[0].stages.find((s) => s.id === added.id);
    assert.equal(moved.position, open.length - 1);
    await page.screenshot({ path: join(shots, 'pipeline-editor.png'), fullPage: true });
    // A stage with deals on it is refused with the reason.
    const board = (await api(page, `/api/v1/pipelines/${pipeline.id}/kanban`)).body;
    const busy = board.columns.find((c) => c.count > 0 && c.stage.kind === 'open').stage;
    await card.locator(`tr.stage-row[data-stage="${busy.id}"] .stage-retire`).click();
    await page.locator('#confirm').click();
    await page.locator('.toast.failure').waitFor();
    assert.ok((await api(page, '/api/v1/pipelines')).body[0].stages.some((s) => s.id === busy.id));
    // The new, empty stage retires and leaves the board.
    await card.locator(`tr.stage-row[data-stage="${added.id}"] .stage-retire`).click();
    await page.locator('#confirm').click();
    await card.locator(`tr.stage-row[data-stage="${added.id}"]`).waitFor({ state: 'detached' });
    const after = (await api(page, '/api/v1/pipelines')).body[0].stages;
    assert.deepEqual(after.map((s) => s.id), pipeline.stages.map((s) => s.id));
    assert.deepEqual(after.map((s) => s.position), pipeline.stages.map((_, i) => i));
  });
}
