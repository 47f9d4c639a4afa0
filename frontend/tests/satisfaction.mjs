// Browser tests of satisfaction (满意度), run by spa.mjs with its server,
// browser and helpers: the service agent sends a CSAT survey for a closed
// ticket and copies the link; the customer answers it without signing in;
// the answer shows on the ticket and in the report, which groups by agent
// and lists the unhappy answer for follow-up; a survey mailed to the
// ticket's contact (or customer) through the sink spa.mjs starts links
// back to the server.
import assert from 'node:assert/strict';
import { plainText } from './smtp.mjs';

export async function satisfactionTests({ check, login, api, base, browser, smtp }) {
  await check('satisfaction: a survey link is answered without signing in and reaches the report', async (page) => {
    await login(page, 'service@demo.test', '/satisfaction');
    await page.waitForSelector('#satisfaction-total #csat-average');
    assert.notEqual(await page.locator('#csat-average').innerText(), '—', 'the demo has answers');
    await page.click('#satisfaction-by [data-by="agent"]');
    await page.waitForSelector('#satisfaction-rows tbody tr:has-text("赵敏")');
    assert.match(page.url(), /by=agent/);

    const ticket = (await api(page, '/api/v1/tickets?status=closed&limit=1')).body.items[0];
    await page.goto(`${base}/tickets/${ticket.id}`);
    await page.click('#send-csat');
    const link = await (await page.waitForSelector('#survey-link')).inputValue();
    assert.match(link, /\/survey\/[A-Za-z0-9_-]{40,}$/);

    const customer = await browser.newPage();
    try {
      await customer.goto(link);
      await customer.waitForSelector('#survey-scores [data-score="5"]');
      assert.equal(await customer.locator('#survey-scores .score').count(), 5);
      await customer.click('#survey-scores [data-score="1"]');
      await customer.fill('#survey-comment', '浏览器测试：等了太久');
      await customer.click('#survey-submit');
      await customer.waitForSelector('#survey-thanks');
      assert.equal(await customer.evaluate(() => localStorage.getItem('crm.session')), null, 'the customer is not signed in');
      // The link works once.
      await customer.goto(link);
      await customer.waitForSelector('#survey [role="alert"]');
    } finally {
      await customer.close();
    }
    await page.reload();
    await page.waitForSelector('#ticket-surveys .survey[data-score="1"]');
    // An unhappy answer is listed for follow-up, with its comment.
    await page.goto(`${base}/satisfaction`);
    await page.waitForSelector('#unhappy tbody tr:has-text("浏览器测试：等了太久")');
  });

  await check('satisfaction: the agent mails a survey to the ticket\'s contact and its link opens the survey', async (page) => {
    await login(page, 'service@demo.test', '/tickets');
    // A resolved or closed ticket whose contact or customer has an address.
    const tickets = [];
    for (const status of ['resolved', 'closed']) {
      tickets.push(...(await api(page, `/api/v1/tickets?status=${status}&limit=50`)).body.items);
    }
    let ticket = null;
    let to = null;
    for (const t of tickets) {
      const contact = t.contact_id ? (await api(page, `/api/v1/contacts/${t.contact_id}`)).body : null;
      const customer = (await api(page, `/api/v1/customers/${t.customer_id}`)).body;
      to = contact?.email || customer.email;
      if (to) { ticket = t; break; }
    }
    assert.ok(ticket, 'the demo has a finished ticket with someone to mail');
    await page.goto(`${base}/tickets/${ticket.id}`);
    const before = smtp.messages.length;
    await page.check('#survey-by-email');
    await page.click('#send-csat');
    await page.waitForSelector(`.toast:has-text("${to}")`);
    for (let i = 0; i < 200 && smtp.messages.length === before; i++) await page.waitForTimeout(100);
    const mail = smtp.messages.slice(before).find((m) => m.to.includes(to));
    assert.ok(mail, `a mail to ${to}`);
    const link = plainText(mail.raw).match(/http:\/\/127\.0\.0\.1:\d+\/survey\/[A-Za-z0-9_-]+/)?.[0];
    assert.ok(link && link.startsWith(base), `the mail links back to ${base}`);
    const customer = await browser.newPage();
    try {
      await customer.goto(link);
      await customer.waitForSelector('#survey-scores [data-score="5"]');
    } finally {
      await customer.close();
    }
  });

  await check('satisfaction: the boss maps the average CSAT by province', async (page) => {
    await login(page, 'admin@demo.test', '/distribution?measure=csat');
    await page.waitForSelector('#chart-title:has-text("满意度")');
    await page.waitForFunction(() => /^[1-5]\.\d$/.test(document.querySelector('#ranking tr.group td.num')?.textContent ?? ''));
    const scores = await page.locator('#ranking tr.group td.num').allInnerTexts();
    assert.ok(scores.every((v) => Number(v) >= 1 && Number(v) <= 5), `scores between 1 and 5: ${scores}`);
  });
}
