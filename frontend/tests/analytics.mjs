// Browser tests of the Analytics page's KPI, value, cohort, k-means and
// filter controls (客户分析), run by spa.mjs with its server, browser and
// helpers. Every figure checked is compared with what the API answers for
// the same question.
import { join } from 'node:path';
import assert from 'node:assert/strict';

/** An access token for a demo user, straight from the API. */
async function tokenOf(base, email) {
  const r = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ workspace: 'demo', email, password: 'demo-password' }),
  });
  assert.equal(r.status, 200, `${email} signs in`);
  return (await r.json()).access_token;
}

async function call(base, token, path) {
  const r = await fetch(base + path, { headers: { Authorization: `Bearer ${token}` } });
  assert.equal(r.status, 200, `${path} answers`);
  return r.json();
}

const digits = (text) => text.replace(/[^\d.]/g, '');
const chartOf = (page, id) => page.evaluate((id) => window.echarts?.getInstanceByDom(document.querySelector(id))?.getOption(), id);
const tile = (page, key) => page.locator(`#kpis .kpi-tile[data-key="${key}"] .kpi-value`);

/** Formats in the page's own Intl, as the app does. */
const formats = (page, values) => page.evaluate((values) => values.map(([kind, v]) => {
  if (v === null || v === undefined) return '—';
  switch (kind) {
    case 'count': return new Intl.NumberFormat('zh-CN').format(v);
    case 'money': return new Intl.NumberFormat('zh-CN', { style: 'currency', currency: 'CNY', maximumFractionDigits: 0, minimumFractionDigits: 0 }).format(v / 100);
    case 'compact': return new Intl.NumberFormat('zh-CN', { notation: 'compact', style: 'currency', currency: 'CNY' }).format(v / 100);
    case 'percent': return new Intl.NumberFormat('zh-CN', { style: 'percent', maximumFractionDigits: 1 }).format(v);
    case 'date': return new Date(`${v}T00:00:00`).toLocaleDateString('zh-CN', { year: 'numeric', month: 'short', day: 'numeric' });
    default: throw new Error(kind);
  }
}), values);

/** The KPI tiles' texts, and what they should say for the API's answer `k`. */
async function expectTiles(page, k) {
  const keys = ['active_buyers', 'new_buyers', 'revenue', 'revenue_per_buyer', 'repeat_purchase_rate', 'retention_rate', 'churn_rate', 'cac'];
  const expected = await formats(page, [
    ['count', k.active_buyers], ['count', k.new_buyers], ['money', k.revenue_minor], ['money', k.revenue_per_buyer_minor],
    ['percent', k.repeat_purchase_rate], ['percent', k.retention_rate], ['percent', k.churn_rate], ['money', k.cac_minor],
  ]);
  await page.waitForFunction(([keys, expected]) => keys.every((key, i) =>
    document.querySelector(`#kpis .kpi-tile[data-key="${key}"] .kpi-value`)?.textContent === expected[i]), [keys, expected])
    .catch(async () => {
      const shown = await page.locator('#kpis .kpi-tile .kpi-value').allInnerTexts();
      assert.deepEqual(shown, expected, 'the KPI tiles show the API\'s figures');
    });
}

/** The RFM segments' names in Chinese. */
const SEGMENTS = {
  champions: '重要价值客户', loyal: '忠诚客户', new: '新客户', potential_loyalists: '潜力客户',
  cant_lose: '重要挽留客户', at_risk: '流失风险客户', hibernating: '沉睡客户', lost: '已流失客户',
};

/**
 * The value panel against `/analytics/clv`'s answer `clv` and the churn rates
 * per segment `churn` (`/analytics/distribution`) for the same filters: the
 * headline is the total, the model line the method, one bar per segment in
 * the API's order, and the champions' bars (or the first segment's) show
 * their predicted value per buyer and churn rate. Returns that segment.
 */
