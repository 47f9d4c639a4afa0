// Browser tests of follow-ups and tasks (跟进记录 / 待办), run by spa.mjs
// with its server, browser and helpers: a rep logs a visit with its place,
// outcome and next step on a customer's timeline; creates a task and sees
// it in My tasks and in the top bar's reminder count; completes it and
// sees the count drop; a deal page logs a call; a lead and a contact get
// follow-ups from their lists; My tasks at 375 px.
import { join } from 'node:path';
import assert from 'node:assert/strict';

/** The reminder count the top bar shows, once it agrees with the API. */
async function reminderCount(page, api) {
  const until = await page.evaluate(() => { const d = new Date(); d.setHours(0, 0, 0, 0); d.setDate(d.getDate() + 1); return d.toISOString(); });
  const expected = (await api(page, `/api/v1/activities/reminders?until=${encodeURIComponent(until)}`)).body.due;
  await page.waitForFunction((n) => document.querySelector('#reminder-count')?.textContent.trim() === String(n), expected);
  return expected;
}

export async function taskTests({ check, login, api, base, shots }) {
  await check('tasks: a rep logs a visit, creates a task, sees it in My tasks and the reminder count, completes it', async (page) => {
    await login(page, 'rep1@demo.test');
    const customer = (await api(page, '/api/v1/customers?limit=1')).body.items[0];
    await page.goto(`${base}/customers/${customer.id}?tab=timeline`);
    const before = await reminderCount(page, api);

    // A visit: two clicks to open and pick the kind, then what happened.
    await page.click('#log-follow-up');
    await page.click('.kind-chips [data-kind="visit"]');
    await page.fill('#fu-location', '杭州市西湖区文三路 90 号');
    await page.fill('#fu-outcome', '客户认可方案');
    await page.fill('#fu-next-step', '周五前发正式报价');
    await page.click('#fu-save');
    const visit = page.locator('#timeline .tl-entry[data-type="activity"]', { hasText: '杭州市西湖区文三路 90 号' }).first();
    await visit.waitFor();
    assert.match(await visit.innerText(), /拜访[\s\S]*结果：客户认可方案[\s\S]*下一步：周五前发正式报价/);
    const logged = (await api(page, `/api/v1/activities?customer_id=${customer.id}&kind=visit&limit=1`)).body.items[0];
    assert.equal(logged.location, '杭州市西湖区文三路 90 号');
    assert.equal(logged.done, true);

    // A task due in an hour, high priority: the reminder count goes up without a reload.
    await page.click('#new-task');
    await page.fill('#fu-subject', '电话确认报价细节');
    // Due in an hour, but never past today's 23:59: a task due tomorrow is not
    // counted (CI once ran this at 23:30 and the hour crossed midnight).
    const due = await page.evaluate(() => {
      const end = new Date(); end.setHours(23, 59, 0, 0);
      const d = new Date(Math.min(Date.now() + 3600e3, end.getTime()));
      const p = (n) => String(n).padStart(2, '0');
      return { text: `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`, past: d.getTime() < Date.now() };
    });
    await page.fill('#fu-due', due.text);
    await page.selectOption('#fu-priority', 'high');
    await page.click('#fu-save');
    await page.waitForSelector('#follow-up-form', { state: 'detached' });
    const counted = await reminderCount(page, api);
    assert.equal(counted, before + 1, 'the new task is counted at once');
    await page.click('#reminders');
    await page.waitForSelector('#reminder-list .reminder:has-text("电话确认报价细节")');

    // My tasks: the task is under today (overdue if the day's last minute has begun), with its priority.
    await page.click('#reminders-all');
    await page.waitForURL(/\/tasks$/);
    const task = page.locator('.task', { hasText: '电话确认报价细节' });
    await task.waitFor();
    assert.equal(await task.getAttribute('data-priority'), 'high');
    const group = await task.evaluate((el) => el.closest('.task-group').id);
    assert.equal(group, due.past ? 'tasks-overdue' : 'tasks-today');
    await page.screenshot({ path: join(shots, 'my-tasks.png'), fullPage: true });

    // Reschedule in place, then complete: it leaves the list and the count drops.
    const tomorrowNoon = await page.evaluate(() => { const d = new Date(); d.setDate(d.getDate() + 1); const p = (n) => String(n).padStart(2, '0'); return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T12:00`; });
    await task.locator('.task-due-input').fill(tomorrowNoon);
    await task.locator('.task-move').click();
    await page.waitForFunction(() => [...document.querySelectorAll('.task')].some((t) => t.textContent.includes('电话确认报价细节') && !t.closest('#tasks-today')));
    assert.equal(await reminderCount(page, api), before, 'a task moved to tomorrow is not due today');
    await page.locator('.task', { hasText: '电话确认报价细节' }).locator('.task-done').check();
    await page.locator('.task', { hasText: '电话确认报价细节' }).waitFor({ state: 'detached' });
    const done = (await api(page, `/api/v1/activities?customer_id=${customer.id}&kind=task&done=true&limit=50`)).body.items;
    assert.ok(done.some((a) => a.subject === '电话确认报价细节' && a.done_at), 'completed on the server');
  });

  await check('tasks: a deal page logs a call with its outcome; bad input names the field', async (page) => {
    await login(page, 'rep1@demo.test');
    const deal = (await api(page, '/api/v1/deals?limit=1')).body.items[0];
    await page.goto(`${base}/deals/${deal.id}`);
    await page.click('#log-follow-up');
    await page.fill('#fu-outcome', '同意下周试用');
    await page.click('#fu-save');
    const entry = page.locator('#deal-activities .activity', { hasText: '同意下周试用' }).first();
    await entry.waitFor();
    assert.match(await entry.innerText(), /电话/, 'the subject defaults to the kind');

    await page.click('#log-follow-up');
    await page.click('.kind-chips [data-kind="visit"]');
    await page.fill('#fu-location', '地'.repeat(201));
    await page.click('#fu-save');
    await page.waitForSelector('#fu-location-error:not(:empty)');
  });

  await check('tasks: a rep logs follow-ups on a lead and a contact from their lists', async (page) => {
    await login(page, 'rep1@demo.test', '/leads');
    const lead = (await api(page, '/api/v1/leads?limit=1')).body.items[0];
    await page.locator(`tr.lead[data-id="${lead.id}"] button.follow`).click();
    await page.waitForSelector('#follow-panel');
    await page.click('.kind-chips [data-kind="call"]');
    await page.fill('#fu-outcome', '线索有采购意向');
    await page.click('#fu-save');
    await page.waitForSelector('#follow-recent .follow-item:has-text("线索有采购意向")');
    const onLead = (await api(page, `/api/v1/activities?lead_id=${lead.id}&limit=5`)).body.items;
    assert.ok(onLead.some((a) => a.outcome === '线索有采购意向' && a.kind === 'call'), JSON.stringify(onLead));
    // The form is empty again for the next one.
    assert.equal(await page.inputValue('#fu-outcome'), '');
    await page.click('#follow-close');
    await page.waitForSelector('#follow-panel', { state: 'detached' });

    await page.goto(`${base}/contacts`);
    const contact = page.locator('tr.contact').first();
    await contact.waitFor();
    const name = (await contact.locator('td').first().innerText()).trim();
    await contact.locator('button.follow').click();
    await page.waitForSelector('#follow-panel');
    await page.click('.kind-chips [data-kind="meeting"]');
    await page.fill('#fu-outcome', '联系人确认参会');
    await page.click('#fu-save');
    await page.waitForSelector('#follow-recent .follow-item[data-kind="meeting"]:has-text("联系人确认参会")');
    const contacts = (await api(page, `/api/v1/contacts?limit=25`)).body.items;
    const picked = contacts.find((c) => c.name === name);
    const onContact = (await api(page, `/api/v1/activities?contact_id=${picked.id}&limit=5`)).body.items;
    const logged = onContact.find((a) => a.outcome === '联系人确认参会');
    assert.ok(logged, JSON.stringify(onContact));
    assert.equal(logged.customer_id, picked.customer_id, 'a contact implies its customer');
  });

  await check('tasks: at 375 px My tasks and the follow-up form fit the screen', async (page) => {
    await login(page, 'rep1@demo.test', '/tasks');
    await page.waitForSelector('.task-groups, .tasks-page .empty');
    const customer = (await api(page, '/api/v1/customers?limit=1')).body.items[0];
    await page.goto(`${base}/tasks?customer_id=${customer.id}`);
    await page.waitForSelector('#task-customer-filter');
    await page.click('#new-task');
    await page.waitForSelector('#follow-up-form');
    const wide = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
    assert.equal(wide, false, 'nothing scrolls sideways');
    await page.screenshot({ path: join(shots, 'my-tasks-375.png'), fullPage: true });
  }, { width: 375, height: 740 });
}
