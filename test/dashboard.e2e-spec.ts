import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { SampleNodes } from './support/sample-nodes.js';

/** Chromium from the Debian packages (`apt-get install -y chromium`), or `CHROMIUM_PATH`. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Where the screenshot goes; `SHOAL_SCREENSHOT=docs/dashboard.png` refreshes the README's. */
const SCREENSHOT = resolve(process.env.SHOAL_SCREENSHOT ?? join(tmpdir(), 'shoal-dashboard.png'));
const FAILURE_TIMEOUT_MS = 2000;

/**
 * The dashboard (`GET /`) in headless Chromium against three real replicas: what it shows must follow the cluster
 * live, over Socket.IO, without a reload.
 */
describe('the live dashboard in a browser', () => {
  const names = ['node-1', 'node-2', 'node-3'];
  let nodes: SampleNodes;
  let browser: Browser;
  let page: Page;
  let receiver: Server;

  const members = () =>
    page.$$eval('[data-member]', (elements) =>
      elements.map((e) => ({ id: e.getAttribute('data-member'), leader: e.hasAttribute('data-leader') })),
    );

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `Chromium not found at ${CHROMIUM}: install it (\`apt-get install -y chromium\`) or set CHROMIUM_PATH`,
      );
    }
    receiver = createServer((_request, response) => response.writeHead(204).end());
    await new Promise<void>((done) => receiver.listen(0, '127.0.0.1', done));
    nodes = await SampleNodes.start({
      names,
      store: 'redis',
      env: { SHOAL_FAILURE_TIMEOUT: String(FAILURE_TIMEOUT_MS) },
    });
    await nodes.timeUntilAllSee(names, names, 10_000);
    await nodes.request('node-1', '/webhooks/endpoints', 'POST', 5000, {
      url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`,
    });
    browser = await puppeteer.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
    });
    page = await browser.newPage();
    await page.setViewport({ width: 1280, height: 1000 });
    await page.goto(nodes.url('node-1'), { waitUntil: 'load' });
    // Survives only as long as the page is not reloaded.
    await page.evaluate('window.notReloaded = true');
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await nodes?.dispose();
    receiver?.close();
  }, 30_000);

  it('shows the three members, the leader marked on exactly one', async () => {
    await page.waitForFunction(`document.querySelectorAll('[data-member]').length === 3`, {
      timeout: 10_000,
    });
    await page.waitForSelector('[data-member][data-leader]', { timeout: 10_000 });
    const shown = await members();
    expect(shown.map((m) => m.id).sort()).toEqual(names);
    const leader = (await nodes.view('node-1'))?.leader;
    expect(shown.filter((m) => m.leader).map((m) => m.id)).toEqual([leader?.id]);
  });

  it('drops a SIGKILLed replica within failureTimeout + 2 s, without a reload', async () => {
    const killedAt = Date.now();
    await nodes.node('node-3').kill();
    await page.waitForFunction(
      `document.querySelectorAll('[data-member]').length === 2 &&
       document.querySelector('[data-member="node-3"]') === null`,
      { timeout: FAILURE_TIMEOUT_MS + 2000 },
    );
    console.log(`dashboard dropped node-3 ${Date.now() - killedAt} ms after SIGKILL`);
    expect((await members()).map((m) => m.id).sort()).toEqual(['node-1', 'node-2']);
    expect(await page.evaluate('window.notReloaded')).toBe(true);
  });

  it('shows an order placed on replica 2 in the feed, and its webhook delivery', async () => {
    const { order } = await nodes.request<{ order: { id: string } }>('node-2', '/orders', 'POST', 10_000, {
      userId: 'ada',
      total: 42,
    });
    const placedAt = Date.now();
    await page.waitForSelector(`[data-order="${order.id}"]`, { timeout: 10_000 });
    console.log(`order from node-2 shown on node-1's page after ${Date.now() - placedAt} ms`);
    await page.waitForSelector('[data-delivery]', { timeout: 15_000 });
    expect(await page.evaluate('window.notReloaded')).toBe(true);
    await page.screenshot({ path: SCREENSHOT as `${string}.png`, fullPage: true });
    console.log(`screenshot: ${SCREENSHOT}`);
  }, 40_000);
});
