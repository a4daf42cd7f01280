// Shared by tests/dashboard/browser_test.mjs and bench/dashboard_load.mjs: writes studies with
// parzen_browser_studies, starts the real `parzen dashboard` on 127.0.0.1 (a free port), and
// starts headless Chromium through puppeteer-core (pinned in dashboard/package-lock.json).

import { spawn, execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

export function parseArgs(argv, defaults) {
  const out = { ...defaults };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) throw new Error(`unexpected argument ${a}`);
    const key = a.slice(2);
    if (!(key in out)) throw new Error(`unknown option ${a}; known: ${Object.keys(out).map((k) => `--${k}`).join(' ')}`);
    out[key] = argv[++i];
    if (out[key] === undefined) throw new Error(`${a} needs a value`);
  }
  for (const [k, v] of Object.entries(out)) if (v === null) throw new Error(`--${k} is required`);
  return out;
}

export function checkDist(dist) {
  if (!existsSync(join(dist, 'index.html')) || !existsSync(join(dist, 'app.js')))
    throw new Error(`${dist} has no index.html/app.js: build the page with scripts/build-dashboard.sh (npm ci and the bundle)`);
}

export async function loadPuppeteer(dist) {
  const pkg = join(resolve(dist, '..'), 'package.json');
  let entry;
  try {
    entry = createRequire(pkg).resolve('puppeteer-core');
  } catch {
    throw new Error(`puppeteer-core is not installed in ${dirname(pkg)}/node_modules: run scripts/build-dashboard.sh (npm ci)`);
  }
  const mod = await import(pathToFileURL(entry).href);
  return mod.default || mod;
}

export function tempDir(prefix) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export function run(cmd, args) {
  return execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] }).toString();
}

// Starts `parzen dashboard DB --port 0` and resolves with { url, process, stop } once it serves.
export function startDashboard(parzen, db, dist, extra = []) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(parzen, ['dashboard', db, '--host', '127.0.0.1', '--port', '0', '--static-dir', dist, ...extra], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`parzen dashboard did not start in 20 s:\n${out}${err}`)), 20000);
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/http:\/\/([\d.]+):(\d+)\//);
      if (m) {
        clearTimeout(timer);
        resolvePromise({
          url: `http://${m[1]}:${m[2]}/`,
          process: child,
          output: () => out + err,
          stop: () => new Promise((r) => {
            if (child.exitCode !== null) return r();
            child.once('exit', r);
            child.kill('SIGTERM');
          }),
        });
      }
    });
    child.stderr.on('data', (d) => { err += d; });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`parzen dashboard exited with ${code}:\n${out}${err}`));
    });
  });
}

export async function launchChromium(puppeteer, executablePath) {
  return puppeteer.launch({
    executablePath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', '--disable-extensions'],
  });
}

export async function studyIds(url) {
  const res = await fetch(`${url}api/studies`);
  const body = await res.json();
  return Object.fromEntries(body.studies.map((s) => [s.name, s.id]));
}

// Opens the study's page in a fresh tab and resolves with the page's own figures once the history
// plot and the trial table are drawn: { ms: from navigation start, trials }.
export async function timeStudyLoad(browser, url, id) {
  const page = await browser.newPage();
  await page.setCacheEnabled(false);
  await page.setViewport({ width: 1400, height: 1000 });
  await page.goto(`${url}#/study/${id}/history`);
  await page.waitForFunction(() => window.__parzenLoaded, { timeout: 120000, polling: 20 });
  const result = await page.evaluate(() => window.__parzenLoaded);
  await page.close();
  return result;
}
