// Checks the message catalogs: zh-CN.ftl and en.ftl define the same keys,
// and every key the code names directly (t("…"), t1("…", …)) is defined.
// Keys built at run time (vocabularies, tables of labels) are caught by the
// browser tests, which fail on the console error a missing key logs.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const here = new URL('..', import.meta.url).pathname;
const keys = (file) => new Set(readFileSync(join(here, 'locales', file), 'utf8')
  .split('\n').map((l) => l.match(/^([a-z][a-z0-9-]*)\s*=/)).filter(Boolean).map((m) => m[1]));
const zh = keys('zh-CN.ftl');
const en = keys('en.ftl');
const problems = [];
for (const k of zh) if (!en.has(k)) problems.push(`en.ftl lacks ${k}`);
for (const k of en) if (!zh.has(k)) problems.push(`zh-CN.ftl lacks ${k}`);
const sources = (dir) => readdirSync(dir).flatMap((f) => {
  const p = join(dir, f);
  return statSync(p).isDirectory() ? sources(p) : p.endsWith('.rs') ? [p] : [];
});
for (const file of sources(join(here, 'src'))) {
  for (const m of readFileSync(file, 'utf8').matchAll(/\bt1?\("([a-z0-9-]+)"/g)) {
    if (!zh.has(m[1])) problems.push(`${file}: ${m[1]} is not in the catalogs`);
  }
}
if (problems.length) {
  console.log(problems.join('\n'));
  process.exit(1);
}
console.log(`catalog: ${zh.size} messages in zh-CN and en`);
