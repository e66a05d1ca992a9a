import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FunctionEnvironments } from '../../local/function-environment';
import { runLocalPipeline } from '../../local/local-run';
import { STATE, synthesizedPipeline } from '../../local/local-state-machine';
import { sourceFolders } from '../../lambdas/sources/catalogue';

describe("local mode runs each handler with its function's environment from the template", () => {
  const directories: string[] = [];
  const savedEnv = { ...process.env };
  afterEach(() => (process.env = { ...savedEnv }));
  afterAll(() => {
    for (const directory of directories) rmSync(directory, { recursive: true, force: true });
  });
  const runFakestore = (pipeline = synthesizedPipeline(), source = 'fakestore') => {
    const dataDirectory = mkdtempSync(join(tmpdir(), 'function-env-'));
    directories.push(dataDirectory);
    return runLocalPipeline({
      dataDirectory,
      logicalDate: '2026-11-20',
      batchId: `run-${directories.length}`,
      sources: [source],
      pipeline,
    });
  };

  it("gives each task its function's variables, the stack's buckets and secret made local", () => {
    const { environments } = synthesizedPipeline();
    expect(environments[STATE.extract]).toMatchObject({
      POWERTOOLS_SERVICE_NAME: 'pipeline-extract',
      RAW_BUCKET: 'raw',
      STATE_BUCKET: 'raw',
    });
    // Locally the sources' secrets are this shell's variables, not the stack's secret.
    expect(environments[STATE.extract]).not.toHaveProperty('PIPELINE_SECRET_ARN');
    expect(environments[STATE.validate]).toMatchObject({
      RAW_BUCKET: 'raw',
      TRANSFORMED_BUCKET: 'transformed',
      FAILED_BUCKET: 'failed',
      VALIDATE_FAST_PATH: 'on',
    });
    // Every source of the catalogue runs locally; the event APIs' placeholder URLs get endpoints.
    expect(environments[STATE.plan]!.PIPELINE_SOURCES!.split(',')).toEqual(
      sourceFolders().map((folder) => folder.name),
    );
    // The same function behind three states gets the same variables.
    expect(environments[STATE.releaseLease]).toEqual(environments[STATE.acquireLease]);
  });

  it('fails a run locally, as in AWS, when the template leaves a setting out, whatever the shell has', async () => {
    const pipeline = synthesizedPipeline();
    delete pipeline.environments[STATE.extract]!.RAW_BUCKET;
    process.env.RAW_BUCKET = 'raw';
    const summary = await runFakestore(pipeline);
    expect(summary.status).toBe('FAILED');
    expect(summary.error?.cause).toMatch(/RAW_BUCKET is not set/);
  }, 60_000);

  it("reads a source's secret values from this machine, not from the secret its deployed settings name", async () => {
    const pipeline = synthesizedPipeline();
    // As an environment with `sourceSettings.gfn.secretArn` deploys it (gfn's API key is a secret):
    // Secrets Manager is unreachable here, so a run that tried it would fail.
    const settings = JSON.stringify({
      gfn: {
        resources: ['countries'],
        secretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:gfn-AbCdEf',
      },
    });
    for (const state of [STATE.plan, STATE.extract])
      pipeline.environments[state]!.PIPELINE_SOURCE_SETTINGS = settings;
    const summary = await runFakestore(pipeline, 'gfn');
    expect(summary.error).toBeUndefined();
    expect(summary.status).toBe('SUCCEEDED');
    // The rest of the settings still apply: only the resource they name ran.
    expect(summary.counts?.resources.map((resource) => resource.resource)).toEqual(['countries']);
  }, 60_000);

  it("keeps this shell's settings out of the tasks", async () => {
    // Were the shell's PIPELINE_SOURCES seen by plan, fakestore would not be enabled and the run would fail.
    process.env.PIPELINE_SOURCES = 'gfn';
    const summary = await runFakestore();
    expect(summary.status).toBe('SUCCEEDED');
    expect(summary.counts?.resources.map((resource) => resource.source)).toContain('fakestore');
  }, 60_000);

  it('lets concurrent tasks each see only their own variables', async () => {
    const scope = new FunctionEnvironments();
    process.env.SHELL_ONLY = 'shell';
    scope.install();
    try {
      const seen = await Promise.all(
        ['a', 'b'].map((name) =>
          scope.run({ TASK: name }, async () => {
            await new Promise((resolve) => setTimeout(resolve, name === 'a' ? 20 : 1));
            return { task: process.env.TASK, shell: process.env.SHELL_ONLY, keys: Object.keys(process.env) };
          }),
        ),
      );
      expect(seen).toEqual([
        { task: 'a', shell: undefined, keys: ['TASK'] },
        { task: 'b', shell: undefined, keys: ['TASK'] },
      ]);
      expect(process.env.SHELL_ONLY).toBe('shell');
    } finally {
      scope.uninstall();
    }
    expect(process.env.TASK).toBeUndefined();
  });
});
