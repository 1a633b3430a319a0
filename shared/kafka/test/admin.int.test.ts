import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import kafkajs, { type Kafka } from 'kafkajs';
import { contractOf } from '../../contracts/avro.ts';
import { RegistryClient } from '../../contracts/registry.ts';
import { avroTopics, topicRegistry, type TopicRegistry } from '../../contracts/topics.ts';
import { exampleEvent } from '../../contracts/test/examples.ts';
import { deleteTopics, testKafka, uniqueId } from '../../../test/kafka.ts';
import { getStack } from '../../../test/stack.ts';
import { ensureTopics, prepareContracts, registerSchemas } from '../admin.ts';

const { ConfigResourceTypes } = kafkajs;

let kafka: Kafka;
let registry: RegistryClient;
const created: string[] = [];

/** A registry of topics no other run uses. */
function freshTopics(): TopicRegistry {
  const topics = topicRegistry(`${uniqueId('test')}.`);
  created.push(...Object.values(topics).map((t) => t.name));
  return topics;
}

/** What the broker says, asked independently of ensureTopics. */
async function brokerView(names: string[]): Promise<Array<{ name: string; partitions: number; cleanupPolicy?: string }>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const { topics } = await admin.fetchTopicMetadata({ topics: names });
    const { resources } = await admin.describeConfigs({
      includeSynonyms: false,
      resources: names.map((name) => ({ type: ConfigResourceTypes.TOPIC, name, configNames: ['cleanup.policy'] })),
    });
    return names.map((name) => ({
      name,
      partitions: topics.find((t) => t.name === name)!.partitions.length,
      cleanupPolicy: resources.find((r) => r.resourceName === name)?.configEntries[0]?.configValue,
    }));
  } finally {
    await admin.disconnect();
  }
}

/** A topic made by hand, the way someone might have before the contracts existed. */
async function createPlainTopic(name: string, partitions: number): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({ waitForLeaders: false, topics: [{ topic: name, numPartitions: partitions }] });
  } finally {
    await admin.disconnect();
  }
}

async function versions(subject: string): Promise<number[]> {
  const res = await fetch(`${registry.url}/subjects/${encodeURIComponent(subject)}/versions`);
  return (await res.json()) as number[];
}

beforeAll(async () => {
  const stack = await getStack();
  kafka = testKafka(stack);
  registry = new RegistryClient(stack.schemaRegistryUrl);
});

afterAll(async () => {
  if (created.length > 0) {
    const admin = kafka.admin();
    await admin.connect();
    const existing = new Set(await admin.listTopics());
    await admin.disconnect();
    const ours = created.filter((t) => existing.has(t));
    if (ours.length > 0) await deleteTopics(kafka, ours);
  }
});

describe('ensureTopics', () => {
  it('creates every topic with the default partition count, compacting the latest-value topics only', async () => {
    const topics = freshTopics();
    const all = Object.values(topics);
    await ensureTopics(kafka, all);
    expect(await brokerView(all.map((t) => t.name))).toEqual(
      all.map((t) => ({ name: t.name, partitions: 12, cleanupPolicy: t.cleanupPolicy })),
    );
    expect(all.filter((t) => t.cleanupPolicy === 'compact')).toEqual([topics.CUSTOMERS, topics.EXPOSURE, topics.GROUP_EXPOSURE, topics.CREDIT_SCORES, topics.FX_RATES]);
  });

  it('is idempotent: a second run changes nothing and reports the same topics', async () => {
    const topics = freshTopics();
    const all = Object.values(topics);
    const first = await ensureTopics(kafka, all, { partitions: 3 });
    const second = await ensureTopics(kafka, all, { partitions: 3 });
    expect(second).toEqual(first);
    expect(first.every((t) => t.partitions === 3)).toBe(true);
  });

  it('creates only what is missing next to an existing, matching topic', async () => {
    const topics = freshTopics();
    await ensureTopics(kafka, [topics.ORDERS], { partitions: 3 });
    await ensureTopics(kafka, [topics.ORDERS, topics.PAYMENTS], { partitions: 3 });
    expect((await brokerView([topics.ORDERS.name, topics.PAYMENTS.name])).map((t) => t.partitions)).toEqual([3, 3]);
  });

  it('creates non-compacted topics with retention.ms (-1 by default), and never changes an existing topic\'s', async () => {
    const topics = freshTopics();
    const admin = kafka.admin();
    await admin.connect();
    try {
      await admin.createTopics({
        waitForLeaders: false,
        topics: [{ topic: topics.PAYMENTS.name, numPartitions: 3, configEntries: [{ name: 'retention.ms', value: '3600000' }] }],
      });
      await ensureTopics(kafka, [topics.ORDERS, topics.PAYMENTS, topics.CUSTOMERS], { partitions: 3 });
      await ensureTopics(kafka, [topics.INVOICES], { partitions: 3, retentionMs: 86_400_000 });
      const names = [topics.ORDERS, topics.PAYMENTS, topics.CUSTOMERS, topics.INVOICES].map((t) => t.name);
      const { resources } = await admin.describeConfigs({
        includeSynonyms: false,
        resources: names.map((name) => ({ type: ConfigResourceTypes.TOPIC, name, configNames: ['retention.ms'] })),
      });
      const retention = names.map((name) => resources.find((r) => r.resourceName === name)?.configEntries[0]);
      expect([0, 1, 3].map((i) => retention[i]?.configValue)).toEqual(['-1', '3600000', '86400000']);
      expect(retention[2]?.isDefault).toBe(true); // compacted: the broker's retention, not set by us
    } finally {
      await admin.disconnect();
    }
  });

  it('creates the audit trails (credit actions, customer changes) with retention.ms=-1 whatever the configured retention', async () => {
    const topics = freshTopics();
    const admin = kafka.admin();
    await admin.connect();
    try {
      const trails = [topics.CREDIT_ACTIONS, topics.CUSTOMER_CHANGES, topics.ORDERS];
      await ensureTopics(kafka, trails, { partitions: 3, retentionMs: 86_400_000 });
      const { resources } = await admin.describeConfigs({
        includeSynonyms: false,
        resources: trails.map((t) => ({ type: ConfigResourceTypes.TOPIC, name: t.name, configNames: ['retention.ms'] })),
      });
      const retention = trails.map((t) => resources.find((r) => r.resourceName === t.name)?.configEntries[0]?.configValue);
      expect(retention).toEqual(['-1', '-1', '86400000']); // orders: the configured retention
    } finally {
      await admin.disconnect();
    }
  });

  it('refuses an existing topic with another partition count, naming it', async () => {
    const topics = freshTopics();
    await createPlainTopic(topics.PAYMENTS.name, 2);
    await expect(ensureTopics(kafka, [topics.ORDERS, topics.PAYMENTS], { partitions: 3 })).rejects.toThrow(
      `${topics.PAYMENTS.name} has 2 partitions, expected 3`,
    );
  });

  it('refuses an existing snapshot topic that is not compacted', async () => {
    const topics = freshTopics();
    await createPlainTopic(topics.EXPOSURE.name, 3);
    await expect(ensureTopics(kafka, [topics.EXPOSURE], { partitions: 3 })).rejects.toThrow(
      `${topics.EXPOSURE.name} has cleanup.policy=delete, expected compact`,
    );
  });
});

