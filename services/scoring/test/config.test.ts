import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../shared/config.ts';
import { loadScoringConfig } from '../src/config.ts';
import { defaultPolicy } from '../src/domain/index.ts';

const base = { KAFKA_BROKERS: '127.0.0.1:9092', SCHEMA_REGISTRY_URL: 'http://127.0.0.1:8081/apis/ccompat/v7', REDIS_URL: 'redis://127.0.0.1:6379' };

describe('scoring configuration', () => {
  it('defaults to the default policy', () => {
    const c = loadScoringConfig(base);
    expect(c.policy).toEqual(defaultPolicy);
    expect(c.KAFKA_GROUP_ID).toBe('scoring');
    expect(c.HTTP_PORT).toBe(9467);
  });
  it('reads the cut-offs and multiples', () => {
    const c = loadScoringConfig({ ...base, SCORING_CLASS_PROBABILITY_CUTOFFS: '0.05,0.2,0.4,0.6', SCORING_LIMIT_MULTIPLES: '5,4,3,2,1' });
    expect(c.policy.probabilityCutoffs).toEqual([0.05, 0.2, 0.4, 0.6]);
    expect(c.policy.limitMultiples).toEqual([5, 4, 3, 2, 1]);
  });
  it('stops on a bad value, naming the variable', () => {
    expect(() => loadScoringConfig({ ...base, SCORING_CLASS_SCORE_CUTOFFS: '80,70' })).toThrow(/SCORING_CLASS_SCORE_CUTOFFS/);
    expect(() => loadScoringConfig({ ...base, SCORING_CLASS_PROBABILITY_CUTOFFS: '0.5,0.4,0.3,0.2' })).toThrow(ConfigError);
    expect(() => loadScoringConfig({ ...base, SCORING_HISTORY_DAYS: '100' })).toThrow(/SCORING_HISTORY_DAYS/);
  });
});
