// Browser tests of the knowledge base (知识库), run by spa.mjs with its
// server, browser and helpers: the service agent searches 退款 and sees the
// demo article with the word marked, writes an article and publishes it,
// votes; on a ticket the articles for its subject are offered and one is
// linked as the answer; the ticket form suggests articles as the subject
// is typed; a rep reads but cannot write; the public FAQ answers without
// signing in; the knowledge base at 375 px.
import { join } from 'node:path';
import assert from 'node:assert/strict';

export async function articleTests({ check, login, api, base, shots }) {
  await check('knowledge base: the agent finds, writes, publishes and links articles', async (page) => {
    await login(page, 'service@demo.test', '/kb');
    await page.waitForSelector('#kb-articles tbody tr');
    await page.fill('#kb-search', '退款');
    await page.press('#kb-search', 'Enter');
    await page.waitForSelector('#kb-hits .kb-hit');
    assert.match(page.url(), /q=%E9%80%80%E6%AC%BE/);
    const found = await page.locator('#kb-hits .kb-hit-title').allInnerTexts();
    assert.ok(found.includes('如何申请退款流程'), found.join(' | '));
    assert.ok(!found.includes('快递破损怎么办') && !found.includes('登录后页面空白怎么办'), 'only articles with the word');
    assert.equal(await page.locator('#kb-hits .kb-hit').first().locator('mark').first().innerText(), '退款');

    // A new article, saved as a draft, then published from its page.
    await page.click('#new-article');
    await page.fill('#article-title', '浏览器测试：如何修改收货地址');
    await page.fill('#article-category', '物流');
    await page.fill('#article-body-input', '发货前可在订单详情页修改收货地址；已发货的订单请联系客服拦截。');
    await page.click('#article-save');
    await page.waitForSelector('#article[data-status="draft"]');
    const id = page.url().split('/kb/')[1];
    await page.click('#edit-article');
    await page.selectOption('#article-status', 'public');
    await page.click('#article-save');
    await page.waitForSelector('#article[data-status="public"]');
    await page.click('#vote-helpful');
    await page.waitForSelector('#voted');
    const saved = (await api(page, `/api/v1/articles/${id}`)).body;
    assert.equal(saved.helpful, 1);
    assert.ok(saved.views >= 1, 'opening the page counts a view');
    // A blank title is refused beside the field.
    await page.click('#edit-article');
    await page.fill('#article-title', '   ');
    await page.evaluate(() => document.querySelector('#article-title').removeAttribute('required'));
    await page.click('#article-save');
    await page.waitForSelector('#article-title-error:not(:empty)');
    await page.click('#article-cancel');

    // The ticket form suggests articles for the subject as it is typed.
    await page.goto(`${base}/tickets`);
    await page.click('#new-ticket');
    await page.fill('#ticket-subject', '客户想修改收货地址');
    await page.waitForSelector(`#kb-suggestions .kb-hit[data-id="${id}"]`);

    // On a demo ticket about a refund, the refund article is offered and linked.
    const ticket = (await api(page, `/api/v1/tickets?q=${encodeURIComponent('退货退款')}&limit=1`)).body.items[0];
    await page.goto(`${base}/tickets/${ticket.id}`);
    await page.waitForSelector('#ticket-kb-hits .kb-hit');
    const offered = page.locator('#ticket-kb-hits .kb-hit').filter({ hasText: '退款' }).first();
    const articleId = await offered.getAttribute('data-id');
    await offered.locator('.kb-link-article').click();
    await page.waitForSelector(`#linked-articles li[data-id="${articleId}"]`);
    const linked = (await api(page, `/api/v1/tickets/${ticket.id}/articles`)).body;
    assert.deepEqual(linked.map((a) => a.id), [articleId]);
    await page.click(`#linked-articles li[data-id="${articleId}"] .kb-unlink`);
    await page.waitForSelector(`#linked-articles li[data-id="${articleId}"]`, { state: 'detached' });
    await api(page, `/api/v1/articles/${id}`, { method: 'DELETE' });
  });

  await check('knowledge base: a rep reads internal articles but does not write; the public FAQ needs no sign-in', async (page) => {
    await login(page, 'rep1@demo.test', '/kb');
    await page.waitForSelector('#kb-articles tbody tr');
    assert.equal(await page.locator('#new-article').count(), 0);
    assert.equal(await page.locator('#kb-articles .article-draft').count(), 0, 'no drafts for a rep');
    const internal = (await api(page, '/api/v1/articles?status=internal&limit=1')).body.items[0];
    await page.goto(`${base}/kb/${internal.id}`);
    await page.waitForSelector('#article-body');
    assert.equal(await page.locator('#edit-article').count(), 0);
    const refused = await api(page, '/api/v1/articles', { method: 'POST', body: JSON.stringify({ title: 'x', category: 'x', body: 'x' }) });
    assert.equal(refused.status, 403);
    // The demo switches the FAQ on: public articles only, without a token.
    const faq = await page.evaluate(async () => (await fetch('/api/v1/public/demo/articles')).json());
    assert.ok(faq.length > 0 && faq.every((a) => !('status' in a)));
    const titles = faq.map((a) => a.title);
    assert.ok(titles.includes('如何申请退款流程') && !titles.includes(internal.title));
  });

  await check('knowledge base: the public FAQ page without signing in', async (page) => {
    await page.goto(`${base}/faq/demo`);
    await page.waitForSelector('#faq-articles .faq-article');
    const shown = await page.locator('#faq-articles summary').allInnerTexts();
    assert.ok(shown.some((t) => t.includes('如何申请退款流程')), shown.join(' | '));
    assert.ok(!shown.some((t) => t.includes('内部') || t.includes('草稿')), 'public articles only');
    await page.fill('#faq-search', '退款');
    await page.press('#faq-search', 'Enter');
    await page.waitForSelector('#faq-hits .kb-hit mark');
    // English readers get the English versions.
    await page.click('#language');
    await page.waitForSelector('#faq-articles summary:has-text("How to request a refund")');
    assert.equal(await page.evaluate(() => localStorage.getItem('crm.session')), null, 'nobody signed in');
    await page.goto(`${base}/faq/nobody`);
    await page.waitForSelector('#faq .error, #faq [role="alert"]');
  });

  await check('knowledge base at 375 px', async (page) => {
    await page.setViewportSize({ width: 375, height: 740 });
    await login(page, 'service@demo.test', `/kb?q=${encodeURIComponent('发票')}`);
    await page.waitForSelector('#kb-hits .kb-hit');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 1, `no sideways scroll at 375 px (${overflow})`);
    await page.screenshot({ path: join(shots, 'kb-375.png') });
  });
}
