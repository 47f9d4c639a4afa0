// The few calls the web app makes into Apache ECharts. The library
// (`/echarts.min.js`) and the map outlines (`/maps/*.json`) come from our own
// origin and are fetched only when a chart is first shown. Options arrive as
// JSON text built on the Rust side; map regions are named by region code.

let library = null;
const maps = new Map();

function script(src) {
  return new Promise((resolve, reject) => {
    const tag = document.createElement('script');
    tag.src = src;
    tag.onload = resolve;
    tag.onerror = () => { tag.remove(); reject(new Error(`${src} did not load`)); };
    document.head.append(tag);
  });
}

/** Loads ECharts and, when `map` is given, registers its outline once. */
export function prepare(map) {
  library ??= window.echarts ? Promise.resolve() : script('/echarts.min.js').catch((e) => { library = null; throw e; });
  if (!map) return library;
  if (!maps.has(map)) {
    const url = `/maps/${map}.json`;
    maps.set(map, library
      .then(() => fetch(url))
      .then((r) => { if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`); return r.json(); })
      .then((geo) => window.echarts.registerMap(map, geo))
      .catch((e) => { maps.delete(map); throw e; }));
  }
  return maps.get(map);
}

/** Draws `option` into `el` (replacing what was there); a click on a data
 *  item calls `onClick` with the item's name. Follows the element's size. */
export function render(el, option, onClick) {
  const chart = window.echarts.getInstanceByDom(el) ?? window.echarts.init(el);
  // The element may have been hidden (0 × 0) when the chart was made or last drawn.
  chart.resize();
  chart.setOption(JSON.parse(option), true);
  chart.off('click');
  chart.on('click', (p) => { if (p.data) onClick(p.name); });
  if (!el.crmResize) {
    el.crmResize = new ResizeObserver(() => chart.resize());
    el.crmResize.observe(el);
  }
}

export function dispose(el) {
  el.crmResize?.disconnect();
  el.crmResize = null;
  window.echarts?.getInstanceByDom(el)?.dispose();
}

/** Saves the chart drawn in `el` as a PNG file `name` (white background,
 *  twice the pixels); false when nothing is drawn there. */
export function savePng(el, name) {
  const chart = window.echarts?.getInstanceByDom(el);
  if (!chart) return false;
  const a = document.createElement('a');
  a.href = chart.getDataURL({ type: 'png', pixelRatio: 2, backgroundColor: '#fff' });
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  return true;
}
