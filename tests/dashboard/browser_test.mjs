// The dashboard's page in headless Chromium against the real `parzen dashboard` on 127.0.0.1,
// with real studies (parzen_browser_studies): a single-objective study with pruning, a
// multi-objective one, the study named <script>alert(1)</script>, and one of 100 000 trials.
// Checks that each view draws (canvas pixels, DOM rows), that a new trial appears within one
// poll, that user strings stay text, and that the trial table filters, sorts, pages and jumps.
//
//   node tests/dashboard/browser_test.mjs --parzen build/parzen --studies build/tests/parzen_browser_studies \
//        --chromium /usr/bin/chromium --dist dashboard/dist [--big 100000]

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  parseArgs, checkDist, loadPuppeteer, tempDir, run, startDashboard, launchChromium, studyIds,
} from './harness.mjs';

const opts = parseArgs(process.argv.slice(2), { parzen: null, studies: null, chromium: '/usr/bin/chromium', dist: null, big: '100000' });
checkDist(opts.dist);
const puppeteer = await loadPuppeteer(opts.dist);

const failures = [];
let passed = 0;
async function check(name, fn) {
  const t0 = Date.now();
  try {
    await fn();
    passed++;
    console.log(`ok   ${name} (${Date.now() - t0} ms)`);
  } catch (e) {
    failures.push(name);
    console.log(`FAIL ${name}: ${e.message}`);
  }
}
function assert(cond, message) {
  if (!cond) throw new Error(message);
}

const POLL_MS = 1000;
const tmp = tempDir('parzen-browser-');
const db = join(tmp.dir, 'studies.db');
let server = null;
let browser = null;
const dialogs = [];

async function open(page, hash) {
  await page.goto(`${server.url}?poll_ms=${POLL_MS}${hash}`);
}

async function loaded(page) {
  await page.waitForSelector('body[data-loaded=true]', { timeout: 60000 });
}

// Non-background pixels of a canvas (a drawn plot has thousands; an empty frame a few hundred).
async function inkOf(page, selector) {
  return page.$eval(selector, (c) => {
    const g = c.getContext('2d');
    const d = g.getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) {
      if (d[i + 3] > 0 && !(d[i] > 245 && d[i + 1] > 245 && d[i + 2] > 245)) n++;
    }
    return n;
  });
}

async function tableStatus(page) {
  return page.$eval('#table-status', (e) => e.textContent);
}

async function view(page, id, key) {
  await page.evaluate((h) => { location.hash = h; }, `#/study/${id}/${key}`);
  await page.waitForFunction((k) => document.getElementById('view')?.dataset.drawn === k, { timeout: 10000 }, key);
}

