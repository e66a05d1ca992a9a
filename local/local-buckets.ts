/** The local S3's buckets, standing in for the stack's raw, transformed and failed buckets. */
export const localBuckets = { raw: 'raw', transformed: 'transformed', failed: 'failed' } as const;
