import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Browser, chromium, Page } from 'playwright-core';
import { CATALOGUE_SERVICE_SCHEMA } from '../../src/application/catalogue/catalogue-entries';
import { dlqTopicOf } from '../../src/application/ports/message-bus.port';
import { busOf } from '../support/processing';
import { ROUTES, TestApp, pairingBody, startTestApp } from '../support/test-app';

jest.setTimeout(120_000);

/**
 * The operator console in a real browser: Debian's Chromium (installed by .ci/run) driven by playwright-core,
 * against the whole service on its embedded default. Screenshots go to .tmp/.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = join(__dirname, '..', '..', '.tmp');
const SERVICES_TOPIC = 'conax.catalogue.services.v1';

if (!existsSync(CHROMIUM)) {
  describe('operator console in a real browser', () => {
    it.skip(`SKIPPED: no Chromium at ${CHROMIUM} (apt-get install chromium, as .ci/run does)`, () => undefined);
  });
} else {
  describe('operator console in a real browser', () => {
    let t: TestApp;
    let origin: string;
    let browser: Browser;
    let page: Page;
    const foreignRequests: string[] = [];

    beforeAll(async () => {
      mkdirSync(SHOTS, { recursive: true });
      t = await startTestApp({ PROCESSING_RUN_INTERVAL_MS: '300' });
      await t.app.listen(0, '127.0.0.1');
      origin = (await t.app.getUrl()).replace('[::1]', '127.0.0.1');
      browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
    });
    afterAll(async () => {
      await browser?.close();
      await t?.close();
    });

    async function openConsole(username: string, password: string): Promise<void> {
      page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      page.on('request', (request) => {
        if (new URL(request.url()).origin !== origin) foreignRequests.push(request.url());
      });
      await page.goto(`${origin}/console`);
      // Labels name every field; the form works from the keyboard alone.
      await page.getByLabel('User name').fill(username);
      await page.getByLabel('Password').fill(password);
      await page.getByLabel('Organisation').fill('ACME');
      await page.getByLabel('Organisation').press('Enter');
      await page.getByRole('heading', { name: 'Provisioning requests' }).waitFor();
    }

    it('follows a request created through the API from the list to COMPLETED on its timeline', async () => {
      await openConsole('olivia', 'on-call');
      const token = await t.login('olivia');
      const created = (await t.http.post(ROUTES.create).send({ token, ...pairingBody() })).body.data;
      const row = page.locator(`tr[data-request-id="${created.id}"]`);
      await row.waitFor({ timeout: 20_000 });
      await page.screenshot({ path: join(SHOTS, 'console-requests.png'), fullPage: true });
      await row.getByRole('link', { name: created.number }).click();
      await page.getByRole('heading', { name: `Request ${created.number}` }).waitFor();
      await page.locator('.timeline li[data-event-type="RequestProcessed"]').waitFor({ timeout: 30_000 });
      await page.getByRole('heading', { name: `Request ${created.number} COMPLETED` }).waitFor({ timeout: 10_000 });
      const steps = await page.locator('.timeline li').evaluateAll((items) => items.map((item) => item.getAttribute('data-event-type')));
      expect(steps).toEqual(['PairingRequested', 'RequestDispatched', 'RequestProcessed']);
      await expect(page.locator('pre[aria-label="request sent to Conax"]').textContent()).resolves.toContain('<CaId>01900080207</CaId>');
      await page.screenshot({ path: join(SHOTS, 'console-request-timeline.png'), fullPage: true });
      expect(foreignRequests).toEqual([]);
    });

    it('creates a pairing from the console and lands on its timeline', async () => {
      await page.getByRole('link', { name: 'Requests' }).click();
      await page.getByText('New pairing request').click();
      await page.getByLabel('Smartcard CA IDs (space or comma separated)').fill('01900080999');
      await page.getByLabel('STB CA IDs').fill('4500099999, 4500099998');
      await page.getByLabel('Process immediately').check();
      await page.getByRole('button', { name: 'Create' }).click();
      await page.locator('.timeline li[data-event-type="RequestProcessed"]').waitFor({ timeout: 30_000 });
      await expect(page.locator('pre[aria-label="request sent to Conax"]').textContent()).resolves.toContain('<CaId>4500099998</CaId>');
      // A bad CA ID is refused with the API's own words, and nothing is created.
      await page.getByRole('button', { name: 'Back to the list' }).click();
      await page.getByText('New pairing request').click();
      await page.getByLabel('Smartcard CA IDs (space or comma separated)').fill('01900080999');
      await page.getByLabel('STB CA IDs').fill('has space?no,ok\u0001');
      await page.getByRole('button', { name: 'Create' }).click();
      await page.getByRole('alert').filter({ hasText: 'stb_set' }).waitFor({ timeout: 10_000 });
    });

    it('checks a card\'s pairing and sets its PIN from the card actions; the PIN is never shown back', async () => {
      await page.getByRole('link', { name: 'Requests' }).click();
      await page.getByText('Card action (pairing status, PIN, bark message)').click();
      await page.getByLabel('Action').selectOption({ label: 'Pairing status for card' });
      await page.getByLabel('Smartcard CA ID', { exact: true }).fill('01900080999');
      await page.getByRole('button', { name: 'Send' }).click();
      await page.locator('.timeline li[data-event-type="RequestProcessed"]').waitFor({ timeout: 30_000 });
      await expect(page.locator('dd[data-field="result"]').textContent()).resolves.toMatch(/"status": "PAIRED"[\s\S]*4500099998/);
      await page.screenshot({ path: join(SHOTS, 'console-pairing-status.png'), fullPage: true });

      await page.getByRole('button', { name: 'Back to the list' }).click();
      await page.getByText('Card action (pairing status, PIN, bark message)').click();
      await page.getByLabel('Action').selectOption({ label: 'Set PIN' });
      await page.getByLabel('Smartcard CA ID', { exact: true }).fill('01900080999');
      await page.getByLabel('New PIN (4 digits)').fill('4821');
      await page.getByRole('button', { name: 'Send' }).click();
      await page.locator('.timeline li[data-event-type="RequestProcessed"]').waitFor({ timeout: 30_000 });
      await expect(page.locator('pre[aria-label="request sent to Conax"]').textContent()).resolves.toContain('<Pin>****</Pin>');
      await expect(page.locator('dl.fields').textContent()).resolves.toContain('pin ****');
      // Every timeline entry's data opened: nowhere on the page is the PIN.
      for (const summary of await page.locator('.timeline summary').all()) await summary.click();
      expect(await page.content()).not.toMatch(/(^|[^0-9A-Za-z])4821([^0-9A-Za-z]|$)/);
    });

    it('re-drives a dead letter from the operations view, and records who did it', async () => {
      const service = { id: 'SRV-CONSOLE', code: 'CONSOLE', service_ca_id: '777' };
      await busOf(t.app).publish(dlqTopicOf(SERVICES_TOPIC), [
        {
          key: service.id,
          value: JSON.stringify({ schema: CATALOGUE_SERVICE_SCHEMA, action: 'upsert', service }),
          headers: { 'dlq-reason': 'database unavailable', 'dlq-source-topic': SERVICES_TOPIC, 'dlq-id': 'DL-CONSOLE', 'dlq-parked-at': new Date().toISOString() },
        },
      ]);
      await page.getByRole('link', { name: 'Operations' }).click();
      await page.getByRole('heading', { name: 'Operations' }).waitFor();
      const row = page.locator('tr[data-dead-letter="DL-CONSOLE"]');
      await row.waitFor({ timeout: 20_000 });
      await page.screenshot({ path: join(SHOTS, 'console-operations.png'), fullPage: true });
      await row.getByRole('button', { name: 'Re-drive' }).click();
      await page.getByText('Re-driven: message SRV-CONSOLE.').waitFor();
      await row.waitFor({ state: 'detached', timeout: 10_000 });
      await page.locator('.actions-log li', { hasText: 'olivia: ParkedWorkRedriven message DL-CONSOLE' }).waitFor({ timeout: 10_000 });
      await page.getByText('1 service(s)').waitFor({ timeout: 10_000 });
      expect(foreignRequests).toEqual([]);
    });

    it('switches the Conax provider off and on again from the operations view, with a reason, recorded', async () => {
      await page.getByRole('link', { name: 'Operations' }).click();
      await page.getByTestId('provider-state').filter({ hasText: 'EFFECTIVE' }).waitFor();
      await page.getByLabel('Reason').fill('Conax maintenance 02:00');
      await page.getByRole('button', { name: 'Switch to NOT_EFFECTIVE' }).click();
      await page.getByTestId('provider-state').filter({ hasText: 'NOT_EFFECTIVE' }).waitFor({ timeout: 10_000 });
      await expect(page.getByTestId('provider-state').textContent()).resolves.toContain('Conax maintenance 02:00');
      await page.locator('.actions-log li', { hasText: 'olivia: ConaxProviderSwitched provider NOT_EFFECTIVE — because Conax maintenance 02:00' }).waitFor({ timeout: 10_000 });
      await page.screenshot({ path: join(SHOTS, 'console-provider.png'), fullPage: true });
      await page.getByLabel('Reason').fill('maintenance over');
      await page.getByRole('button', { name: 'Switch to EFFECTIVE' }).click();
      await page.getByRole('button', { name: 'Switch to NOT_EFFECTIVE' }).waitFor({ timeout: 10_000 });
    });

    it('uploads a CSV batch, follows it to DONE with its progress, and lists its invalid line', async () => {
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Batches' }).click();
      await page.getByRole('heading', { name: 'Batches' }).waitFor();
      await page.getByLabel('Type').selectOption('CREATE_PAIRING');
      const csv = ['smartcard_set.smartcard_ca_id,stb_set.stb_ca_id', ...Array.from({ length: 30 }, (_, n) => `${5_100_000 + n},${5_200_000 + n}`), 'not a card,1', ''].join('\n');
      await page.getByLabel('File (JSON array, or CSV with a header row)').setInputFiles({ name: 'pairings.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
      await page.getByRole('button', { name: 'Upload batch' }).click();
      const detail = page.getByTestId('batch-detail');
      await detail.getByTestId('batch-state').filter({ hasText: 'DONE' }).waitFor({ timeout: 20_000 });
      await expect(detail.textContent()).resolves.toContain('30 created, 1 refused of 31');
      await expect(detail.locator('tr[data-line="32"]').textContent()).resolves.toContain('smartcard_set[0].smartcard_ca_id');
      const batchId = /#\/batches\/([0-9A-F]{32})$/.exec(page.url())![1];
      await page.locator(`tr[data-batch-id="${batchId}"]`).waitFor({ timeout: 10_000 });
      await page.screenshot({ path: join(SHOTS, 'console-batches.png'), fullPage: true });
      expect(foreignRequests).toEqual([]);
    });

    it('hides the operations view from a user without the role', async () => {
      await page.getByRole('button', { name: 'Log out' }).click();
      await page.close();
      await openConsole('alice', 'wonderland');
      await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link').allTextContents()).resolves.toEqual(['Requests', 'Batches']);
      await page.goto(`${origin}/console/#/operations`); // only the hash changes: no reload
      await page.getByRole('heading', { name: 'Provisioning requests' }).waitFor();
      expect(await page.getByRole('heading', { name: 'Operations' }).count()).toBe(0);
      await page.reload();
      await page.getByLabel('User name').waitFor(); // a reload logs out: the token lives in memory only
      expect(page.url()).not.toContain('token');
      expect(foreignRequests).toEqual([]);
    });
  });
}
