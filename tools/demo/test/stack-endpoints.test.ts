import { describe, expect, it } from 'vitest';
import { endpointsFromEnv, parseStackEnv } from '../src/stack-endpoints.ts';

const ALL = {
  KAFKA_BROKERS: 'k:9092',
  SCHEMA_REGISTRY_URL: 'http://r:8081/apis/ccompat/v7',
  REDIS_URL: 'redis://x:6379',
  DATABASE_URL: 'postgres://postgres@p:5432/o2c',
};

describe('endpointsFromEnv', () => {
  it('takes all four variables, or none', () => {
    expect(endpointsFromEnv({ ...ALL, PATH: '/bin' })).toEqual(ALL);
    expect(endpointsFromEnv({ PATH: '/bin', KAFKA_BROKERS: '' })).toBeUndefined();
  });

  it('names what is missing when only some are set', () => {
    expect(() => endpointsFromEnv({ KAFKA_BROKERS: 'k:9092', REDIS_URL: 'redis://x' })).toThrow(
      'KAFKA_BROKERS, REDIS_URL set but SCHEMA_REGISTRY_URL, DATABASE_URL not',
    );
  });
});

describe('parseStackEnv', () => {
  it('reads what stack/up.sh writes, quotes or not', () => {
    const text = `KAFKA_BROKERS=k:9092\nSCHEMA_REGISTRY_URL="http://r:8081/apis/ccompat/v7"\nREDIS_URL='redis://x:6379'\nDATABASE_URL=postgres://postgres@p:5432/o2c\n`;
    expect(parseStackEnv(text)).toEqual(ALL);
  });

  it('gives nothing for an incomplete file', () => {
    expect(parseStackEnv('KAFKA_BROKERS=k:9092\n')).toBeUndefined();
  });
});
