// Browser tests of the service desk (工单), run by spa.mjs with its server,
// browser and helpers: the service agent opens a ticket for a customer
// picked by search, finds it in the queue, adds an internal note, replies
// (first response met, the ticket opens), waits on the customer, resolves
// it and sees the queues follow; a rep sees the tickets of their own
// customers only, each on its customer's timeline; the queue and the
// ticket page at 375 px; tags and the workspace's ticket fields on the form
// and the ticket page.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import assert from 'node:assert/strict';

export async function ticketTests({ check, login, api, base, shots }) {
  await check('tickets: the service agent opens, answers, parks and resolves a ticket from the queue', async (page) => {
    await login(page, 'service@demo.test', '/tickets');
    await page.waitForSelector('#tickets .ticket');
    // The agent can step away from new tickets and come back.
    await page.waitForSelector('#duty-toggle[data-on-duty="true"]');
    await page.click('#duty-toggle');
    await page.waitForSelector('#duty-toggle[data-on-duty="false"]');
    await page.click('#duty-toggle');
    await page.waitForSelector('#duty-toggle[data-on-duty="true"]');
    // The demo queue is active tickets, with an SLA state on each row.
    assert.ok(await page.locator('#tickets .ticket .badge[class*="sla-"]').count() > 0, 'rows show an SLA state');
    const customer = (await api(page, '/api/v1/customers?limit=1')).body.items[0];

    await page.click('#new-ticket');
    await page.fill('#deal-customer-search', customer.name);
    await page.click(`.customer-option:has-text("${customer.name}")`);
    await page.fill('#ticket-subject', '收到的货物外包装破损');
    await page.selectOption('#ticket-type', 'return');
    await page.selectOption('#ticket-priority', 'high');
    await page.fill('#ticket-description', '客户来电：三箱中有一箱外包装破损，要求换货。');
    await page.click('#ticket-save');
    await page.waitForSelector('#ticket[data-status="new"]');
    const id = page.url().split('/tickets/')[1];
    await page.waitForSelector('.sla-clock[data-clock="tk-first-response"][data-state="on_track"], .sla-clock[data-clock="tk-first-response"][data-state="at_risk"]');

    // An internal note leaves it new; the reply opens it and meets the first response.
    await page.click('#compose-note');
    await page.fill('#reply-body', '已联系仓库核实库存');
    await page.click('#reply-send');
    await page.waitForSelector('#ticket-replies .reply.internal:has-text("已联系仓库核实库存")');
    await page.click('#compose-reply');
    await page.fill('#reply-body', '您好，已为您安排换货，三个工作日内送达。');
    await page.click('#reply-send');
    await page.waitForSelector('#ticket[data-status="open"]');
    await page.waitForSelector('.sla-clock[data-clock="tk-first-response"][data-state="met"]');

    // Waiting on the customer pauses the resolution clock; resolving meets it.
    await page.click('.status-move[data-to="pending"]');
    await page.waitForSelector('#ticket[data-status="pending"] .sla-clock[data-clock="tk-resolution"][data-state="paused"]');
    await page.click('.status-move[data-to="resolved"]');
    await page.waitForSelector('#ticket[data-status="resolved"] .sla-clock[data-clock="tk-resolution"][data-state="met"]');
    // The demo's rule sent it to the service team, whose only agent on duty took it.
    const saved = (await api(page, `/api/v1/tickets/${id}`)).body;
    assert.equal(saved.priority, 'high');
    assert.equal(saved.assignment_rule, '全部工单 → 客户服务部');
    await page.waitForSelector('#ticket-assignee:has-text("赵敏")');

    // Resolved tickets leave the active queue but are under 全部.
    await page.goto(`${base}/tickets?q=${encodeURIComponent('外包装破损')}`);
    await page.waitForSelector('#tickets .ticket, .tickets-page .empty');
    assert.equal(await page.locator(`#tickets .ticket[data-id="${id}"]`).count(), 0);
    await page.click('#ticket-queues [data-queue="all"]');
    await page.waitForSelector(`#tickets .ticket[data-id="${id}"][data-status="resolved"]`);
    assert.match(page.url(), /queue=all/);

    // Reopened, it is back in 我的工单.
    await page.click(`#tickets .ticket[data-id="${id}"] .ticket-link`);
    await page.click('.status-move[data-to="open"]');
    await page.waitForSelector('#ticket[data-status="open"]');
    await page.goto(`${base}/tickets?queue=mine`);
    await page.waitForSelector(`#tickets .ticket[data-id="${id}"]`);

    // The queue exports as it is filtered: CSV with the ticket in it.
    await page.goto(`${base}/tickets?queue=all&q=${encodeURIComponent('外包装破损')}`);
    await page.waitForSelector(`#tickets .ticket[data-id="${id}"]`);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export-csv')]);
    assert.equal(download.suggestedFilename(), 'tickets.csv');
    const csv = readFileSync(await download.path(), 'utf8');
    const lines = csv.trim().split(/\r?\n/);
    const shown = await page.locator('#tickets .ticket').count();
    assert.equal(lines.length, 1 + shown, 'the header and each ticket the search finds');
    assert.match(lines[0], /number/);
    assert.ok(lines.some((l) => l.startsWith(id) && l.includes('外包装破损')), 'the new ticket is exported');
  });

  await check('tickets: a rep sees only their own customers\' tickets and may not reassign them', async (page) => {
    await login(page, 'rep1@demo.test', '/tickets?queue=all');
    await page.waitForSelector('#tickets .ticket, .tickets-page .empty');
    const listed = (await api(page, '/api/v1/tickets?limit=10')).body.items;
    assert.ok(listed.length > 0, 'the demo gives rep1 some tickets');
    const me = (await api(page, '/api/v1/me')).body.user.id;
    for (const t of listed) {
      const customer = (await api(page, `/api/v1/customers/${t.customer_id}`)).body;
      assert.equal(customer.owner_id, me, `ticket #${t.number} is of a customer of theirs`);
    }
    const someone = (await api(page, '/api/v1/users?limit=200')).body.items.find((u) => u.email === 'rep2@demo.test');
    const refused = await api(page, `/api/v1/tickets/${listed[0].id}`, { method: 'PATCH', body: JSON.stringify({ assignee_id: someone.id }) });
    assert.equal(refused.status, 403);
    assert.equal(await page.locator('#export-csv').count(), 0, 'a rep may not export tickets');

    // The ticket is on its customer's timeline, linked to its page.
    const first = listed[0];
    await page.goto(`${base}/customers/${first.customer_id}?tab=timeline`);
    await page.waitForSelector('#timeline .tl-entry');
    const entry = page.locator(`#timeline .tl-entry[data-type="ticket"] a[href="/tickets/${first.id}"]`);
    for (let more = 0; (await entry.count()) === 0 && more < 40; more += 1) {
      const button = page.locator('#timeline-more');
      assert.ok(await button.count() > 0, `ticket #${first.number} is on the timeline`);
      const before = await page.locator('#timeline .tl-entry').count();
      await button.click();
      await page.waitForFunction((n) => document.querySelectorAll('#timeline .tl-entry').length > n, before);
    }
    assert.match(await entry.innerText(), new RegExp(`#${first.number} `));
    await entry.click();
    await page.waitForSelector(`#ticket[data-status="${first.status}"]`);
    assert.match(page.url(), new RegExp(`/tickets/${first.id}$`));
  });

  await check('tickets: at 375 px the queue and a ticket fit the screen', async (page) => {
    await login(page, 'service@demo.test', '/tickets');
    await page.waitForSelector('#tickets .ticket');
    let wide = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
    assert.equal(wide, false, 'the queue does not scroll sideways');
    await page.screenshot({ path: join(shots, 'tickets-375.png'), fullPage: true });
    await page.click('#tickets .ticket .ticket-link');
    await page.waitForSelector('#ticket-composer');
    wide = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
    assert.equal(wide, false, 'the ticket page does not scroll sideways');
    await page.screenshot({ path: join(shots, 'ticket-375.png'), fullPage: true });
  }, { width: 375, height: 740 });

  await check('tickets: an admin sets SLA targets, holidays and a make-up working day; a bad period is named', async (page) => {
    await login(page, 'admin@demo.test', '/settings/service');
    await page.waitForSelector('#service-settings');
    assert.equal(await page.inputValue('#hours-monday'), '09:00-12:00, 13:30-18:00');
    await page.fill('#sla-targets tr[data-priority="urgent"] .first-response', '20');
    await page.fill('#holidays', '2027-01-01\n2027-02-16, 2027-02-17');
    await page.fill('#workdays', '2027-02-07');
    await page.selectOption('#escalation', 'reassign');
    await page.click('#add-type');
    await page.locator('#ticket-types .ticket-type').last().locator('.type-key').fill('invoice');
    await page.locator('#ticket-types .ticket-type').last().locator('.type-name').fill('发票问题');
    await page.click('#service-settings-save');
    let saved;
    for (let i = 0; i < 50; i++) {
      saved = (await api(page, '/api/v1/service/settings')).body;
      if (saved.sla.urgent.first_response_minutes === 20) break;
      await page.waitForTimeout(100);
    }
    assert.equal(saved.sla.urgent.first_response_minutes, 20);
    assert.deepEqual(saved.calendar.holidays, ['2027-01-01', '2027-02-16', '2027-02-17']);
    assert.deepEqual(saved.calendar.workdays, ['2027-02-07']);
    assert.equal(saved.escalation, 'reassign');
    assert.deepEqual(saved.ticket_types.at(-1), { key: 'invoice', name: '发票问题' });

    // Agents: the service agent's capacity is raised; another user is put on duty.
    const agentRow = page.locator('#service-agents tr[data-email="service@demo.test"]');
    await agentRow.locator('.capacity').fill('40');
    await agentRow.locator('.save-agent').click();
    // The rep joins for returns and complaints only (skills read by rules that assign by skill).
    const rep = page.locator('#service-agents tr[data-email="rep4@demo.test"]');
    await rep.locator('.on-duty').check();
    await rep.locator('.capacity').fill('5');
    await rep.locator('.skill[data-skill="return"]').check();
    await rep.locator('.skill[data-skill="complaint"]').check();
    await rep.locator('.save-agent').click();
    let agents;
    for (let i = 0; i < 50; i++) {
      agents = (await api(page, '/api/v1/service/agents')).body;
      if (agents.length === 2 && agents.some((a) => a.capacity === 40)) break;
      await page.waitForTimeout(100);
    }
    assert.deepEqual(agents.map((a) => a.capacity).sort((x, y) => x - y), [5, 40]);
    assert.deepEqual(agents.find((a) => a.capacity === 5).skills, ['return', 'complaint']);
    assert.ok(agents.find((a) => a.capacity === 40).skills.includes('inquiry'), 'the demo agent handles every type');
    await page.locator('#service-agents').screenshot({ path: join(shots, 'service-agents.png') });

    // A period the server cannot read is refused and named; nothing changes.
    await page.fill('#hours-friday', '9:00-18:00');
    await page.click('#service-settings-save');
    await page.waitForSelector('#hours-error:has-text("friday")');
    assert.equal((await api(page, '/api/v1/service/settings')).body.calendar.hours.friday[0].start, '09:00');
  });

  await check('tickets: a service manager writes an assignment rule on the customer\'s region and value tier, moves it first, and the next such complaint is routed by it', async (page) => {
    // The most valuable customer in Guangdong, and its value tier.
    await login(page, 'admin@demo.test', '/settings/service');
    const top = (await api(page, '/api/v1/customers?region=440000&sort=-revenue&limit=1')).body.items[0];
    const m = (await api(page, `/api/v1/customers/${top.id}/profile`)).body.rfm?.m;
    const tier = { 5: 'top', 4: 'high', 3: 'mid', 2: 'low', 1: 'low' }[m] ?? 'none';
    await page.waitForSelector('#assignment-rules .assignment-rule');
    const before = await page.locator('#assignment-rules .assignment-rule').count();
    await page.click('#add-rule');
    const rule = page.locator('#assignment-rules .assignment-rule').last();
    await rule.locator('.rule-name').fill('广东重点客户投诉');
    await rule.locator('.rule-name').blur();
    await rule.locator('.rule-type[data-value="complaint"]').click();
    await page.locator('#assignment-rules .assignment-rule').last().locator('.rule-region-add').selectOption('440000');
    await page.locator('#assignment-rules .assignment-rule').last().locator(`.rule-tier[data-value="${tier}"]`).click();
    await page.locator('#assignment-rules .assignment-rule').last().locator('.rule-method').selectOption('least_open');
    for (let i = 0; i < before; i++) await page.locator('#assignment-rules .assignment-rule').nth(before - i).locator('.rule-up').click();
    const first = page.locator('#assignment-rules .assignment-rule').first();
    assert.equal(await first.locator('.rule-name').inputValue(), '广东重点客户投诉');
    await first.locator('.rule-region[data-code="440000"]').waitFor();
    await page.screenshot({ path: join(shots, 'assignment-rules.png'), fullPage: true });
    await page.click('#service-settings-save');
    let saved;
    for (let i = 0; i < 50; i++) {
      saved = (await api(page, '/api/v1/service/settings')).body;
      if (saved.assignment_rules[0]?.name === '广东重点客户投诉') break;
      await page.waitForTimeout(100);
    }
    const r = saved.assignment_rules[0];
    assert.deepEqual([r.name, r.ticket_types, r.region_codes, r.value_tiers, r.method, saved.assignment_rules.length],
      ['广东重点客户投诉', ['complaint'], ['440000'], [tier], 'least_open', before + 1]);
    const routed = await api(page, '/api/v1/tickets', { method: 'POST', body: JSON.stringify({ customer_id: top.id, subject: '到货破损，要求赔偿', ticket_type: 'complaint' }) });
    assert.equal(routed.status, 201);
    assert.equal(routed.body.assignment_rule, '广东重点客户投诉');
    // An inquiry of the same customer falls through to the next rules.
    const other = await api(page, '/api/v1/tickets', { method: 'POST', body: JSON.stringify({ customer_id: top.id, subject: '发票抬头', ticket_type: 'inquiry' }) });
    assert.notEqual(other.body.assignment_rule, '广东重点客户投诉');
    // Removing the rule again leaves the demo's rules as they were.
    await page.reload();
    await page.waitForSelector('#assignment-rules .assignment-rule');
    await page.locator('#assignment-rules .assignment-rule').first().locator('.remove-rule').click();
    await page.click('#service-settings-save');
    for (let i = 0; i < 50; i++) {
      saved = (await api(page, '/api/v1/service/settings')).body;
      if (saved.assignment_rules.length === before) break;
      await page.waitForTimeout(100);
    }
    assert.equal(saved.assignment_rules.length, before);
  });

  await check('tickets: the agent attaches a photo of the damage, downloads it intact, is refused an HTML file, removes the photo and sends a reply with a file', async (page) => {
    await login(page, 'service@demo.test', '/tickets');
    const ticket = (await api(page, '/api/v1/tickets?limit=1')).body.items[0];
    await page.goto(`${base}/tickets/${ticket.id}`);
    await page.waitForSelector('#ticket-attachments-card');
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000a49444154789c6300010000050001' + '0d0a2db40000000049454e44ae426082', 'hex');
    await page.setInputFiles('#attachment-file', { name: '破损照片.png', mimeType: 'image/png', buffer: png });
    const row = page.locator('#ticket-attachments .attachment[data-name="破损照片.png"]');
    await row.waitFor();
    assert.match(await row.innerText(), /赵敏/);
    const [download] = await Promise.all([page.waitForEvent('download'), row.locator('.download-attachment').click()]);
    assert.equal(download.suggestedFilename(), '破损照片.png');
    assert.deepEqual(readFileSync(await download.path()), png, 'the very bytes come back');
    // A file a browser would run is refused with the server's message, and not listed.
    await page.setInputFiles('#attachment-file', { name: 'page.html', mimeType: 'text/html', buffer: Buffer.from('<script>alert(1)</script>') });
    await page.locator('.toast.failure:has-text("page.html: content is not a file of an accepted type")').waitFor();
    assert.equal(await page.locator('#ticket-attachments .attachment[data-name="page.html"]').count(), 0);
    await page.screenshot({ path: join(shots, 'ticket-attachments.png'), fullPage: true });
    await row.locator('.remove-attachment').click();
    await page.waitForSelector('#no-attachments');
    // A reply carries a file chosen in the composer, shown and downloadable with it.
    await page.setInputFiles('#reply-file', { name: '换货单.png', mimeType: 'image/png', buffer: png });
    await page.waitForSelector('#reply-files .attachment[data-name="换货单.png"]');
    await page.fill('#reply-body', '您好，换货单见附件。');
    await page.click('#reply-send');
    const sent = page.locator('#ticket-replies .reply .reply-files .attachment[data-name="换货单.png"]');
    await sent.waitFor();
    const [again] = await Promise.all([page.waitForEvent('download'), sent.locator('.download-attachment').click()]);
    assert.deepEqual(readFileSync(await again.path()), png, 'the reply\'s file comes back intact');
    await page.screenshot({ path: join(shots, 'ticket-reply-file.png'), fullPage: true });
  });

  await check('tickets: the agent opens a return with its order number and a tag, then corrects both on the ticket page', async (page) => {
    await login(page, 'service@demo.test', '/tickets');
    await page.waitForSelector('#tickets .ticket');
    const customer = (await api(page, '/api/v1/customers?limit=1')).body.items[0];
    const tags = (await api(page, '/api/v1/tags')).body.items;
    const escalated = tags.find((t) => t.name === '升级处理');
    assert.ok(escalated, 'the demo has the desk tag 升级处理');
    await page.click('#new-ticket');
    await page.fill('#deal-customer-search', customer.name);
    await page.click(`.customer-option:has-text("${customer.name}")`);
    await page.fill('#ticket-subject', '退货申请：型号与订单不符');
    await page.selectOption('#ticket-type', 'return');
    // The workspace's ticket field (订单号) and tags are on the form.
    await page.fill('#cf-order_no', 'SO-20261205001');
    await page.press('#cf-order_no', 'Tab');
    await page.check('#ticket-tag-picker input[data-tag="升级处理"]');
    await page.click('#ticket-save');
    await page.waitForSelector('#ticket[data-status="new"]');
    const id = page.url().split('/tickets/')[1];
    await page.waitForSelector('#ticket-tags .tag:has-text("升级处理")');
    await page.waitForSelector('#ticket-custom-fields .field[data-key="order_no"]:has-text("SO-20261205001")');
    // The queue filters by tag, in the URL.
    await page.goto(`${base}/tickets?queue=all`);
    await page.waitForSelector('#tickets .ticket');
    await page.selectOption('#filter-tag', escalated.id);
    await page.waitForSelector(`#tickets .ticket[data-id="${id}"]`);
    assert.match(page.url(), new RegExp(`tag_id=${escalated.id}`));
    // The unfiltered list also shows the new ticket first, so wait for the filtered answer to
    // replace it: every listed row is a tagged ticket.
    const tagged = (await api(page, `/api/v1/tickets?tag_id=${escalated.id}&limit=200`)).body.items.map((t) => t.id);
    assert.ok(tagged.includes(id), 'the new ticket carries the tag');
    await page.waitForFunction((ids) => {
      const rows = [...document.querySelectorAll('#tickets .ticket')].map((e) => e.dataset.id);
      return rows.length > 0 && rows.every((r) => ids.includes(r));
    }, tagged, { timeout: 10000 }).catch(() => {});
    const rows = await page.locator('#tickets .ticket').evaluateAll((els) => els.map((e) => e.dataset.id));
    assert.ok(rows.every((r) => tagged.includes(r)), 'only tagged tickets are listed');
    await page.goto(`${base}/tickets/${id}`);
    await page.waitForSelector('#ticket-extras-edit');

    // Corrected on the ticket page: another tag, the right order number.
    await page.click('#ticket-extras-edit');
    await page.uncheck('#ticket-tag-picker input[data-tag="升级处理"]');
    await page.check('#ticket-tag-picker input[data-tag="重点客户"]');
    await page.fill('#cf-order_no', 'SO-20261205002');
    await page.press('#cf-order_no', 'Tab');
    await page.screenshot({ path: join(shots, 'ticket-extras-edit.png'), fullPage: true });
    await page.click('#ticket-extras-save');
    await page.waitForSelector('#ticket-tags .tag:has-text("重点客户")');
    await page.waitForSelector('#ticket-custom-fields .field[data-key="order_no"]:has-text("SO-20261205002")');
    assert.equal(await page.locator('#ticket-tags .tag:has-text("升级处理")').count(), 0);
    const saved = (await api(page, `/api/v1/tickets/${id}`)).body;
    assert.deepEqual(saved.tags.map((t) => t.name), ['重点客户']);
    assert.deepEqual(saved.custom_fields, { order_no: 'SO-20261205002' });
    await page.screenshot({ path: join(shots, 'ticket-extras.png'), fullPage: true });
  });
}
