import { Aws, Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  BucketProps,
  ObjectOwnership,
  StorageClass,
} from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { EnvironmentConfig } from '../config/environment-config';
import { acceptFinding } from './nag-acknowledgements';

/**
 * A data bucket's name, fixed by environment, account and region: the streaming stack (and any other
 * stack) can name it without a cross-stack reference, and it is unique across accounts.
 */
export function dataBucketName(
  environment: string,
  kind: 'raw' | 'transformed' | 'failed' | 'access-logs',
): string {
  return `pipeline-${environment}-${kind}-${Aws.ACCOUNT_ID}-${Aws.REGION}`;
}

export interface DataBucketsProps {
  readonly environment: string;
  readonly retention: EnvironmentConfig['retention'];
  readonly removalPolicy: RemovalPolicy;
}

/**
 * S3 Standard-IA bills at least 128 KiB per object: smaller objects (manifests, incremental state,
 * schema versions) cost more there, so only larger ones move.
 */
const WORTH_MOVING_BYTES = 128 * 1024;

/**
 * The pipeline's storage: `raw` (the API's bytes, versioned, the archive everything can be rebuilt
 * from, plus incremental state under `state/`), `transformed` (typed Parquet that Snowpipe loads),
 * `failed` (rejects with reasons, kept for a while) and the bucket their access logs go to. All
 * private, encrypted, TLS-only.
 */
export class DataBuckets extends Construct {
  public readonly raw: Bucket;
  public readonly transformed: Bucket;
  public readonly failed: Bucket;
  public readonly accessLogs: Bucket;

  constructor(scope: Construct, id: string, props: DataBucketsProps) {
    super(scope, id);
    // CDK writes the lifecycle size filter as a number; CloudFormation reads it as the string it expects.
    Validations.of(this).acknowledge({
      id: 'CloudFormation-Validate::W9003',
      reason: 'ObjectSizeGreaterThan is emitted as a number by CDK and coerced by CloudFormation',
    });
    const destroy = props.removalPolicy === RemovalPolicy.DESTROY;
    const common: BucketProps = {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      removalPolicy: props.removalPolicy,
      // With `destroy` (dev) a stack deletion empties the buckets first, else CloudFormation cannot delete them.
      autoDeleteObjects: destroy,
    };
    this.accessLogs = new Bucket(this, 'AccessLogs', {
      ...common,
      bucketName: dataBucketName(props.environment, 'access-logs'),
      objectOwnership: ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ id: 'expire-access-logs', expiration: Duration.days(365) }],
    });
    acceptFinding(
      this.accessLogs,
      'S1',
      "this bucket receives the other buckets' access logs; logging it into itself would loop",
    );
    const logged = (prefix: string): BucketProps => ({
      ...common,
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: `${prefix}/`,
    });
    const { retention } = props;

    this.raw = new Bucket(this, 'Raw', {
      ...logged('raw'),
      bucketName: dataBucketName(props.environment, 'raw'),
      versioned: true,
      lifecycleRules: [
        {
          id: 'raw-to-cheaper-storage',
          objectSizeGreaterThan: WORTH_MOVING_BYTES,
          transitions: [
            {
              storageClass: StorageClass.INFREQUENT_ACCESS,
              transitionAfter: Duration.days(retention.rawInfrequentAccessDays),
            },
            {
              storageClass: StorageClass.GLACIER_INSTANT_RETRIEVAL,
              transitionAfter: Duration.days(retention.rawGlacierDays),
            },
          ],
        },
        // A re-run overwrites a batch's keys; the versions it replaced are kept a while, then go.
        { id: 'expire-replaced-versions', noncurrentVersionExpiration: Duration.days(retention.failedDays) },
      ],
    });
    this.transformed = new Bucket(this, 'Transformed', {
      ...logged('transformed'),
      bucketName: dataBucketName(props.environment, 'transformed'),
      lifecycleRules: [
        {
          id: 'transformed-to-cheaper-storage',
          objectSizeGreaterThan: WORTH_MOVING_BYTES,
          transitions: [
            {
              storageClass: StorageClass.INFREQUENT_ACCESS,
              transitionAfter: Duration.days(retention.transformedInfrequentAccessDays),
            },
          ],
        },
      ],
    });
    this.failed = new Bucket(this, 'Failed', {
      ...logged('failed'),
      bucketName: dataBucketName(props.environment, 'failed'),
      lifecycleRules: [{ id: 'expire-rejects', expiration: Duration.days(retention.failedDays) }],
    });
  }
}
