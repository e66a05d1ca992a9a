import { Grant, IGrantable } from 'aws-cdk-lib/aws-iam';
import type { IBucket } from 'aws-cdk-lib/aws-s3';

/**
 * A bucket as a construct that grants itself access sees it (Firehose's S3 destination calls
 * `grantReadWrite` on the whole bucket): its read-write grant covers only the objects under
 * `prefixes`, without delete, plus the bucket-level actions that listing and multipart uploads need.
 * Everything else is the bucket's own.
 */
export function writableOnlyUnder(bucket: IBucket, prefixes: string[]): IBucket {
  const grantUnderPrefixes = (grantee: IGrantable): Grant =>
    Grant.addToPrincipal({
      grantee,
      actions: ['s3:GetBucketLocation', 's3:ListBucket', 's3:ListBucketMultipartUploads'],
      resourceArns: [bucket.bucketArn],
    }).combine(
      Grant.addToPrincipal({
        grantee,
        actions: ['s3:PutObject', 's3:GetObject', 's3:AbortMultipartUpload'],
        resourceArns: prefixes.map((prefix) => bucket.arnForObjects(`${prefix}*`)),
      }),
    );
  return new Proxy(bucket, {
    get(target, property, receiver) {
      return property === 'grantReadWrite' ? grantUnderPrefixes : Reflect.get(target, property, receiver);
    },
  });
}