describe('registerSchemas', () => {
  it('registers every subject with BACKWARD compatibility, idempotently', async () => {
    const specs = avroTopics(freshTopics());
    const first = await registerSchemas(registry, specs);
    const second = await registerSchemas(registry.url, specs);
    expect(second).toEqual(first);
    expect([...first.keys()]).toEqual(specs.map((s) => s.subject));
    for (const spec of specs) {
      expect(await registry.compatibility(spec.subject)).toBe('BACKWARD');
      expect(await versions(spec.subject)).toEqual([1]);
    }
  });

  it('sets BACKWARD on a subject that had another level, and BACKWARD then refuses a breaking change', async () => {
    const [orders] = avroTopics(freshTopics());
    await registry.setCompatibility(orders!.subject, 'NONE');
    await registerSchemas(registry, [orders!]);
    expect(await registry.compatibility(orders!.subject)).toBe('BACKWARD');

    // A new required field without a default cannot read the records already written.
    const breaking = JSON.parse(contractOf(orders!).schema);
    breaking.fields.push({ name: 'region', type: 'string' });
    const error = await registry.register(orders!.subject, JSON.stringify(breaking)).catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toHaveProperty('retriable', true);
    expect(await versions(orders!.subject)).toEqual([1]);
  });
});

describe('prepareContracts', () => {
  it('creates the topics, registers the schemas and returns a serde that knows the ids', async () => {
    const topics = freshTopics();
    const { serde, schemaIds } = await prepareContracts({ kafka, registry, topics, partitions: 3 });
    expect((await brokerView(Object.values(topics).map((t) => t.name))).map((t) => t.partitions)).toEqual(
      Object.values(topics).map(() => 3),
    );
    const value = await serde.encode(topics.ORDERS, exampleEvent('OrderPlaced'));
    expect(value.readInt32BE(1)).toBe(schemaIds.get(topics.ORDERS.subject));
    expect(await serde.decode(topics.ORDERS, value)).toEqual(exampleEvent('OrderPlaced'));
  });
});

describe('three services starting at the same instant on a fresh namespace (what docker compose up does)', () => {
  it('all prepare their contracts, five times in a row', async () => {
    const stack = await getStack();
    for (let round = 0; round < 5; round++) {
      const topics = freshTopics();
      // Each "service" with its own Kafka client and registry client, as separate processes would have.
      const results = await Promise.allSettled(
        [0, 1, 2].map(() =>
          prepareContracts({ kafka: testKafka(stack), registry: new RegistryClient(stack.schemaRegistryUrl), topics, partitions: 3 }),
        ),
      );
      const failures = results.flatMap((r) => (r.status === 'rejected' ? [String(r.reason)] : []));
      expect(failures, `round ${round}`).toEqual([]);
      const ids = results.map((r) => (r.status === 'fulfilled' ? [...r.value.schemaIds.entries()].sort() : []));
      expect(ids[1]).toEqual(ids[0]);
      expect(ids[2]).toEqual(ids[0]);
      for (const spec of avroTopics(topics)) expect(await registry.compatibility(spec.subject)).toBe('BACKWARD');
    }
  });
});
