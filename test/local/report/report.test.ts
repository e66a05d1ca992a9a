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
    // Three runs, two of them on the same logical date (a re-run): their columns must not share a label.
    for (const [index, day] of ['2026-11-20', '2026-11-21', '2026-11-21'].entries()) {
      await runChecks(
        warehouse.executor(),
        checks,
        duckdbDialect,
        `run-${index}`,
        new Date(`${day}T0${6 + index}:05:00Z`),
      );
      await warehouse.recordRun({
        batchId: `run-${index}`,
        logicalDate: day,
        startedAt: `${day}T0${6 + index}:00:00.000Z`,
        finishedAt: `${day}T0${6 + index}:05:00.000Z`,
        counts: {
          resources: [],
          totals: { extracted: 1_234_567 + index, valid: 1_234_567, rejected: index, quarantinedPages: 0 },
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
    expect(html).toContain('3 run(s), 2 check(s) on 1 table(s)');
  });

  browserIt(
    'reads well in headless Chromium: axes and values, one number format, layers named, checks by table with history',
    async () => {
      const browser = await chromium.launch({ executablePath: browserPath, args: ['--no-sandbox'] });
      try {
        const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
        await page.goto(`file://${file}`);
        await expect(page.locator('h1').textContent()).resolves.toBe('Pipeline report');
        // The screenshot a person looks at (REPORT_SCREENSHOT=path keeps it); the checks below read
        // the same rendering's geometry, so that what it shows is asserted, not only that it renders.
        await page.screenshot({
          path: process.env.REPORT_SCREENSHOT ?? join(directory, 'report.png'),
          fullPage: true,
        });

        // No two texts of any chart overlap or touch: labels, ticks and values all stay readable. Texts turned
        // alike (the runs' labels, 45°) are compared in their own turned frame, where their boxes are
        // exact; the rest by the boxes the browser lays them out in.
        for (const chart of await page.locator('svg.chart:not(.sparkline)').all()) {
          const boxes = await chart.locator('text').evaluateAll((texts) =>
            texts.map((element) => {
              // An SVG <text> (this project compiles without the DOM's types).
              const text = element as unknown as {
                textContent: string | null;
                getAttribute(name: string): string | null;
                getBoundingClientRect(): { left: number; right: number; top: number; bottom: number };
                getBBox(): { x: number; y: number; width: number; height: number };
              };
              const turn = /rotate\((-?[\d.]+) (-?[\d.]+) (-?[\d.]+)\)/.exec(
                text.getAttribute('transform') ?? '',
              );
              if (!turn) {
                const box = text.getBoundingClientRect();
                return {
                  text: text.textContent,
                  angle: 0,
                  left: box.left,
                  right: box.right,
                  top: box.top,
                  bottom: box.bottom,
                };
              }
              // In a frame turned back by the angle, a text turned about (cx, cy) is its own box moved by R(-a)c - c.
              const [angle, cx, cy] = turn.slice(1).map(Number) as [number, number, number];
              const radians = (-angle * Math.PI) / 180;
              const dx = cx * Math.cos(radians) - cy * Math.sin(radians) - cx;
              const dy = cx * Math.sin(radians) + cy * Math.cos(radians) - cy;
              const box = text.getBBox();
              return {
                text: text.textContent,
                angle,
                left: box.x + dx,
                right: box.x + box.width + dx,
                top: box.y + dy,
                bottom: box.y + box.height + dy,
              };
            }),
          );
          for (const [index, a] of boxes.entries())
            for (const b of boxes.slice(index + 1)) {
              if (a.angle !== b.angle) continue;
              // Closer than 2 px counts: texts that touch read as one ("1,234,5671,234,568").
              const overlap =
                a.left < b.right + 2 && b.left < a.right + 2 && a.top < b.bottom + 2 && b.top < a.bottom + 2;
              expect({ overlap, a: a.text, b: b.text }).toEqual({ overlap: false, a: a.text, b: b.text });
            }
        }

        // The runs chart: a y axis with round ticks, each column's total, a distinct label per run.
        const runsChart = page.locator('svg[aria-label="Records per run"]');
        const ticks = await runsChart.locator('text.tick').allTextContents();
        expect(ticks.length).toBeGreaterThanOrEqual(3);
        expect(ticks[0]).toBe('0');
        expect(await runsChart.locator('text.value').allTextContents()).toEqual([
          '1,234,567',
          '1,234,568',
          '1,234,569',
        ]);
        expect(await runsChart.locator('text.column-label').allTextContents()).toEqual([
          '2026-11-20 06:00',
          '2026-11-21 07:00',
          '2026-11-21 08:00',
        ]);

        // One number format in every numeric cell.
        const numbers = await page.locator('td.number').allTextContents();
        expect(numbers.length).toBeGreaterThan(10);
        for (const number of numbers) expect(number).toMatch(/^(–|-?\d{1,3}(,\d{3})*(\.\d{1,2})?)$/);

        // Counts named with their layer.
        await expect(page.locator('#rows ~ table th').allTextContents()).resolves.toEqual([
          'table',
          'RAW rows',
          'CLEAN rows',
        ]);
        await expect(page.locator('#rows ~ table td').allTextContents()).resolves.toEqual([
          'fakestore__products',
          '–',
          '2',
        ]);

        // Checks grouped by table, warnings first, each with one dot per run it ran in.
        const section = page.locator('section.check-table');
        await expect(section.locator('h3').textContent()).resolves.toBe(
          'fakestore__products 2 check(s): 1 warn, 1 pass',
        );
        const checks = section.locator('tbody tr');
        await expect(checks.count()).resolves.toBe(2);
        await expect(checks.first().textContent()).resolves.toMatch(/invalid_count\(price\).*warn.*1/);
        expect(await checks.first().locator('circle.dot').count()).toBe(3);
        expect(await page.locator('svg.sparkline').count()).toBe(2);
      } finally {
        await browser.close();
      }
    },
  );
});
