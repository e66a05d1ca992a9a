import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { Template } from 'aws-cdk-lib/assertions';
import { LocalRunSummary, runLocalPipeline } from '../../local/local-run';
import { LocalWarehouse } from '../../local/warehouse/warehouse';
import { fixtureDirectory } from '../../local/fixture-api/fixture-data';
import { sourceFoldersNextToHandler } from '../../lib/constructs/pipeline-function';
import { pipelineStack } from '../support/pipeline-app';

/**
 * Adding an API is one folder plus its secrets (docs/sources.md): a folder written here, outside the
 * repository, on PIPELINE_SOURCES_PATH, and an API key in the environment. Nothing else is edited or
 * generated; the whole local pipeline runs it, and the deploy takes it in.
 */

// A national-totals API over the Global Footprint Network's 2019 country totals (data/fixtures/gfn,
// CC BY-SA 4.0): two years, 100 records a page, the key in a header.
const API_KEY = 'nfa-test-key';
const PAGE_SIZE = 100;
const totals = (
  parse(readFileSync(join(fixtureDirectory, 'gfn', 'nfa2019-country-totals.csv')), {
    columns: true,
  }) as Array<Record<string, string>>
)
  .filter((row) => row.Year === '2015' || row.Year === '2016')
  .map((row) => ({
    year: Number(row.Year),
    country: row.Country,
    iso_code: row.Code,
    earths: Number(row.Earths),
    population: Number(row.Population),
    region: row.Region,
  }));

const sourceYml = (baseUrl: string) => `# National footprint totals: a key in a header, numbered pages.
name: nfa
baseUrl: ${baseUrl}
auth: { type: api_key, in: header, name: X-API-Key, value: { secret: NFA_API_KEY } }
recordsPath: data
paginator: { type: page_number, sizeParam: per_page, size: ${PAGE_SIZE}, totalPagesPath: meta.total_pages }
resources:
  - { name: totals, path: /v1/totals }
`;

const contract = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'contracts/nfa/totals',
  title: 'A country’s footprint totals for one year',
  'x-pipeline': { mode: 'freeze', primaryKey: ['country', 'year'] },
  type: 'object',
  required: ['year', 'country'],
  properties: {
    year: { type: 'integer', minimum: 1961 },
    country: { type: 'string', minLength: 1 },
    // Namibia's code "NA" was lost on the way to the CSV: empty, as the data has it.
    iso_code: { type: ['string', 'null'], pattern: '^([A-Z]{2})?$' },
    earths: { type: ['number', 'null'] },
    population: { type: ['number', 'null'] },
    region: { type: ['string', 'null'] },
  },
};

const checks = `table: nfa__totals
checks:
  - row_count: { min: 300 }
  - missing_count: { columns: [country, year] }
  - duplicate_count: { columns: [country, year] }
  - invalid_count: { column: earths, min: 0 }
`;

