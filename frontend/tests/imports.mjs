// Browser tests of the CSV import wizard (导入), run by spa.mjs with its
// server, browser and helpers: an admin uploads a small customer file
// through the file input, checks the suggested mapping and the server's
// 422 beside the table, dry-runs it (nothing written), runs it, and
// downloads the refused rows; a sales rep may import customers but not products.
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';

const CSV = [
  '客户编号,客户名称,行业,省份,城市',
  'IMP-BT-1,导入测试深圳科技有限公司,信息技术,广东,深圳',
  'IMP-BT-2,导入测试杭州制造有限公司,制造业,浙江,杭州',
  'IMP-BT-3,导入测试南京贸易有限公司,,江苏,南京',
  'IMP-BT-4,导入测试广州咨询有限公司,信息技术,广东,广州',
  'IMP-BT-5,导入测试火星公司,火星业,广东,广州',
  'IMP-BT-6,导入测试错城公司,信息技术,广东,杭州',
].join('\n') + '\n';

const number = async (page, id) => Number((await page.locator(`#imp-n-${id}`).innerText()).replace(/[^\d]/g, ''));

export async function importTests({ check, login, api, base, shots }) {
  await check('imports: an admin uploads a CSV, maps it, dry-runs it, imports it and downloads the refused rows', async (page) => {
    const file = join(mkdtempSync(join(tmpdir(), 'crm-import-')), '客户导入.csv');
    writeFileSync(file, CSV);
    const mine = async () => (await api(page, `/api/v1/customers?q=${encodeURIComponent('导入测试')}&limit=50`)).body.items;

    await login(page, 'admin@demo.test', '/imports');
    await page.waitForSelector('#page-title:has-text("导入数据")');
    await page.waitForSelector('.nav-link[href="/imports"]:has-text("导入")');
    assert.equal(await page.isChecked('#imp-entity-customers'), true, 'customers by default');
    await page.setInputFiles('#imp-file', file);
    await page.waitForSelector('#imp-chosen:has-text("客户导入.csv")');
    await page.click('#imp-upload');
    await page.waitForURL(/\/imports\?id=[0-9a-f-]{36}$/);
    const id = new URL(page.url()).searchParams.get('id');

    // The mapping step: the file as read and the suggested fields.
    await page.waitForSelector('#imp-map-table tr.imp-column');
    assert.equal(await page.locator('#imp-encoding').innerText(), 'UTF-8');
    assert.equal(await page.locator('#imp-separator').innerText(), '逗号');
    const select = (column) => page.locator(`tr.imp-column[data-column="${column}"] select`);
    const expected = { 客户编号: 'external_id', 客户名称: 'name', 行业: 'industry', 省份: 'province', 城市: 'city' };
    for (const [column, field] of Object.entries(expected)) {
      assert.equal(await select(column).inputValue(), field, `${column} → ${field}`);
    }
    assert.match(await page.locator('tr.imp-column[data-column="客户名称"] .imp-samples').innerText(), /导入测试深圳科技有限公司[\s\S]*导入测试杭州制造有限公司[\s\S]*导入测试南京贸易有限公司/);
    assert.equal(await page.locator('tr.imp-column[data-column="客户名称"] .imp-sample').count(), 3, 'three sample values');
    assert.match(await select('客户名称').locator('option:checked').innerText(), /名称 \*/, 'required fields marked');
    assert.equal(await page.inputValue('#imp-mode'), 'upsert');
    assert.match(await page.locator('#imp-mode-help').innerText(), /外部编号/);
    await page.screenshot({ path: join(shots, 'imports-mapping.png'), fullPage: true });

    // A field filled twice: the server's 422 beside the column it names.
    await select('城市').selectOption('province');
    await page.click('#imp-dry-run');
    await page.waitForSelector('tr.imp-column.invalid .field-error:not(:empty)');
    assert.match(await page.locator('tr.imp-column.invalid .field-error').first().innerText(), /province/);
    await select('城市').selectOption('city');
    // Upsert without the external id: a 422 on the whole mapping.
    await select('客户编号').selectOption('');
    await page.click('#imp-dry-run');
    await page.waitForSelector('#imp-mapping-error:has-text("external_id")');
    await select('客户编号').selectOption('external_id');

    // The dry run: the report equals the server's, and nothing is written.
    await page.click('#imp-dry-run');
    await page.waitForSelector('#imp-status[data-status="checked"]');
    const checked = (await api(page, `/api/v1/imports/${id}`)).body;
    assert.equal(checked.dry_run, true);
    assert.deepEqual(
      [checked.rows_read, checked.created, checked.updated, checked.unchanged, checked.failed],
      [6, 4, 0, 0, 2],
      'four would be created, two refused',
    );
    for (const [key, value] of Object.entries({ rows: checked.rows_read, created: checked.created, updated: checked.updated, unchanged: checked.unchanged, failed: checked.failed })) {
      assert.equal(await number(page, key), value, `dry-run ${key}`);
    }
    assert.match(await page.locator('#imp-figures').innerText(), /将新建[\s\S]*将失败/);
    assert.equal((await mine()).length, 0, 'a dry run writes nothing');

    // The run: the same counts, the customers exist with their regions.
    await page.click('#imp-run');
    await page.waitForSelector('#imp-run-report #imp-status[data-status="completed"]');
    const done = (await api(page, `/api/v1/imports/${id}`)).body;
    assert.equal(done.dry_run, false);
    assert.deepEqual([done.rows_read, done.created, done.failed], [6, 4, 2]);
    for (const [key, value] of Object.entries({ rows: done.rows_read, created: done.created, updated: done.updated, unchanged: done.unchanged, failed: done.failed })) {
      assert.equal(await number(page, key), value, `run ${key}`);
    }
    const customers = await mine();
    assert.deepEqual(customers.map((c) => c.external_id).sort(), ['IMP-BT-1', 'IMP-BT-2', 'IMP-BT-3', 'IMP-BT-4']);
    const shenzhen = customers.find((c) => c.external_id === 'IMP-BT-1');
    assert.equal(shenzhen.name, '导入测试深圳科技有限公司');
    assert.equal(shenzhen.province_code, '440000');
    assert.equal(shenzhen.city_code, '440300');
    assert.equal(shenzhen.industry, 'technology');
    assert.equal(customers.find((c) => c.external_id === 'IMP-BT-2').city_code, '330100');
    assert.equal(await page.getAttribute('#imp-to-list', 'href'), '/customers');
    await page.screenshot({ path: join(shots, 'imports-report.png'), fullPage: true });

    // The refused rows, as a CSV to fix and upload again.
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#imp-errors')]);
    assert.equal(download.suggestedFilename(), '客户导入-errors.csv');
    const errors = readFileSync(await download.path(), 'utf8');
    assert.ok(errors.startsWith('\ufeffrow,errors,客户编号,客户名称'), `header first (${errors.slice(0, 40)})`);
    const lines = errors.split(/\r?\n/).filter((l) => l.length > 0);
    assert.equal(lines.length, 3, 'header and two refused rows');
    assert.match(lines[1], /IMP-BT-5.*火星业/);
    assert.match(lines[2], /IMP-BT-6/);

    // Listed among the recent imports.
    const row = page.locator(`#imp-recent tr.import-row[data-key="${id}"]`);
    await row.waitFor();
    assert.match(await row.innerText(), /客户导入\.csv[\s\S]*客户[\s\S]*已完成/);
    assert.equal(await row.getAttribute('data-status'), 'completed');

    // English labels, then back.
    await page.click('#language');
    await page.waitForSelector('#imp-status:has-text("Import complete")');
    await page.click('#language');
    await page.waitForSelector('#imp-status:has-text("导入完成")');
  });

  await check('imports: a sales rep may import customers but not products', async (page) => {
    await login(page, 'rep1@demo.test', '/imports');
    await page.waitForSelector('#imp-upload-step');
    await page.waitForSelector('.nav-link[href="/imports"]');
    assert.equal(await page.isDisabled('#imp-entity-products'), true, 'products cannot be chosen');
    assert.equal(await page.isDisabled('#imp-entity-customers'), false);
    await page.waitForSelector('#imp-products-denied:has-text("不能导入产品")');
    const status = await page.evaluate(async () => {
      const s = JSON.parse(localStorage.getItem('crm.session'));
      const r = await fetch('/api/v1/imports?entity=products', { method: 'POST', headers: { Authorization: `Bearer ${s.access_token}`, 'Content-Type': 'text/csv' }, body: 'sku,name\nX-1,测试\n' });
      return r.status;
    });
    assert.equal(status, 403, 'the server refuses too');
  });

  await check('imports: a viewer has no import link and the page says why', async (page) => {
    await login(page, 'viewer@demo.test', '/imports');
    await page.waitForSelector('#imp-not-allowed');
    assert.equal(await page.locator('.nav-link[href="/imports"]').count(), 0);
  });
}
