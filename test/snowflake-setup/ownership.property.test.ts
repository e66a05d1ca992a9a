import { join } from 'node:path';
import fc from 'fast-check';
import { SnowpipeSetup } from '../../lambdas/snowflake-setup/setup';
import type { SnowpipeProperties } from '../../lambdas/warehouse/snowpipe-objects';
import { loadMigrations } from '../../lambdas/warehouse/migrations';
import { sqlDirectory } from '../../lambdas/warehouse/sql-directory';
import { cleanModelStatements } from '../../lambdas/warehouse/clean-models';
import { CapturedLogger } from '../support/environment';
import { RecordingExecutor } from '../support/recording-executor';

const properties: SnowpipeProperties = {
  secretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:pipeline/snowflake',
  database: 'PIPELINE_DEV',
  warehouse: 'PIPELINE_WH',
  integrationName: 'PIPELINE_DEV_S3',
  accessRoleArn: 'arn:aws:iam::123456789012:role/pipeline-dev-snowflake-access',
  bucketName: 'pipeline-dev-transformed',
  tables: [
    { name: 'FAKESTORE__CARTS', prefix: 'fakestore/carts/', columns: [{ name: 'ID', type: 'integer' }] },
    { name: 'FAKESTORE__USERS', prefix: 'fakestore/users/', columns: [{ name: 'ID', type: 'integer' }] },
  ],
  removalPolicy: 'destroy',
  publishedBy: 'run',
  owner: 'Pipeline-dev (dev)',
};
const OURS = 'managed by the CloudFormation stack Pipeline-dev (dev); dropped with it';
const migrations = loadMigrations(join(sqlDirectory(), 'migrations'), {
  database: 'PIPELINE_DEV',
  warehouse: 'PIPELINE_WH',
});
const cleanModels = cleanModelStatements();

/** Objects of those names that may be in the account already; those inside need the database. */
const ACCOUNT_LEVEL = ['PIPELINE_DEV', 'PIPELINE_DEV_S3', 'PIPELINE_DEV_LOADER', 'PIPELINE_DEV_ANALYST'];
const IN_DATABASE = [
  'PIPELINE_DEV.RAW.PARQUET_FORMAT',
  'PIPELINE_DEV.RAW.TRANSFORMED_STAGE',
  'PIPELINE_DEV.RAW.FAKESTORE__CARTS_PIPE',
  'PIPELINE_DEV.RAW.FAKESTORE__USERS_PIPE',
];
const shortName = (name: string) => name.split('.').at(-1)!;
/** The statement acts on exactly this object (not on one whose name merely starts the same). */
const namesObject = (statement: string, name: string) =>
  new RegExp(` ${name.replace(/[.$]/g, '\\$&')}(\\s|$)`).test(statement);

/** What is there before the first deploy: each object absent, or there with no, another's, or our comment. */
const accounts = fc.record({
  present: fc.dictionary(
    fc.constantFrom(...ACCOUNT_LEVEL, ...IN_DATABASE),
    fc.constantFrom('', 'production data, keep', OURS),
  ),
  adopt: fc.subarray([...ACCOUNT_LEVEL, ...IN_DATABASE].map(shortName)),
  /** Between deploy and delete, objects someone replaced by hand: same name, not the stack's comment. */
  replaced: fc.subarray([...ACCOUNT_LEVEL, ...IN_DATABASE]),
});

describe('the Snowflake side never takes over or drops what is not its own', () => {
  it('over any account: Create then Delete leave every object they do not own, and its comment, untouched', async () => {
    await fc.assert(
      fc.asyncProperty(accounts, async ({ present, adopt, replaced }) => {
        const executor = new RecordingExecutor();
        const before = Object.entries(present).filter(
          ([name]) => ACCOUNT_LEVEL.includes(name) || 'PIPELINE_DEV' in present,
        );
        for (const [name, comment] of before) {
          executor.existing.add(name);
          if (comment) executor.comments.set(name, comment);
        }
        const setup = new SnowpipeSetup({ executor, migrations, cleanModels, logger: new CapturedLogger() });
        const created = await setup.create({ ...properties, adoptExisting: adopt }).then(
          () => true,
          (error: Error) => {
            // Refused, naming an object of this account that is not its own.
            expect(error.message).toMatch(/already exists and was not created by this stack/);
            return false;
          },
        );
        const foreign: Array<[string, string]> = before.filter(
          ([name, comment]) => comment !== OURS && !adopt.includes(shortName(name)),
        );
        if (created) {
          for (const name of replaced.filter((name) => executor.existing.has(name))) {
            executor.comments.set(name, 'made by hand after the deploy');
            foreign.push([name, 'made by hand after the deploy']);
          }
          const deploying = executor.statements.length;
          await setup.delete(properties);
          // The delete drops none of them (the database under them only if it is the stack's own).
          for (const [name] of foreign)
            expect(
              executor.statements
                .slice(deploying)
                .filter((statement) => /^DROP /.test(statement) && namesObject(statement, name)),
            ).toEqual([]);
        }
        for (const [name, comment] of foreign) {
          expect(executor.existing.has(name)).toBe(true);
          expect(executor.comments.get(name) ?? '').toBe(comment);
        }
        // What was there before and not adopted was never altered or dropped.
        for (const [name] of before.filter(([, comment]) => comment !== OURS))
          if (!adopt.includes(shortName(name)))
            expect(
              executor.statements.filter(
                (statement) => /^(ALTER|DROP) /.test(statement) && namesObject(statement, name),
              ),
            ).toEqual([]);
        // Whatever it refused on, it made nothing first.
        if (!created)
          expect(executor.statements.filter((statement) => /^(CREATE|DROP) /.test(statement))).toEqual([]);
      }),
      { numRuns: 150 },
    );
  });
});
