import { ConfigError } from '../../lambdas/shared/errors';
import { requiredEnv, stateBucketName } from '../../lambdas/shared/required-env';

/** extract and commit-state read the bucket of the cursors, and the raw bucket, from their environment. */
describe('the buckets a handler reads from its environment', () => {
  it('answers a set variable and names an unset or empty one, with what to do', () => {
    expect(requiredEnv('RAW_BUCKET', { RAW_BUCKET: 'raw-dev' })).toBe('raw-dev');
    for (const env of [{}, { RAW_BUCKET: '' }]) {
      expect(() => requiredEnv('RAW_BUCKET', env)).toThrow(ConfigError);
      expect(() => requiredEnv('RAW_BUCKET', env)).toThrow(
        'RAW_BUCKET is not set. Next step: set RAW_BUCKET in the function environment',
      );
    }
  });

  it('keeps cursors in STATE_BUCKET, else in the raw bucket, and says which to set when neither is', () => {
    expect(stateBucketName({ STATE_BUCKET: 'state-dev', RAW_BUCKET: 'raw-dev' })).toBe('state-dev');
    expect(stateBucketName({ STATE_BUCKET: '', RAW_BUCKET: 'raw-dev' })).toBe('raw-dev');
    expect(() => stateBucketName({})).toThrow(
      'STATE_BUCKET is not set. Next step: set STATE_BUCKET (or RAW_BUCKET) in the function environment',
    );
  });
});
