import { dirname, join, resolve } from 'node:path';
import { driverPartAliases } from './driver-parts-left-out';
import { installCommands } from './lambda-native-modules';
import { Duration, RemovalPolicy, Size } from 'aws-cdk-lib';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { METRICS_NAMESPACE } from '../../lambdas/shared/metrics';
import { sourceFolders } from '../../lambdas/sources/catalogue';
import { acceptFinding } from './nag-acknowledgements';

const repositoryRoot = join(__dirname, '..', '..');

export interface PipelineFunctionProps {
  /** The handler module: `lambdas/<step>/handler.ts`. */
  readonly step: string;
  /** @default 'handler' */
  readonly handler?: string;
  /** @default 256 */
  readonly memorySize?: number;
  /** @default 15 minutes (extract and validate stop themselves a minute before) */
  readonly timeout?: Duration;
  readonly environment?: Record<string, string>;
  readonly logRetention: RetentionDays;
  readonly removalPolicy: RemovalPolicy;
  /**
   * Folders the handler reads next to itself at run time (migrations, models, source folders): bundle
   * path → path in the repository (or absolute), copied into the bundle after esbuild.
   * @default none
   */
  readonly filesNextToHandler?: Record<string, string>;
  /**
   * Packages with a native binding (DuckDB): left out of esbuild and installed into the bundle for the
   * Lambda's platform (linux, arm64) at the versions and integrity package-lock.json pins, offline.
   * @default none
   */
  readonly nativeModules?: readonly string[];
  /** /tmp for the function (validate's fast path keeps a page group there). @default 512 MiB */
  readonly ephemeralStorageMiB?: number;
}

/**
 * Every source folder the synth found, to travel with a handler that reads the catalogue: each as
 * `sources/<name>`, from the repository's sources/ or from PIPELINE_SOURCES_PATH alike, so the
 * function knows exactly the sources this deploy was made with.
 */
export function sourceFoldersNextToHandler(): Record<string, string> {
  return Object.fromEntries(sourceFolders().map((folder) => [`sources/${folder.name}`, folder.directory]));
}

/** Commands run in the bundle after esbuild: copy the handler's files, install its native modules. */
function afterBundlingHooks(files: Record<string, string>, nativeModules: readonly string[]) {
  return {
    beforeBundling: () => [],
    beforeInstall: () => [],
    afterBundling: (_input: string, output: string) => [
      ...Object.entries(files).flatMap(([target, source]) => [
        `mkdir -p '${dirname(join(output, target))}'`,
        `cp -r '${resolve(repositoryRoot, source)}' '${join(output, target)}'`,
      ]),
      // Installed offline, at the lockfile's versions and integrity (lambda-native-modules.ts): the
      // platform binaries were fetched by npm ci, so synth needs no registry.
      ...installCommands(output, nativeModules),
    ],
  };
}

/**
 * Every Lambda of the pipeline, with the house defaults in one place: Node.js 22 on ARM64, bundled by
 * the local esbuild (never Docker), source maps, X-Ray, an explicit log group with retention, and the
 * Powertools settings the shared logger and metrics read.
 */
export class PipelineFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: PipelineFunctionProps) {
    const logGroup = new LogGroup(scope, `${id}Logs`, {
      retention: props.logRetention,
      removalPolicy: props.removalPolicy,
    });
    super(scope, id, {
      entry: join(repositoryRoot, 'lambdas', props.step, 'handler.ts'),
      handler: props.handler ?? 'handler',
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout ?? Duration.minutes(15),
      ...(props.ephemeralStorageMiB
        ? { ephemeralStorageSize: Size.mebibytes(props.ephemeralStorageMiB) }
        : {}),
      tracing: Tracing.ACTIVE,
      logGroup,
      depsLockFilePath: join(repositoryRoot, 'package-lock.json'),
      projectRoot: repositoryRoot,
      environment: {
        POWERTOOLS_SERVICE_NAME: `pipeline-${props.step}`,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        POWERTOOLS_LOG_LEVEL: 'INFO',
        NODE_OPTIONS: '--enable-source-maps',
        ...props.environment,
      },
      bundling: {
        forceDockerBundling: false,
        format: OutputFormat.CJS,
        target: 'node22',
        sourceMap: true,
        // A stack trace needs the mappings, not the sources' text: maps a third the size, read faster at
        // a cold start under --enable-source-maps (docs/benchmarks.md, "Cold start").
        sourcesContent: false,
        minify: true,
        // The runtime's own AWS SDK would make the deployed code depend on whatever version AWS ships.
        bundleAwsSDK: true,
        externalModules: [...(props.nativeModules ?? [])],
        // Harmless where the driver is not bundled: an alias only applies to a package that is imported.
        esbuildArgs: driverPartAliases(),
        ...(props.filesNextToHandler || props.nativeModules
          ? { commandHooks: afterBundlingHooks(props.filesNextToHandler ?? {}, props.nativeModules ?? []) }
          : {}),
      },
    });
    acceptFinding(
      this,
      'IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      'the basic execution role only lets the function write its own log streams',
    );
    acceptFinding(
      this,
      'IAM5[Resource::*]',
      'X-Ray PutTraceSegments and PutTelemetryRecords have no resource-level permissions',
    );
    acceptFinding(
      this,
      'L1',
      'nodejs22.x on purpose: the code and its dependencies are tested on Node 22 (docs/deploy.md); upgrade deliberately',
    );
  }
}
