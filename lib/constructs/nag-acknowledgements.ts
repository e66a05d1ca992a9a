import { Stack, Validations } from 'aws-cdk-lib';
import type { CfnElement } from 'aws-cdk-lib';
import type { IGrantable } from 'aws-cdk-lib/aws-iam';
import type { Bucket } from 'aws-cdk-lib/aws-s3';
import type { IConstruct } from 'constructs';

/** One cdk-nag AwsSolutions finding, by its finding id (`IAM5[Resource::*]`), accepted with a reason. */
export function acceptFinding(scope: IConstruct, finding: string, reason: string): void {
  Validations.of(scope).acknowledge({ id: `AwsSolutions::AwsSolutions-${finding}`, reason });
}

/** The `<LogicalId.Arn>` cdk-nag writes for a resource's ARN in a policy finding. */
export function arnToken(element: CfnElement): string {
  return `<${Stack.of(element).resolve(Stack.of(element).getLogicalId(element))}.Arn>`;
}

/**
 * What a function may do under its prefix. `put` and `readPut` write objects but never delete one (raw
 * is immutable, the failed layer only grows); `readWrite` may delete (leases released, parts of an
 * upload abandoned).
 */
export type PrefixAccess = 'read' | 'put' | 'readPut' | 'readWrite';

const read = ['s3:GetObject*', 's3:GetBucket*', 's3:List*'];
const put = ['s3:Abort*'];
const objectActionGroups: Record<PrefixAccess, string[]> = {
  read,
  put,
  readPut: [...read, ...put],
  readWrite: [...read, 's3:DeleteObject*', 's3:PutObject*', 's3:Abort*'],
};

/**
 * Grants a function access to the objects under one prefix of a bucket, and accepts the two kinds of
 * wildcard cdk-nag sees in it: the prefix itself (`<bucket>/<prefix>/*`, the narrowest an object
 * grant can be) and CDK's action groups (`s3:GetObject*` = GetObject, GetObjectVersion, …).
 */
export function grantPrefix(
  bucket: Bucket,
  grantee: IGrantable & IConstruct,
  prefix: string,
  access: PrefixAccess,
): void {
  const pattern = `${prefix}/*`;
  if (access === 'read' || access === 'readPut') bucket.grantRead(grantee, pattern);
  if (access === 'put' || access === 'readPut') bucket.grantPut(grantee, pattern);
  if (access === 'readWrite') bucket.grantReadWrite(grantee, pattern);
  const reason = `object access limited to ${pattern} of this bucket; CDK's ${access} grant uses action groups for the object operations`;
  acceptFinding(
    grantee,
    `IAM5[Resource::${arnToken(bucket.node.defaultChild as CfnElement)}/${pattern}]`,
    reason,
  );
  for (const action of objectActionGroups[access]) acceptFinding(grantee, `IAM5[Action::${action}]`, reason);
}