try {
  const t0 = Date.now();
  run(opts.studies, [db]);
  run(opts.studies, [db, '--big', opts.big, 'big']);
  console.log(`studies written in ${Date.now() - t0} ms`);
  server = await startDashboard(opts.parzen, db, opts.dist);
  const ids = await studyIds(server.url);
  const xssName = '<script>alert(1)</script>';
  ids.xss = ids[xssName];
  assert(ids.pruned && ids.multi && ids.multi3 && ids.big && ids[xssName], `studies missing: ${JSON.stringify(ids)}`);
  browser = await launchChromium(puppeteer, opts.chromium);
  const page = await browser.newPage();
  await page.setViewport({ width: 1400, height: 1000 });
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('dialog', async (d) => {
    dialogs.push(d.message());
    await d.dismiss();
  });

  await check('study list shows every study with its counts; the XSS name is text', async () => {
    await open(page, '#/');
    await page.waitForSelector('#study-list table');
    const rows = await page.$$eval('#study-list tbody tr', (trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent)));
    assert(rows.length === 5, `5 rows expected, got ${rows.length}`);
    const names = rows.map((r) => r[1]);
    assert(names.includes(xssName), `the XSS study's name is not shown as text: ${JSON.stringify(names)}`);
    const big = rows.find((r) => r[1] === 'big');
    const bigTotal = big.slice(4, 9).reduce((a, v) => a + Number(v), 0);
    assert(bigTotal === Number(opts.big), `big study's counts add up to ${bigTotal}`);
    const scripts = await page.$$eval('script', (s) => s.length);
    assert(scripts === 1, `${scripts} script elements (only app.js expected)`);
    assert(dialogs.length === 0, `a dialog opened: ${dialogs.join(', ')}`);
  });

  await check('pruned study: history (uPlot canvas) and trial table draw', async () => {
    await open(page, `#/study/${ids.pruned}/history`);
    await loaded(page);
    const ink = await inkOf(page, '#history-plot canvas');
    assert(ink > 1000, `history canvas has only ${ink} drawn pixels`);
    const status = await tableStatus(page);
    assert(/of 60\b/.test(status), `table status: ${status}`);
    const rows = await page.$$eval('.tv-row', (r) => r.length);
    assert(rows >= 20, `${rows} table rows in the DOM`);
    const name = await page.$eval('#study-name', (e) => e.textContent);
    assert(name === 'pruned', name);
  });

  for (const [key, selector] of [
    ['parallel', '#parallel-plot'],
    ['slice', '#slice-plots canvas'],
    ['contour', '#contour-plot'],
    ['intermediate', '#intermediate-plot'],
    ['timeline', '#timeline-plot'],
  ]) {
    await check(`pruned study: ${key} draws`, async () => {
      await view(page, ids.pruned, key);
      const ink = await inkOf(page, selector);
      assert(ink > 2000, `${selector} has only ${ink} drawn pixels`);
    });
  }

  await check('pruned study: pruned trials are marked on the learning curves', async () => {
    await view(page, ids.pruned, 'intermediate');
    const text = await page.$eval('#view', (e) => e.textContent);
    const m = text.match(/([\d,]+) pruned among them/);
    assert(m && Number(m[1].replace(/,/g, '')) > 0, `no pruned curve counted: ${text.slice(0, 300)}`);
    const red = await page.$eval('#intermediate-plot', (c) => {
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 0; i < d.length; i += 4) if (d[i] > 150 && d[i + 1] < 90 && d[i + 2] < 90) n++;
      return n;
    });
    assert(red > 20, `only ${red} red pixels (pruned marks)`);
  });

  await check('pruned study: importance shows a bar per parameter, or the server\'s reason', async () => {
    const res = await fetch(`${server.url}api/studies/${ids.pruned}/importance?evaluator=ped-anova&objective=0`);
    await view(page, ids.pruned, 'importance');
    if (res.ok) {
      const body = await res.json();
      await page.waitForFunction((n) => document.querySelectorAll('#importance-bars .bar-row').length === n, { timeout: 15000 }, body.importances.length);
      const labels = await page.$$eval('#importance-bars .bar-label', (l) => l.map((e) => e.textContent));
      assert(labels.includes('learning_rate'), JSON.stringify(labels));
    } else {
      const body = await res.json();
      await page.waitForSelector('#importance-bars .error', { timeout: 15000 });
      const text = await page.$eval('#importance-bars .error', (e) => e.textContent);
      assert(text.includes(body.error), `${text} does not carry the server's error ${body.error}`);
    }
  });

  await check('trial table: filter by state and by parameter, sort, page, jump', async () => {
    await view(page, ids.pruned, 'history');
    const trials = (await (await fetch(`${server.url}api/studies/${ids.pruned}/trials`)).json()).trials;
    const nPruned = trials.filter((t) => t.state === 'PRUNED').length;
    assert(nPruned > 0, 'the median pruner pruned nothing');
    await page.select('#filter-state', 'PRUNED');
    let status = await tableStatus(page);
    assert(status.includes(`of ${nPruned} (filtered from ${trials.length})`), `state filter: ${status}`);
    const states = await page.$$eval('.tv-row', (r) => [...new Set(r.map((x) => x.children[1].textContent))]);
    assert(states.length === 1 && states[0] === 'PRUNED', JSON.stringify(states));
    await page.select('#filter-state', '');
    const nBig = trials.filter((t) => t.params.layers >= 4).length;
    await page.select('#filter-field', 'param:layers');
    await page.select('#filter-op', '>=');
    await page.type('#filter-value', '4');
    status = await tableStatus(page);
    assert(status.includes(`of ${nBig} (filtered`), `layers >= 4 (${nBig} trials): ${status}`);
    const col = await page.$$eval('.tv-head', (h) => h.findIndex((x) => x.textContent.startsWith('layers')));
    const layers = await page.$$eval('.tv-row', (r, c) => r.map((x) => Number(x.children[c].textContent)), col);
    assert(layers.length > 0 && layers.every((v) => v >= 4), `rows with layers < 4 shown: ${layers}`);
    await page.select('#filter-field', '');
    // Sort by the value, descending: the first row holds the largest value.
    const head = await page.$$('.tv-head');
    await head[2].click();
    await (await page.$$('.tv-head'))[2].click();
    const first = await page.$eval('.tv-row', (r) => Number(r.children[2].textContent));
    const maxValue = Math.max(...trials.filter((t) => t.values).map((t) => t.values[0]));
    assert(Math.abs(first - maxValue) <= 1e-5 * Math.max(1, Math.abs(maxValue)), `first row ${first}, largest ${maxValue}`);
    await (await page.$$('.tv-head'))[0].click(); // back to trial number
    await page.click('#page-next');
    status = await tableStatus(page);
    assert(/rows 21–40 of 60/.test(status) && /page 2 of 3/.test(status), `next page: ${status}`);
    await page.click('#page-last');
    status = await tableStatus(page);
    assert(/page 3 of 3/.test(status), `last page: ${status}`);
    await page.type('#jump-number', '7');
    await page.keyboard.press('Enter');
    await page.waitForSelector('.tv-row.highlight[data-number="7"]', { timeout: 3000 });
  });

  await check('trial detail: params, values, user attributes as text, log request answered', async () => {
    await page.click('.tv-row[data-number="7"]');
    await page.waitForSelector('#trial-detail:not([hidden])');
    const text = await page.$eval('#trial-detail', (e) => e.textContent);
    assert(text.includes('Trial 7') && text.includes('learning_rate') && text.includes('kernel'), text.slice(0, 300));
    assert(text.includes('<img src=x onerror=alert(2)>'), 'the user attribute is not shown as text');
    const imgs = await page.$$eval('#trial-detail img', (i) => i.length);
    assert(imgs === 0, 'an <img> from a user attribute entered the DOM');
    await page.waitForFunction(() => !/Loading/.test(document.getElementById('detail-log').textContent), { timeout: 5000 });
    await page.click('#detail-close');
  });

  await check('live: a trial written while the page is open appears within one poll', async () => {
    await page.waitForFunction(() => !/Loading/.test(document.getElementById('table-status').textContent));
    const before = await tableStatus(page);
    const m = before.match(/of (\d+)/);
    const n = Number(m[1]);
    run(opts.studies, [db, '--add', 'pruned']);
    const t = Date.now();
    await page.waitForFunction((want) => new RegExp(`of ${want}\\b`).test(document.getElementById('table-status').textContent),
      { timeout: POLL_MS + 1500, polling: 50 }, n + 1);
    console.log(`     the new trial showed after ${Date.now() - t} ms (poll every ${POLL_MS} ms)`);
    const summary = await page.$eval('#study-summary', (e) => e.textContent);
    assert(summary.includes(`${n + 1} trials`), summary);
  });

  await check('downloads: CSV and JSON links answer with the export', async () => {
    for (const id of ['#download-csv', '#download-json']) {
      const href = await page.$eval(id, (a) => a.href);
      const res = await fetch(href);
      assert(res.ok, `${href}: ${res.status}`);
      const body = await res.text();
      assert(body.length > 100, `${href}: ${body.length} bytes`);
    }
  });

  await check('multi-objective study: Pareto front and hypervolume history draw', async () => {
    await open(page, `#/study/${ids.multi}/pareto`);
    await loaded(page);
    await page.waitForSelector('#pareto-plot', { timeout: 10000 });
    const ink = await inkOf(page, '#pareto-plot');
    assert(ink > 2000, `Pareto plot: ${ink} pixels`);
    const hv = await inkOf(page, '#hypervolume-plot');
    assert(hv > 1500, `hypervolume plot: ${hv} pixels`);
    const title = await page.$eval('#view', (e) => e.textContent);
    assert(/objective/.test(await page.$eval('#study-summary', (e) => e.textContent)), 'summary');
    assert(!/error|failed/i.test(title), title.slice(0, 200));
  });

  await check('three-objective study: the Pareto view plots two objectives coloured by the third', async () => {
    await open(page, `#/study/${ids.multi3}/pareto`);
    await loaded(page);
    await page.waitForSelector('#pareto-plot', { timeout: 10000 });
    assert((await inkOf(page, '#pareto-plot')) > 2000, 'three-objective Pareto plot');
    const text = await page.$eval('#view', (e) => e.textContent);
    assert(/colour: the third objective/.test(text), text.slice(0, 200));
    const front = (await (await fetch(`${server.url}api/studies/${ids.multi3}/pareto`)).json()).front;
    assert(front.length > 3, `the server's three-objective front has ${front.length} trials`);
    const hues = await page.$eval('#pareto-plot', (c) => {
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      const seen = new Set();
      for (let i = 0; i < d.length; i += 4) if (d[i + 3] && !(d[i] > 240 && d[i + 1] > 240 && d[i + 2] > 240)) seen.add(`${d[i] >> 5},${d[i + 1] >> 5},${d[i + 2] >> 5}`);
      return seen.size;
    });
    assert(hues > 12, `only ${hues} colours: the third objective is not the colour`);
  });

  await check('the XSS study opens with its name as text and no dialog', async () => {
    await open(page, `#/study/${ids[xssName]}/history`);
    await loaded(page);
    const name = await page.$eval('#study-name', (e) => e.textContent);
    assert(name === xssName, name);
    await view(page, ids[xssName], 'parallel');
    const ink = await inkOf(page, '#parallel-plot');
    assert(ink > 500, `parallel plot of the XSS study: ${ink}`);
    assert(dialogs.length === 0, `dialogs: ${dialogs.join(', ')}`);
  });

  await check('comparison of two studies draws one line each', async () => {
    await open(page, `#/compare/${ids.pruned},${ids.xss}`);
    await page.waitForSelector('#compare-plot', { timeout: 60000 });
    const ink = await inkOf(page, '#compare-plot');
    assert(ink > 1000, `comparison plot: ${ink}`);
    const rows = await page.$$eval('#compare-table tbody tr', (r) => r.length);
    assert(rows === 2, `${rows} rows`);
  });

  await check(`${Number(opts.big).toLocaleString()}-trial study: history and table draw; plots stay bounded`, async () => {
    await open(page, `#/study/${ids.big}/history`);
    await loaded(page);
    const res = await page.evaluate(() => window.__parzenLoaded);
    console.log(`     history + table drawn ${res.study_ms.toFixed(0)} ms after the study was asked for (${res.trials} trials; bench/dashboard_load.mjs times page loads)`);
    assert(res.trials === Number(opts.big), `${res.trials} trials loaded`);
    const note = await page.$eval('#view .controls', (e) => e.textContent);
    const m = note.match(/([\d,]+) drawn/);
    assert(m && Number(m[1].replace(/,/g, '')) <= 5000, `history draws too many points: ${note}`);
    // Drag across 1 % of the plot: the trials in view are aggregated again (or all drawn).
    const box = await (await page.$('#history-plot .u-over')).boundingBox();
    await page.mouse.move(box.x + box.width * 0.4, box.y + 40);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.41, box.y + 50, { steps: 4 });
    await page.mouse.up();
    await page.waitForFunction(() => /in view/.test(document.querySelector('#view .controls').textContent), { timeout: 5000 });
    const zoomed = await page.$eval('#view .controls', (e) => e.textContent);
    const inView = Number(zoomed.match(/([\d,]+) in view/)[1].replace(/,/g, ''));
    assert(inView > 100 && inView < Number(opts.big) / 20, `zoomed to 1 %: ${zoomed}`);
    const blue = await page.$eval('#history-plot canvas', (c) => {
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 0; i < d.length; i += 4) if (d[i] < 90 && d[i + 1] > 80 && d[i + 1] < 140 && d[i + 2] > 150) n++;
      return n;
    });
    assert(blue > 300, `the zoomed history shows ${blue} blue pixels for ${inView} trials`);
    await page.mouse.click(box.x + box.width * 0.5, box.y + 40, { clickCount: 2 });
    await page.waitForFunction(() => !/in view/.test(document.querySelector('#view .controls').textContent), { timeout: 5000 });
    const status = await tableStatus(page);
    assert(status.includes(`of ${Number(opts.big).toLocaleString()}`), status);
    const domRows = await page.$$eval('.tv-row', (r) => r.length);
    assert(domRows < 100, `${domRows} rows in the DOM (the table must be virtualised)`);
    await page.click('#page-last');
    const last = await page.$$eval('.tv-row', (r) => Math.max(...r.map((x) => Number(x.dataset.number))));
    assert(last === Number(opts.big) - 1, `last page ends at ${last}`);
    await view(page, ids.big, 'parallel');
    assert((await inkOf(page, '#parallel-plot')) > 2000, 'parallel coordinates of the big study');
  });

  // Last: it stops the pruned study. A read-only server offers no Stop; one started with
  // --allow-writes does, asks for the token, and the study then shows "stopped" (list and page).
  await check('Stop: only with --allow-writes, with the token; the study shows "stopped"', async () => {
    await open(page, `#/study/${ids.pruned}/history`);
    await loaded(page);
    assert(!(await page.$('#stop-button')), 'a read-only server offers Stop');
    const token = 'f'.repeat(32);
    const tokenFile = join(tmp.dir, 'token');
    writeFileSync(tokenFile, `${token}\n`);
    const writer = await startDashboard(opts.parzen, db, opts.dist, ['--allow-writes', '--token-file', tokenFile]);
    const p2 = await browser.newPage();
    const asked = [];
    p2.on('dialog', async (d) => {
      asked.push(d.type());
      await d.accept(token);
    });
    p2.on('pageerror', (e) => pageErrors.push(e.message));
    try {
      // A second server on the same database first warms its cache (the 100 000-trial study
      // included): on a busy CI machine that took longer than 20 s once.
      await p2.goto(`${writer.url}#/study/${ids.pruned}/history`, { timeout: 90000 });
      await p2.waitForSelector('#stop-button', { timeout: 90000 });
      await p2.click('#stop-button');
      await p2.waitForSelector('#stop-state', { timeout: 10000 });
      const text = await p2.$eval('#stop-state', (e) => e.textContent);
      assert(/stopped/.test(text) && /the dashboard \(127\.0\.0\.1\)/.test(text), `stop state: ${text}`);
      assert(asked.length === 1 && asked[0] === 'prompt', `dialogs: ${asked.join(', ')}`);
      await p2.goto(`${writer.url}#/`);
      await p2.waitForSelector('#study-list table');
      const stopped = await p2.$$eval('#study-list tbody tr', (trs) => trs.filter((tr) => tr.querySelector('.badge.stopped')).map((tr) => tr.children[1].textContent));
      assert(stopped.length === 1 && stopped[0].startsWith('pruned'), `rows marked stopped: ${JSON.stringify(stopped)}`);
    } finally {
      await p2.close();
      await writer.stop();
    }
  });

  if (pageErrors.length) {
    failures.push('page errors');
    console.log(`FAIL page errors: ${pageErrors.join(' | ')}`);
  }
} catch (e) {
  failures.push('setup');
  console.log(`FAIL setup: ${e.stack || e.message}`);
  if (server) console.log(server.output());
} finally {
  if (browser) await browser.close();
  if (server) await server.stop();
  tmp.remove();
}
console.log(`${passed} passed, ${failures.length} failed${failures.length ? `: ${failures.join('; ')}` : ''}`);
process.exit(failures.length ? 1 : 0);
