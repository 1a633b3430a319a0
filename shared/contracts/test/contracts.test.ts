import { readFileSync, readdirSync } from 'node:fs';
import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { GENERATED_PATH, generateTypes } from '../../../schemas/generate-types.ts';
import { contractOf } from '../avro.ts';
import { avroTopics, DEFAULT_PARTITIONS, Topics, topicRegistry } from '../topics.ts';

const SCHEMA_DIR = new URL('../../../schemas/', import.meta.url);
const schemaFiles = readdirSync(SCHEMA_DIR).filter((f) => f.endsWith('.avsc')).sort();

describe('schemas', () => {
  it.each(schemaFiles)('%s compiles with avsc', (file) => {
    const type = avro.Type.forSchema(JSON.parse(readFileSync(new URL(file, SCHEMA_DIR), 'utf8')) as avro.Schema);
    expect(type.typeName).toBe('record');
  });

  it('the generated types are what generate-types.ts writes today (no drift from the schemas)', () => {
    expect(readFileSync(GENERATED_PATH, 'utf8')).toBe(generateTypes());
  });

  it('every schema file belongs to exactly one topic', () => {
    expect(avroTopics(Topics).map((t) => t.schemaFile).sort()).toEqual(schemaFiles);
  });
});

describe('topic registry', () => {
  it.each(avroTopics(Topics).map((t) => [t.name, t] as const))('%s matches its schema', (_, spec) => {
    const contract = contractOf(spec);
    expect(contract.type.name).toBe(spec.recordName);
    const payload = contract.type.field('payload')!.type as avro.Type & { types: avro.Type[] };
    expect(payload.types.map((t) => t.name)).toEqual(spec.eventTypes.map((t) => `o2c.${t}`));
    expect(spec.subject).toBe(`${spec.name}-value`);
  });

  it('uses one partition count everywhere and compacts the snapshot topics only', () => {
    const all = Object.values(Topics);
    expect(new Set(all.map((t) => t.partitions))).toEqual(new Set([DEFAULT_PARTITIONS]));
    expect(all.filter((t) => t.cleanupPolicy === 'compact').map((t) => t.name).sort()).toEqual([
      'o2c.credit-scores.v1',
      'o2c.customers.v1',
      'o2c.exposure.v1',
      'o2c.fx-rates.v1',
      'o2c.group-exposure.v1',
    ]);
    expect(Topics.DLQ).toMatchObject({ name: 'o2c.dlq.v1', raw: true });
    expect(Topics.CREDIT_ACTIONS.name).toBe('o2c.credit-actions.v1');
  });

  it('a prefixed registry renames every topic and subject and nothing else', () => {
    const test = topicRegistry('test.abc.');
    expect(test.ORDERS).toEqual({ ...Topics.ORDERS, name: 'test.abc.o2c.orders.v1', subject: 'test.abc.o2c.orders.v1-value' });
    expect(test.DLQ.name).toBe('test.abc.o2c.dlq.v1');
  });
});
