// Browser tests of rep performance (销售业绩), run by spa.mjs with its
// server, browser and helpers: a manager reaches it from the menu, sees
// their subtree ranked by won revenue with the totals, the chart and the
// stage conversion, narrows to a team and steps back a quarter; a rep sees
// their own row only, and a deal they win shows at once. The home page (工作台)
// by role: a rep's tasks due today, their pipeline, quotas, forecast and
// row, each linking to the page behind it; a manager's team, an
// administrator's company, at 375 px too.
import { join } from 'node:path';
import assert from 'node:assert/strict';

/** A tile's figure as a number (currency sign and separators dropped). */
async function tile(page, key) {
  const text = await page.locator(`#pf-tiles [data-key="${key}"] .kpi-value`).innerText();
  return Number(text.replace(/[^\d.-]/g, ''));
}

export async function performanceTests({ check, login, api, base, shots }) {
  await check('performance: a manager sees the subtree ranked, the totals, the chart and the stage conversion', async (page) => {
    await login(page, 'manager1@demo.test', '/');
    await page.click('#sidebar a[href="/performance"]');
    await page.waitForSelector('#pf-reps tbody tr.pf-rep');
    const answer = (await api(page, '/api/v1/performance?period=quarter')).body;
    assert.equal(await page.locator('#pf-label').innerText(), answer.label);
    assert.ok(answer.reps.length >= 2, 'the manager sees several reps');
    assert.equal(await page.locator('#pf-reps tbody tr.pf-rep').count(), answer.reps.length);
    const won = await page.locator('#pf-reps tbody tr.pf-rep td[data-key="pf-won-revenue"]').allInnerTexts();
    const amounts = won.map((t) => Number(t.replace(/[^\d.-]/g, '')));
    assert.deepEqual(amounts, [...amounts].sort((a, b) => b - a), 'ranked by won revenue');
    assert.equal(await tile(page, 'pf-won-revenue'), Math.round(answer.total.won_revenue_minor / 100));
    assert.equal(await tile(page, 'pf-activities'), answer.total.activities);
    // The demo's deals have stage histories: the stages show flow, and a
    // won deal took days from its first stage.
    assert.ok(answer.stages.some((s) => s.entered > 0), JSON.stringify(answer.stages));
    assert.equal(await page.locator('#pf-stages tbody tr.pf-stage').count(), answer.stages.length);
    const firstStage = await page.locator('#pf-stages tbody tr.pf-stage >> nth=0').locator('td').allInnerTexts();
    assert.equal(firstStage[0], answer.stages[0].stage_name);
    assert.equal(Number(firstStage[1]), answer.stages[0].entered);
    if (answer.total.deals_won > 0) assert.ok(answer.total.average_cycle_days >= 0, 'won deals have a sales cycle');
    else assert.equal(answer.total.average_cycle_days, null);
    // The accuracy cell names last period's commit and what was won.
    const basis = await page.locator('#pf-reps tbody tr.pf-rep >> nth=0').locator('td[data-key="pf-commit-accuracy"]').getAttribute('title');
    const [commit, wonLast] = basis.split('→').map((part) => Number(part.replace(/[^\d]/g, '')));
    assert.equal(commit, Math.round(answer.reps[0].figures.last_commit_minor / 100), basis);
    assert.equal(wonLast, Math.round(answer.reps[0].figures.last_won_minor / 100), basis);
    await page.waitForSelector('#pf-chart canvas');
    await page.screenshot({ path: join(shots, 'performance-manager.png'), fullPage: true });

    // A team from the menu, then the quarter before: both in the URL.
    const teams = (await api(page, '/api/v1/teams?limit=50')).body.items;
    await page.selectOption('#pf-team', teams[0].id);
    await page.waitForURL((u) => u.searchParams.get('team_id') === teams[0].id);
    await page.click('#pf-prev');
    await page.waitForFunction((l) => document.querySelector('#pf-label')?.textContent !== l, answer.label);
    const url = new URL(page.url());
    assert.ok(url.searchParams.get('date'));
    assert.equal(url.searchParams.get('team_id'), teams[0].id);
    const shown = (await api(page, `/api/v1/performance?period=quarter&date=${url.searchParams.get('date')}&team_id=${teams[0].id}`)).body;
    await page.waitForFunction((n) => document.querySelectorAll('#pf-reps tbody tr.pf-rep').length === n, shown.reps.length);
  });

  await check('performance: a rep sees their own row, and a deal they win counts at once', async (page) => {
    await login(page, 'rep1@demo.test', '/performance');
    await page.waitForSelector('#pf-tiles');
    const me = (await api(page, '/api/v1/me')).body.user;
    const before = (await api(page, '/api/v1/performance')).body;
    assert.ok(before.reps.every((r) => r.owner_id === me.id), 'only their own row');
    const wonBefore = await tile(page, 'pf-won');
    assert.equal(wonBefore, before.total.deals_won);
    const stages = (await api(page, '/api/v1/pipelines')).body[0].stages;
    const customer = (await api(page, '/api/v1/customers?limit=1')).body.items[0];
    const made = await api(page, '/api/v1/deals', { method: 'POST', body: JSON.stringify({
      customer_id: customer.id, name: '业绩测试', stage_id: stages[0].id,
      amount: { amount_minor: 500_000, currency: 'CNY' } }) });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    const wonStage = stages.find((s) => s.kind === 'won');
    const moved = await api(page, `/api/v1/deals/${made.body.id}`, { method: 'PATCH', body: JSON.stringify({ stage_id: wonStage.id }) });
    assert.equal(moved.status, 200, JSON.stringify(moved.body));
    await page.reload();
    await page.waitForFunction((n) => {
      const v = document.querySelector('#pf-tiles [data-key="pf-won"] .kpi-value')?.textContent;
      return v !== undefined && Number(v) === n;
    }, wonBefore + 1);
    assert.equal(await page.locator('#pf-reps tbody tr.pf-rep').count(), 1);
  });

  await check('home: a rep sees their tasks due today, pipeline, quotas and forecast, each linking on', async (page) => {
    await login(page, 'rep1@demo.test', '/');
    const me = (await api(page, '/api/v1/me')).body.user;
    // A task due later today, assigned to the rep.
    // Today 23:00 in the browser's time zone (the page's notion of today).
    const due = await page.evaluate(() => { const d = new Date(); d.setHours(23, 0, 0, 0); return d.toISOString(); });
    const customer = (await api(page, '/api/v1/customers?limit=1')).body.items[0];
    const made = await api(page, '/api/v1/activities', { method: 'POST', body: JSON.stringify({
      kind: 'task', subject: '工作台待办', customer_id: customer.id, due_at: due, owner_id: me.id }) });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    await page.reload();
    await page.waitForSelector('#home-tasks .home-task');
    const until = await page.evaluate(() => new Date(new Date().setHours(24, 0, 0, 0)).toISOString());
    const reminders = (await api(page, `/api/v1/activities/reminders?until=${encodeURIComponent(until)}`)).body;
    assert.ok(reminders.items.some((a) => a.id === made.body.id) || reminders.due > 20, 'the new task is due today');
    assert.equal(Number(await page.locator('#home-due .kpi-value').innerText()), reminders.due);
    assert.equal(await page.locator('#home-tasks .home-task').count(), Math.min(6, reminders.items.length));
    // Their pipeline by stage: the counts of the kanban, their own deals only.
    const pipeline = (await api(page, '/api/v1/pipelines')).body[0];
    const board = (await api(page, `/api/v1/pipelines/${pipeline.id}/kanban?limit=1`)).body;
    await page.waitForSelector('#home-pipeline .home-stage');
    for (const column of board.columns.filter((c) => c.stage.kind === 'open')) {
      const count = await page.locator(`#home-pipeline .home-stage[data-stage="${column.stage.id}"] .home-stage-count`).innerText();
      assert.equal(Number(count), column.count, column.stage.name);
    }
    assert.match(await page.locator('#home-pipeline h2').innerText(), /我的/);
    // Quotas (the demo gives each rep three) and the forecast tiles.
    await page.waitForSelector('#home-quotas .home-quota');
    const quotas = (await api(page, '/api/v1/quotas?period=quarter')).body;
    assert.equal(await page.locator('#home-quotas .home-quota').count(), Math.min(6, quotas.items.length));
    const forecast = (await api(page, '/api/v1/forecast?period=quarter')).body;
    await page.waitForSelector('#home-forecast [data-key="fc-closed"]');
    const closed = await page.locator('#home-forecast [data-key="fc-closed"] .kpi-value').innerText();
    assert.equal(Number(closed.replace(/[^\d.-]/g, '')), Math.round(forecast.total.closed_won_minor / 100));
    await page.waitForSelector('#home-ranking tr.home-rep');
    assert.equal(await page.locator('#home-ranking tr.home-rep').count(), 1, 'a rep ranks themself only');
    // Every figure links on: the due count to My tasks, a stage to the board.
    await page.click('#home-due');
    await page.waitForURL((u) => u.pathname === '/tasks');
    await page.goBack();
    await page.click('#home-pipeline .home-stage >> nth=0');
    await page.waitForURL((u) => u.pathname === '/deals' && u.searchParams.get('pipeline') === pipeline.id);
  });

  await check('home: a manager sees the team, at 375 px too', async (page) => {
    await login(page, 'manager1@demo.test', '/');
    await page.waitForSelector('#home-ranking tr.home-rep');
    assert.match(await page.locator('#home-pipeline h2').innerText(), /团队/);
    const team = (await api(page, '/api/v1/performance?period=quarter')).body;
    assert.equal(await page.locator('#home-ranking tr.home-rep').count(), Math.min(5, team.reps.length));
    assert.ok(team.reps.length >= 2, 'the team has several reps');
    await page.setViewportSize({ width: 375, height: 800 });
    await page.reload();
    await page.waitForSelector('#home-quotas .home-quota');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `no sideways scrolling at 375 px (${overflow})`);
    await page.screenshot({ path: join(shots, 'home-manager-375.png'), fullPage: true });
  });

  await check('home: an administrator sees the company', async (page) => {
    await login(page, 'admin@demo.test', '/');
    await page.waitForSelector('#home-pipeline .home-stage');
    assert.match(await page.locator('#home-pipeline h2').innerText(), /全公司/);
    await page.screenshot({ path: join(shots, 'home-admin.png'), fullPage: true });
  });
}