async function expectValue(page, clv, churn) {
  const t = clv.total;
  assert.ok(t.buyers > 0, 'buyers with predictions');
  const [buyers, predicted, average, lost, lostShare, pAlive] = await formats(page, [
    ['count', t.buyers], ['money', t.predicted_12m_minor], ['money', t.average_predicted_12m_minor],
    ['count', t.likely_lost], ['percent', t.likely_lost / t.buyers], ['percent', t.average_p_alive],
  ]);
  const keys = ['buyers', 'predicted', 'average', 'likely_lost'];
  const expected = [buyers, predicted, average, `${lost} 位（${lostShare}）`];
  if (t.average_p_alive !== null) { keys.push('p_alive'); expected.push(pAlive); }
  await page.waitForFunction(([keys, expected]) => {
    const shown = [...document.querySelectorAll('#value-figures > div')];
    return shown.length === keys.length && shown.every((d, i) => d.dataset.key === keys[i] && d.querySelector('dd').textContent === expected[i]);
  }, [keys, expected]).catch(async () => {
    const shown = await page.locator('#value-figures dd').allInnerTexts();
    assert.deepEqual(shown, expected, 'the value headline is /analytics/clv\'s total');
  });
  const model = { bg_nbd_gamma_gamma: 'BG/NBD + Gamma-Gamma', run_rate: '按历史购买节奏估算' }[clv.method];
  assert.ok(model, `a model (${clv.method})`);
  await page.waitForSelector(`#clv-model:has-text("${model}")`);

  const names = clv.segments.filter((g) => g.buyers > 0).map((g) => SEGMENTS[g.segment]);
  const seg = clv.segments.find((g) => g.segment === 'champions') ?? clv.segments[0];
  const i = names.indexOf(SEGMENTS[seg.segment]);
  const value = Math.round(seg.average_predicted_12m_minor / 100);
  await page.waitForFunction(([names, i, value]) => {
    const o = window.echarts?.getInstanceByDom(document.querySelector('#value-chart'))?.getOption();
    return JSON.stringify(o?.yAxis[0].data) === JSON.stringify(names) && o.series[0].data[i]?.value === value;
  }, [names, i, value]).catch(async () => {
    const bars = await chartOf(page, '#value-chart');
    assert.deepEqual(bars?.yAxis[0].data, names, 'one bar per segment, largest predicted revenue first');
    assert.equal(bars.series[0].data[i].value, value, `predicted value per buyer of ${seg.segment}`);
  });
  const bars = await chartOf(page, '#value-chart');
  const [short, whole, segAlive] = await formats(page, [
    ['compact', seg.average_predicted_12m_minor], ['money', seg.average_predicted_12m_minor], ['percent', seg.average_p_alive]]);
  assert.equal(bars.series[0].data[i].label.formatter, short, 'the bar shows short money');
  assert.ok(bars.series[0].data[i].tooltip.formatter.includes(whole), `the tooltip shows ${whole}`);
  if (seg.average_p_alive !== null) assert.ok(bars.series[0].data[i].tooltip.formatter.includes(`平均存活概率: ${segAlive}`), 'and P(alive)');
  const rate = churn.groups.find((g) => g.key === seg.segment);
  assert.ok(rate, `a churn rate for ${seg.segment}`);
  assert.equal(bars.series[1].data[i].value, Math.round(rate.value * 1000) / 10, `churn rate of ${seg.segment}`);
  return seg;
}

/** The window of the same length just before `w` (YYYY-MM-DD strings). */
function previousWindow(w) {
  const day = 86400000;
  const from = Date.parse(`${w.from}T00:00:00Z`), to = Date.parse(`${w.to}T00:00:00Z`);
  const iso = (t) => new Date(t).toISOString().slice(0, 10);
  return { from: iso(from - (to - from) - day), to: iso(from - day) };
}

