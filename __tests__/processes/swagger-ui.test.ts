/**
 * Swagger UI at /docs, in headless Chromium, as a newcomer uses it: Authorize, "Try it out" on
 * GET /recordings, Execute. It used to pre-fill every date filter with an example and so always
 * answered `data: []`; now the filters start empty (`{}`), and typing one sends the API's wire
 * format (`status[in]=READY,FAILED`). Every API response the page receives is checked against the
 * OpenAPI document like any other.
 *
 * Needs Chromium (apt-get install chromium; .ci/run installs it), driven by playwright-core.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { openApiDocument } from '../../src/api/openapi';
import { startTestApp, truncateAll, type TestApp } from '../support/app';
import { checkExchange } from '../support/contract-hook';
import { fromText } from '../support/contract';
import { authHeader, createUser } from '../support/factories';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// headless: true adds --headless; the profile is a fresh --user-data-dir (launchPersistentContext).
const FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

describe('Swagger UI in a browser', () => {
  let t: TestApp;
  let server: Server;
  let base: string;
  let token: string;
  let browser: BrowserContext;
  let page: Page;
  const profile = mkdtempSync(path.join(os.tmpdir(), 'backendapi-chromium-'));

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install chromium (or set CHROMIUM_PATH)`);
    t = startTestApp();
    await truncateAll(t.db);
    ({ token } = await createUser(t.db));
    server = t.app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const session = await fetch(`${base}/api/v1/sessions`, {
      method: 'POST',
      headers: { ...authHeader(token), 'Content-Type': 'application/json' },
      body: JSON.stringify({ title: 'browser', startedAt: '2026-11-01T08:00:00Z' }),
    }).then((r) => r.json() as Promise<{ id: string }>);
    const created = await fetch(`${base}/api/v1/sessions/${session.id}/recordings`, {
      method: 'POST',
      headers: { ...authHeader(token), 'Content-Type': 'application/json' },
      body: JSON.stringify(
        ['PENDING', 'READY', 'FAILED'].map((status, i) => ({ name: `take-${i}`, modality: 'EEG', format: 'text/csv', status })),
      ),
    });
    expect(created.status).toBe(201);

    browser = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: FLAGS });
    page = browser.pages()[0] ?? (await browser.newPage());
    // The page's calls to the API get the same check as the tests' own (support/contract-hook.ts).
    page.on('response', async (response) => {
      const url = new URL(response.url());
      if (url.origin !== base || !url.pathname.startsWith('/api/')) return;
      const text = await response.text().catch(() => '');
      checkExchange(fromText(response.request().method(), response.url(), response.status(), await response.allHeaders(), text));
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    // fetch keeps its connections alive: close them, or the worker cannot exit.
    server?.closeAllConnections();
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    await t?.close();
    rmSync(profile, { recursive: true, force: true });
  });

  /** Clicks Execute and waits for the request URL Swagger UI shows to change, then reads the response. */
  async function execute(op: Locator): Promise<{ url: string; body: { data: Array<{ status: string }> } }> {
    const shown = op.locator('.request-url pre').first();
    const before = (await shown.count()) ? await shown.innerText() : '';
    await op.locator('button.execute').click();
    const deadline = Date.now() + 15_000;
    while ((await shown.count()) === 0 || (await shown.innerText()) === before) {
      if (Date.now() > deadline) throw new Error('Swagger UI showed no new request');
      await page.waitForTimeout(100);
    }
    const body = op.locator('.live-responses-table .response-col_description pre').first();
    await body.waitFor();
    return { url: await shown.innerText(), body: JSON.parse(await body.innerText()) as { data: Array<{ status: string }> } };
  }

  it('when a newcomer tries GET /recordings as it is pre-filled, then no filter is sent and the rows come back', async () => {
    await page.goto(`${base}/docs`);
    await page.locator('.opblock').first().waitFor({ timeout: 30_000 });
    await page.click('button.authorize');
    await page.locator('.modal-ux input').first().fill(token);
    await page.click('.modal-ux button.authorize');
    await page.click('.modal-ux button.close-modal');

    const op = page.locator('#operations-recordings-listRecordings');
    await op.locator('.opblock-summary').click();
    await op.locator('button.try-out__btn').click();
    const documented = (openApiDocument().paths?.['/api/v1/recordings']?.get?.parameters ?? []).length;
    const rows = op.locator('tr[data-param-name]');
    expect(await rows.count()).toBe(documented);
    expect(documented).toBeLessThan(30); // one row per field, not one per field and operator

    const filled = await rows.evaluateAll((trs) =>
      trs
        .map((tr) => [
          tr.getAttribute('data-param-name'),
          (tr.querySelector('input, textarea, select') as { value?: string } | null)?.value ?? '',
        ])
        .filter(([, value]) => value !== '' && value !== '{}'),
    );
    expect(filled).toEqual([['limit', '50']]);

    const first = await execute(op);
    expect(new URL(first.url).search).toBe('?limit=50');
    expect(first.body.data).toHaveLength(3);

    await op.locator('tr[data-param-name="status"] textarea').fill('{"in": "READY,FAILED"}');
    const filtered = await execute(op);
    expect(new URL(filtered.url).searchParams.get('status[in]')).toBe('READY,FAILED');
    expect(filtered.body.data.map((r) => r.status).sort()).toEqual(['FAILED', 'READY']);
  }, 90_000);
});