/** The API: 401 without the key, else one page of the totals and how many pages there are. */
function startTotalsApi(seen: IncomingMessage[]): Promise<Server> {
  const server = createServer((request, response) => {
    seen.push(request);
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (request.headers['x-api-key'] !== API_KEY) {
      response.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"unauthorized"}');
      return;
    }
    if (url.pathname !== '/v1/totals') {
      response.writeHead(404).end();
      return;
    }
    const page = Number(url.searchParams.get('page') ?? 1);
    const size = Number(url.searchParams.get('per_page') ?? PAGE_SIZE);
    const body = {
      data: totals.slice((page - 1) * size, page * size),
      meta: { page, total_pages: Math.ceil(totals.length / size) },
    };
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

describe('a new API, added as one folder plus its secret', () => {
  const savedEnv = { ...process.env };
  const workspace = mkdtempSync(join(tmpdir(), 'one-folder-'));
  const sourcesDirectory = join(workspace, 'sources');
  const requests: IncomingMessage[] = [];
  let api: Server;

  beforeAll(async () => {
    api = await startTotalsApi(requests);
    const folder = join(sourcesDirectory, 'nfa');
    mkdirSync(join(folder, 'contracts'), { recursive: true });
    mkdirSync(join(folder, 'checks'), { recursive: true });
    writeFileSync(
      join(folder, 'source.yml'),
      sourceYml(`http://127.0.0.1:${(api.address() as AddressInfo).port}`),
    );
    writeFileSync(join(folder, 'contracts', 'totals.json'), JSON.stringify(contract, null, 2));
    writeFileSync(join(folder, 'checks', 'nfa__totals.yml'), checks);
    process.env.PIPELINE_SOURCES_PATH = sourcesDirectory;
    process.env.NFA_API_KEY = API_KEY;
  });
  afterAll(async () => {
    process.env = savedEnv;
    await new Promise((resolve) => api.close(resolve));
    rmSync(workspace, { recursive: true, force: true });
  });

  describe('runs through the whole local pipeline', () => {
    let summary: LocalRunSummary;
    beforeAll(async () => {
      summary = await runLocalPipeline({
        dataDirectory: join(workspace, 'data'),
        logicalDate: '2026-12-07',
        batchId: 'one-folder-1',
        sources: ['nfa'],
      });
    });

    it('extracting every page with the key, and loading every record into RAW and CLEAN', () => {
      expect(summary.status).toBe('SUCCEEDED');
      expect(requests.length).toBe(Math.ceil(totals.length / PAGE_SIZE));
      expect(requests.every((request) => request.headers['x-api-key'] === API_KEY)).toBe(true);
      expect(summary.counts?.totals).toMatchObject({
        extracted: totals.length,
        valid: totals.length,
        rejected: 0,
      });
      expect(summary.layers.raw).toContainEqual({ table: 'nfa__totals', rows: totals.length });
      expect(summary.layers.clean).toContainEqual({ table: 'nfa__totals', rows: totals.length });
    });

    it('keyed by the primary key its contract declares, values as the API sent them', async () => {
      const india2016 = totals.find((row) => row.country === 'India' && row.year === 2016)!;
      const warehouse = await LocalWarehouse.open(summary.warehousePath);
      try {
        const rows = await warehouse.rows(
          `select earths, population, iso_code from clean.nfa__totals where country = 'India' and year = 2016`,
        );
        expect(rows).toEqual([
          { earths: india2016.earths, population: india2016.population, iso_code: 'IN' },
        ]);
        const [namibia] = await warehouse.rows(
          `select count(*)::integer as years from clean.nfa__totals where country = 'Namibia' and iso_code = ''`,
        );
        expect(namibia).toEqual({ years: 2 });
      } finally {
        warehouse.close();
      }
    });

    it("checked by the folder's quality checks", () => {
      const results = summary.quality!.results.filter((result) => result.table === 'nfa__totals');
      expect(results.map((result) => [result.check, result.status])).toEqual([
        ['row_count()', 'pass'],
        ['missing_count(country, year)', 'pass'],
        ['duplicate_count(country, year)', 'pass'],
        ['invalid_count(earths)', 'pass'],
      ]);
    });
  });

  describe('is deployed with every environment', () => {
    let deployed: ReturnType<typeof pipelineStack>;
    let template: Template;
    beforeAll(() => {
      deployed = pipelineStack('prod', {
        overrides: {
          snowflake: {
            secretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:snowflake-AbCdEf',
            database: 'PIPELINE_PROD',
            warehouse: 'PIPELINE_WH',
          },
        },
      });
      template = Template.fromStack(deployed.stack);
    });

    it('among the sources the schedule runs', () => {
      expect(deployed.config.sources).toContain('nfa');
      const plans = Object.values(template.findResources('AWS::Lambda::Function')).filter((fn) =>
        String(fn.Properties.Environment?.Variables?.PIPELINE_SOURCES ?? '')
          .split(',')
          .includes('nfa'),
      );
      expect(plans).toHaveLength(1);
    });

    it('with its RAW table, pipe and CLEAN model in Snowflake', () => {
      const [integration] = Object.values(template.findResources('Custom::SnowpipeIntegration'));
      const properties = JSON.stringify(integration!.Properties.Config);
      expect(properties).toContain('NFA__TOTALS');
      expect(properties).toContain('nfa/totals/');
    });

    it('its folder travelling with the handlers that read the catalogue', () => {
      expect(sourceFoldersNextToHandler()).toMatchObject({
        'sources/nfa': join(sourcesDirectory, 'nfa'),
        'sources/gfn': expect.stringMatching(/sources\/gfn$/),
      });
    });
  });
});
