// Time from page load to the optimisation history and the trial table drawn, in headless
// Chromium against the real `parzen dashboard`, for studies of 10 000 and 100 000 trials
// (10 parameters, 5 intermediate values each; parzen_browser_studies writes them). Goals
// (issue 20): <= 1 s at 10 000 trials, <= 5 s at 100 000. Also the first full /trials answer as
// a client sees it (server time + transfer), its size, the same for the compact=1 answer the page
// asks for, and a poll with nothing new.
//
//   node bench/dashboard_load.mjs --parzen build/parzen --studies build/tests/parzen_browser_studies \
//        --dist dashboard/dist [--chromium /usr/bin/chromium] [--runs 5] [--sizes 10000,100000]

import { join } from 'node:path';
import {
  parseArgs, checkDist, loadPuppeteer, tempDir, run, startDashboard, launchChromium, studyIds, timeStudyLoad,
} from '../tests/dashboard/harness.mjs';

const opts = parseArgs(process.argv.slice(2), {
  parzen: null, studies: null, dist: null, chromium: '/usr/bin/chromium', runs: '5', sizes: '10000,100000',
});
checkDist(opts.dist);
const puppeteer = await loadPuppeteer(opts.dist);
const sizes = opts.sizes.split(',').map(Number);
const goals = { 10000: 1000, 100000: 5000 };
const tmp = tempDir('parzen-dashboard-bench-');
const db = join(tmp.dir, 'bench.db');
let server;
let browser;
const median = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
try {
  for (const n of sizes) run(opts.studies, [db, '--big', String(n), `bench-${n}`]);
  server = await startDashboard(opts.parzen, db, opts.dist);
  const ids = await studyIds(server.url);
  browser = await launchChromium(puppeteer, opts.chromium);
  console.log('trials    page load -> history + table drawn (median / min of runs)   /trials answer (size)   compact=1 answer (size)   empty poll   goal');
  for (const n of sizes) {
    const id = ids[`bench-${n}`];
    const loads = [];
    for (let r = 0; r < Number(opts.runs); r++) {
      const res = await timeStudyLoad(browser, server.url, id);
      if (res.trials !== n) throw new Error(`the page loaded ${res.trials} trials, not ${n}`);
      loads.push(res.ms);
    }
    const fetches = [];
    let bytes = 0;
    let version = 0;
    for (let r = 0; r < 3; r++) {
      const t = performance.now();
      const res = await fetch(`${server.url}api/studies/${id}/trials?since=0`);
      const text = await res.text();
      fetches.push(performance.now() - t);
      bytes = text.length;
      version = JSON.parse(text).version;
    }
    // The answer the page asks for (compact=1: each distribution once, no system attributes).
    const compactFetches = [];
    let compactBytes = 0;
    for (let r = 0; r < 3; r++) {
      const t = performance.now();
      const text = await (await fetch(`${server.url}api/studies/${id}/trials?since=0&compact=1`)).text();
      compactFetches.push(performance.now() - t);
      compactBytes = text.length;
    }
    const polls = [];
    for (let r = 0; r < 20; r++) {
      const t = performance.now();
      await (await fetch(`${server.url}api/studies/${id}/trials?since=${version}`)).text();
      polls.push(performance.now() - t);
    }
    const goal = goals[n];
    console.log(
      `${String(n).padEnd(9)} ${median(loads).toFixed(0).padStart(6)} ms / ${Math.min(...loads).toFixed(0)} ms`.padEnd(72) +
        `${median(fetches).toFixed(0).padStart(6)} ms (${(bytes / 1048576).toFixed(1)} MB)`.padEnd(24) +
        `${median(compactFetches).toFixed(0).padStart(6)} ms (${(compactBytes / 1048576).toFixed(1)} MB)`.padEnd(26) +
        `${median(polls).toFixed(1).padStart(6)} ms   ` +
        (goal ? `<= ${goal} ms: ${median(loads) <= goal ? 'met' : 'NOT met'}` : ''),
    );
  }
} finally {
  if (browser) await browser.close();
  if (server) await server.stop();
  tmp.remove();
}