export async function analyticsTests({ check, login, api, base, shots }) {
  await check('analytics: KPI tiles and predicted value equal the API, the cohort revenue toggle, k-means features, filters', async (page) => {
    const kmeansRequests = [];
    page.on('request', (r) => { if (r.url().includes('/api/v1/analytics/kmeans')) kmeansRequests.push(new URL(r.url())); });
    await login(page, 'admin@demo.test', '/analytics');

    // KPI tiles: the API's figures for the last 12 months, and the change against the 12 months before.
    await page.waitForSelector('#kpis .kpi-tile[data-key="active_buyers"]');
    const kpis = (await api(page, '/api/v1/analytics/kpis')).body;
    assert.ok(kpis.active_buyers > 0 && kpis.revenue_minor > 0, 'the demo has buyers');
    assert.equal(kpis.cac_minor, null, 'no CAC without a cost');
    await expectTiles(page, kpis);
    assert.equal(await page.locator('#kpis .kpi-tile').count(), 8);
    const [from, to] = await formats(page, [['date', kpis.window.from], ['date', kpis.window.to]]);
    assert.ok((await page.locator('#kpi-window').innerText()).startsWith(`${from} – ${to}`), 'the period is shown');
    const before = previousWindow(kpis.window);
    const previous = (await api(page, `/api/v1/analytics/kpis?from=${before.from}&to=${before.to}`)).body;
    const [prevRevenue] = await formats(page, [['money', previous.revenue_minor]]);
    await page.waitForSelector(`#kpis .kpi-tile[data-key="revenue"] .kpi-before:has-text("上期 ${prevRevenue}")`);
    const change = await page.locator('#kpis .kpi-tile[data-key="revenue"] .change').innerText();
    const ratio = Math.abs(kpis.revenue_minor - previous.revenue_minor) / previous.revenue_minor;
    const [ratioText] = await formats(page, [['percent', ratio]]);
    assert.equal(change, `${kpis.revenue_minor >= previous.revenue_minor ? '↑' : '↓'} ${ratioText}`, 'revenue change against the period before');
    assert.equal(await page.locator('#kpis .kpi-tile[data-key="cac"] .kpi-before').innerText(), '填写获客费用后计算');

    // An acquisition spend (major units) gives CAC, from the API.
    await page.fill('#kpi-cost', '5000');
    await page.locator('#kpi-cost').dispatchEvent('change');
    await page.waitForURL(/cost=500000/);
    const withCost = (await api(page, '/api/v1/analytics/kpis?acquisition_cost_minor=500000')).body;
    assert.ok(withCost.cac_minor > 0);
    const [cac] = await formats(page, [['money', withCost.cac_minor]]);
    await page.waitForSelector(`#kpis .kpi-tile[data-key="cac"] .kpi-value:text-is("${cac}")`);

    // The last 90 days.
    await page.selectOption('#kpi-period', '90d');
    await page.waitForURL(/period=90d/);
    const [qFromDay, qToDay] = await page.evaluate(() => {
      const ymd = (d) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
      const from = new Date();
      from.setDate(from.getDate() - 89);
      return [ymd(from), ymd(new Date())];
    });
    const quarter = (await api(page, `/api/v1/analytics/kpis?from=${qFromDay}&to=${qToDay}&acquisition_cost_minor=500000`)).body;
    await expectTiles(page, quarter);
    const shownWindow = await page.locator('#kpi-window').innerText();
    const [qFrom] = await formats(page, [['date', quarter.window.from]]);
    assert.ok(shownWindow.startsWith(qFrom), `the 90-day window (${shownWindow})`);

    // Predicted value per RFM segment: the headline and the bars are /analytics/clv's figures.
    await page.waitForSelector('#value-chart canvas');
    const clv = (await api(page, '/api/v1/analytics/clv')).body;
    const churn = (await api(page, '/api/v1/analytics/distribution?dimension=rfm_segment&measure=churn_rate')).body;
    const champions = await expectValue(page, clv, churn);
    assert.equal(champions.segment, 'champions', 'the demo has champions');
    assert.equal(clv.segments[0].segment, 'champions', 'champions bring the most');
    assert.equal(await page.locator('#value-by-tier, #value-by-rfm').count(), 0, 'no grouping toggle: predictions are per RFM segment');
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(shots, 'analytics-kpis.png') });

    // The cohort matrix as revenue: a cell equals the API's revenue for it, as money.
    await page.waitForSelector('#cohort-chart canvas');
    const cohorts = (await api(page, '/api/v1/analytics/cohorts?months=12')).body;
    await page.click('#cohort-revenue');
    await page.waitForURL(/cohort=revenue/);
    await page.waitForSelector('#cohort-title:has-text("新客贡献销售额")');
    const y = cohorts.cohorts.findIndex((c) => c.customers > 0 && c.revenue_minor.length > 1 && c.revenue_minor[1] > 0);
    const at = y >= 0 ? [1, y] : [0, cohorts.cohorts.findIndex((c) => c.customers > 0)];
    const minor = cohorts.cohorts[at[1]].revenue_minor[at[0]];
    assert.ok(minor > 0, 'a cohort cell with revenue');
    await page.waitForFunction(() => /¥/.test(JSON.stringify(window.echarts.getInstanceByDom(document.querySelector('#cohort-chart')).getOption().series[1].data)));
    const matrix = await chartOf(page, '#cohort-chart');
    const cell = matrix.series[1].data.find((d) => d.value[0] === at[0] + 1 && d.value[1] === at[1]);
    const [whole, short] = await formats(page, [['money', minor], ['compact', minor]]);
    assert.equal(cell.value[2], minor / 100, 'the cell\'s value in yuan');
    assert.equal(cell.label.formatter, short, 'the cell shows short money');
    assert.ok(cell.tooltip.formatter.includes(whole), `the tooltip shows ${whole}`);
    // Hovering the cell shows the money in the tooltip.
    await page.locator('#cohort-chart').scrollIntoViewIfNeeded();
    const box = await page.locator('#cohort-chart').boundingBox();
    const [px, py] = await page.evaluate((p) => window.echarts.getInstanceByDom(document.querySelector('#cohort-chart')).convertToPixel({ seriesIndex: 1 }, p), [at[0] + 1, at[1]]);
    await page.mouse.move(box.x + px, box.y + py);
    await page.waitForFunction((w) => document.querySelector('#cohort-chart').innerText.includes(w), whole);
    await page.screenshot({ path: join(shots, 'analytics-cohort-revenue.png') });
    await page.click('#cohort-retention');
    await page.waitForURL((url) => !url.search.includes('cohort='));
    await page.waitForFunction(() => /%/.test(window.echarts.getInstanceByDom(document.querySelector('#cohort-chart')).getOption().series[1].data[0]?.label?.formatter ?? ''));

    // K-means: unchecking and checking features re-requests with them; the chart and table follow.
    await page.waitForSelector('#clusters tr.cluster');
    await page.click('#feature-longest_gap');
    await page.waitForURL(/features=recency,frequency,aov(&|$)/);
    await page.click('#feature-monetary');
    await page.waitForURL(/features=recency,frequency,aov,monetary/);
    await page.selectOption('#k', '3');
    await page.waitForURL(/k=3/);
    await page.waitForFunction(() => document.querySelectorAll('#clusters tr.cluster').length === 3
      && document.querySelectorAll('#clusters th').length === 3 + 4 && !document.querySelector('#kmeans').classList.contains('stale'));
    const last = kmeansRequests.at(-1);
    assert.equal(last.searchParams.get('features'), 'recency,frequency,aov,monetary', 'the request names the features');
    assert.equal(last.searchParams.get('k'), '3');
    assert.ok(kmeansRequests.some((u) => u.searchParams.get('features') === 'recency,frequency,aov'), 'each change re-requests');
    const km = (await api(page, '/api/v1/analytics/kmeans?k=3&features=recency,frequency,aov,monetary')).body;
    assert.deepEqual(km.features, ['recency', 'frequency', 'aov', 'monetary']);
    assert.match(await page.locator('#clusters thead').innerText(), /消费总额/);
    assert.doesNotMatch(await page.locator('#clusters thead').innerText(), /最长间隔/);
    await page.waitForFunction((n) => window.echarts.getInstanceByDom(document.querySelector('#kmeans-chart')).getOption().series.reduce((s, x) => s + x.data.length, 0) === n, km.points.length);
    assert.equal((await chartOf(page, '#kmeans-chart')).series.length, 3);
    // Two features without recency and AOV: the scatter plots those two.
    await page.goto(`${base}/analytics?features=frequency,monetary`);
    await page.waitForFunction(() => window.echarts?.getInstanceByDom(document.querySelector('#kmeans-chart'))?.getOption().xAxis[0].name === '购买频率（单/30天）');
    assert.equal((await chartOf(page, '#kmeans-chart')).yAxis[0].name, '消费总额（CNY）');
    assert.equal(await page.isDisabled('#feature-frequency'), true, 'the last two features stay');
    assert.equal(await page.isDisabled('#feature-recency'), false);
    await page.waitForSelector('#kmeans-candidates:has-text("轮廓系数")');
    const auto = (await api(page, '/api/v1/analytics/kmeans?features=frequency,monetary')).body;
    assert.match(await page.locator('#kmeans-candidates').innerText(), new RegExp(`k=${auto.k} [-\\d.]+ ✓`), 'the chosen k is marked');

    // A filter narrows every panel to what the API answers with it.
    await page.goto(`${base}/analytics`);
    await page.waitForSelector('#kpis .kpi-tile[data-key="active_buyers"]');
    const industries = (await api(page, '/api/v1/analytics/distribution?dimension=industry&measure=customers')).body.groups.filter((g) => g.key);
    let industry = null, narrowed = null;
    for (const g of industries) {
      const k = (await api(page, `/api/v1/analytics/kpis?industry=${g.key}`)).body;
      if (k.active_buyers > 0 && k.active_buyers < kpis.active_buyers) { industry = g.key; narrowed = k; break; }
    }
    assert.ok(industry, 'an industry with fewer buyers');
    await page.selectOption('#an-industry', industry);
    await page.waitForURL(new RegExp(`industry=${industry}`));
    await expectTiles(page, narrowed);
    const rfm = (await api(page, `/api/v1/analytics/rfm?industry=${industry}`)).body;
    await page.waitForFunction((n) => document.querySelector('#segments')?.closest('.card')?.querySelector('.hint-line')?.textContent.startsWith(`${n} 位购买客户`), rfm.buyers);
    const cohortsNarrow = (await api(page, `/api/v1/analytics/cohorts?months=12&industry=${industry}`)).body;
    await page.waitForFunction((sizes) => JSON.stringify(window.echarts.getInstanceByDom(document.querySelector('#cohort-chart')).getOption().series[0].data.map((d) => d.value[2])) === JSON.stringify(sizes), cohortsNarrow.cohorts.map((c) => c.customers));
    assert.ok(kmeansRequests.at(-1).searchParams.get('industry') === industry, 'k-means filtered too');
    const clvNarrow = (await api(page, `/api/v1/analytics/clv?industry=${industry}`)).body;
    assert.ok(clvNarrow.total.buyers < clv.total.buyers, 'fewer buyers predicted');
    await expectValue(page, clvNarrow, (await api(page, `/api/v1/analytics/distribution?dimension=rfm_segment&measure=churn_rate&industry=${industry}`)).body);
    // A segment's portrait keeps the filter.
    await page.click('#segments tr.segment a >> nth=0');
    await page.waitForURL(/segment=/);
    const segment = new URL(page.url()).searchParams.get('segment');
    const portrait = (await api(page, `/api/v1/analytics/portrait?rfm_segment=${segment}&industry=${industry}`)).body;
    await page.waitForFunction((n) => document.querySelector('#portrait-figures dd')?.textContent === n, String(portrait.customers));
    assert.match(page.url(), new RegExp(`industry=${industry}`));

    // An owner as well: the tiles follow; clearing the filters restores the first figures.
    const users = (await api(page, '/api/v1/users')).body.items;
    const rep = users.find((u) => u.email === 'rep1@demo.test');
    await page.selectOption('#an-owner', rep.id);
    await page.waitForURL(new RegExp(`owner_id=${rep.id}`));
    await expectTiles(page, (await api(page, `/api/v1/analytics/kpis?owner_id=${rep.id}&industry=${industry}`)).body);
    await page.screenshot({ path: join(shots, 'analytics-filtered.png'), fullPage: true });
    await page.click('#an-clear');
    await page.waitForURL((url) => !url.search.includes('industry=') && !url.search.includes('owner_id='));
    await expectTiles(page, kpis);
    // A team and a province.
    const team = (await api(page, '/api/v1/teams')).body.items[0];
    await page.selectOption('#an-team', team.id);
    await page.waitForURL(new RegExp(`team_id=${team.id}`));
    await expectTiles(page, (await api(page, `/api/v1/analytics/kpis?team_id=${team.id}`)).body);
    await page.selectOption('#an-region', '440000');
    await page.waitForURL(/region=440000/);
    await expectTiles(page, (await api(page, `/api/v1/analytics/kpis?team_id=${team.id}&region=440000`)).body);
    await page.click('#an-clear');
    await page.waitForURL((url) => !url.search.includes('team_id=') && !url.search.includes('region='));
    await expectTiles(page, kpis);
    for (const id of ['#an-owner', '#an-team', '#an-region', '#an-industry']) assert.equal(await page.inputValue(id), '', `${id} shows no filter`);

    // English labels, then back.
    await page.click('#language');
    await page.waitForSelector('#kpis h2:has-text("Key figures")');
    await page.waitForSelector('#kpis .kpi-tile[data-key="churn_rate"] .kpi-label:has-text("Churn rate")');
    await page.waitForFunction(() => window.echarts.getInstanceByDom(document.querySelector('#value-chart')).getOption().yAxis[0].data.includes('Champions'));
    await page.waitForSelector('#cohort-title:has-text("Retention by month of first order")');
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(shots, 'analytics-en.png') });
    await page.click('#language');
    await page.waitForSelector('#kpis h2:has-text("核心指标")');
  });

  await check('analytics at 375 px: a sales rep sees only their own figures', async (page) => {
    const admin = await tokenOf(base, 'admin@demo.test');
    const everyone = await call(base, admin, '/api/v1/analytics/kpis');
    await login(page, 'rep1@demo.test', '/analytics');
    await page.waitForSelector('#kpis .kpi-tile[data-key="active_buyers"]');
    const mine = (await api(page, '/api/v1/analytics/kpis')).body;
    assert.ok(mine.active_buyers > 0 && mine.active_buyers < everyone.active_buyers, `a rep counts their own buyers (${mine.active_buyers} of ${everyone.active_buyers})`);
    assert.ok(mine.revenue_minor < everyone.revenue_minor);
    await expectTiles(page, mine);
    // The value panel predicts the rep's own buyers only.
    const clv = (await api(page, '/api/v1/analytics/clv')).body;
    const adminClv = await call(base, admin, '/api/v1/analytics/clv');
    assert.ok(clv.total.buyers < adminClv.total.buyers && clv.total.predicted_12m_minor < adminClv.total.predicted_12m_minor,
      `a rep's predictions cover their own buyers (${clv.total.buyers} of ${adminClv.total.buyers})`);
    await expectValue(page, clv, (await api(page, '/api/v1/analytics/distribution?dimension=rfm_segment&measure=churn_rate')).body);
    const cohorts = (await api(page, '/api/v1/analytics/cohorts?months=12')).body;
    const adminCohorts = await call(base, admin, '/api/v1/analytics/cohorts?months=12');
    const total = (m) => m.cohorts.reduce((n, c) => n + c.customers, 0);
    assert.ok(total(cohorts) < total(adminCohorts));
    await page.waitForSelector('#cohort-chart canvas');
    await page.waitForFunction((n) => window.echarts.getInstanceByDom(document.querySelector('#cohort-chart')).getOption().series[0].data.reduce((s, d) => s + d.value[2], 0) === n, total(cohorts));
    assert.equal(await page.locator('#an-owner, #an-team').count(), 0, 'no owner or team filter for a rep, who reads only their own customers');
    await page.waitForSelector('#kmeans-chart canvas');
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 375, `no horizontal scroll (width ${width})`);
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(shots, 'analytics-rep-375.png'), fullPage: true });
  }, { width: 375, height: 740 });
}
