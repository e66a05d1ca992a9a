import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { parseChecksFile } from '../../../lambdas/quality/check-config';
import { duckdbDialect } from '../../../lambdas/quality/dialect';
import { runChecks } from '../../../lambdas/quality/run-checks';
import { buildReport } from '../../../local/report/build-report';
import { LocalWarehouse } from '../../../local/warehouse/warehouse';

// Debian's Chromium (`apt-get install -y chromium`, which .ci/run does). Without it the browser test is
// skipped locally with this note; CI sets REQUIRE_BROWSER=1 so that a missing browser fails instead.
const browserPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const haveBrowser = existsSync(browserPath);
if (!haveBrowser && process.env.REQUIRE_BROWSER)
  throw new Error(`no Chromium at ${browserPath}: apt-get install -y chromium, or set CHROMIUM_PATH`);
const browserIt = haveBrowser ? it : it.skip;

describe('npm run report', () => {
  const directory = mkdtempSync(join(tmpdir(), 'report-'));
  const file = join(directory, 'report.html');
  let html = '';

  beforeAll(async () => {
    const warehouse = await LocalWarehouse.open(join(directory, 'warehouse.duckdb'));
    await warehouse.rows(
      "create table clean.fakestore__products as select * from (values (1, 'Backpack', 109.95), (2, 'Shirt', -1.0)) as t(id, title, price)",
    );
    const checks = parseChecksFile(
      'table: fakestore__products\nchecks:\n  - row_count: { min: 1 }\n  - invalid_count: { column: price, min: 0 }\n    severity: warn\n',
      'p.yml',
    );
    for (const [index, day] of ['2026-11-20', '2026-11-21'].entries()) {
      await runChecks(
        warehouse.executor(),
        checks,
        duckdbDialect,
        `run-${index}`,
        new Date(`${day}T06:05:00Z`),
      );
      await warehouse.recordRun({
        batchId: `run-${index}`,
        logicalDate: day,
        startedAt: `${day}T06:00:00.000Z`,
        finishedAt: `${day}T06:05:00.000Z`,
        counts: {
          resources: [],
          totals: { extracted: 2, valid: 2, rejected: index, quarantinedPages: 0 },
        },
      });
    }
    html = await buildReport(warehouse, new Date('2026-11-22T07:00:00Z'));
    warehouse.close();
    writeFileSync(file, html);
  });
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  it('is one self-contained page: no script, no external resource', () => {
    expect(html).not.toMatch(/<script|<link|src="http/);
    expect(html).toContain('2 run(s), 2 check(s)');
  });

  browserIt('renders in headless Chromium with the check results, their history and charts', async () => {
    const browser = await chromium.launch({ executablePath: browserPath, args: ['--no-sandbox'] });
    try {
      const page = await browser.newPage();
      await page.goto(`file://${file}`);
      await expect(page.locator('h1').textContent()).resolves.toBe('Pipeline report');
      const checks = page.locator('#checks ~ table tbody tr');
      await expect(checks.count()).resolves.toBe(2);
      // Warnings sort first; the invalid price is named.
      await expect(checks.first().textContent()).resolves.toMatch(/invalid_count\(price\).*warn.*-1/);
      expect(await page.locator('svg.chart').count()).toBeGreaterThanOrEqual(4);
      const runsChart = page.locator('svg[aria-label="Records per run"] rect');
      expect(await runsChart.count()).toBeGreaterThanOrEqual(4);
      // Each check has a history line once it ran twice.
      expect(await page.locator('svg.sparkline').count()).toBe(2);
      const box = await page.locator('svg[aria-label="Rows per CLEAN table"]').boundingBox();
      expect(box?.width).toBeGreaterThan(100);
    } finally {
      await browser.close();
    }
  });
});
