// Two start-up settings of prepareContracts on the real stack: KAFKA_REPLICATION_FACTOR is what the topics it creates
// get (and one the cluster cannot give is refused naming the variable), and SCHEMA_AUTO_REGISTER=false writes nothing
// to the registry, only checks that each subject exists and accepts this service's schema, naming the subject when not.
import type { Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../config.ts';
import { RegistryClient } from '../../contracts/registry.ts';
import { avroTopics, topicRegistry, type TopicRegistry } from '../../contracts/topics.ts';
import { deleteTopics, testKafka, uniqueId } from '../../../test/kafka.ts';
import { getStack, type Stack } from '../../../test/stack.ts';
import { ensureTopics, prepareContracts, registerSchemas, SchemaContractError, verifySchemas } from '../admin.ts';

let stack: Stack;
let kafka: Kafka;
let registry: RegistryClient;
const created: string[] = [];

function freshTopics(): TopicRegistry {
  const topics = topicRegistry(`${uniqueId('startup')}.`);
  created.push(...Object.values(topics).map((t) => t.name));
  return topics;
}

async function existingOf(names: readonly string[]): Promise<string[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const all = new Set(await admin.listTopics());
    return names.filter((n) => all.has(n));
  } finally {
    await admin.disconnect();
  }
}

async function subjects(): Promise<string[]> {
  const res = await fetch(`${stack.schemaRegistryUrl}/subjects`);
  return (await res.json()) as string[];
}

beforeAll(async () => {
  stack = await getStack();
  kafka = testKafka(stack);
  registry = new RegistryClient(stack.schemaRegistryUrl);
});

afterAll(async () => {
  const left = await existingOf(created);
  if (left.length > 0) await deleteTopics(kafka, left);
});

describe('KAFKA_REPLICATION_FACTOR', () => {
  it('creates topics with that many replicas, as the broker describes them', async () => {
    const topics = freshTopics();
    const states = await ensureTopics(kafka, [topics.ORDERS, topics.CUSTOMERS], { partitions: 2, replicationFactor: 1 });
    expect(states.map((s) => s.replicationFactor)).toEqual([1, 1]);
    const admin = kafka.admin();
    await admin.connect();
    try {
      const { topics: described } = await admin.fetchTopicMetadata({ topics: [topics.ORDERS.name] });
      expect(described[0]!.partitions.map((p) => p.replicas.length)).toEqual([1, 1]);
    } finally {
      await admin.disconnect();
    }
  });

  it('refuses more replicas than the cluster has brokers, naming the variable, and creates nothing', async () => {
    const topics = freshTopics();
    const attempt = ensureTopics(kafka, [topics.ORDERS], { partitions: 2, replicationFactor: 3 });
    await expect(attempt).rejects.toBeInstanceOf(ConfigError);
    await expect(attempt).rejects.toThrow(/KAFKA_REPLICATION_FACTOR=3 is more than the 1 broker\(s\) of the cluster/);
    expect(await existingOf([topics.ORDERS.name])).toEqual([]);
  });

  it('reaches ensureTopics from a service config through prepareContracts', async () => {
    const topics = freshTopics();
    await expect(
      prepareContracts({
        kafka, registry, topics, partitions: 1,
        startup: { STARTUP_TIMEOUT_MS: 10_000, KAFKA_BROKERS: stack.kafkaBrokers, KAFKA_REPLICATION_FACTOR: 2 },
      }),
    ).rejects.toThrow(/KAFKA_REPLICATION_FACTOR=2/);
  });
});

describe('SCHEMA_AUTO_REGISTER=false', () => {
  const startup = () => ({ STARTUP_TIMEOUT_MS: 10_000, KAFKA_BROKERS: stack.kafkaBrokers, SCHEMA_AUTO_REGISTER: false });

  it('fails naming a subject that does not exist, and writes nothing to the registry', async () => {
    const topics = freshTopics();
    const attempt = prepareContracts({ kafka, registry, topics, partitions: 1, startup: startup() });
    await expect(attempt).rejects.toBeInstanceOf(SchemaContractError);
    await expect(attempt).rejects.toThrow(`subject ${topics.CUSTOMERS.subject} does not exist in the registry`);
    const ours = (await subjects()).filter((s) => avroTopics(topics).some((t) => t.subject === s));
    expect(ours).toEqual([]);
  });

  it('starts on subjects registered beforehand, with their ids, without writing', async () => {
    const topics = freshTopics();
    const registered = await registerSchemas(registry, avroTopics(topics));
    const versionsBefore = await Promise.all(avroTopics(topics).map((t) => fetch(`${stack.schemaRegistryUrl}/subjects/${t.subject}/versions`).then((r) => r.json())));
    const { schemaIds } = await prepareContracts({ kafka, registry, topics, partitions: 1, startup: startup() });
    expect(schemaIds).toEqual(registered);
    const versionsAfter = await Promise.all(avroTopics(topics).map((t) => fetch(`${stack.schemaRegistryUrl}/subjects/${t.subject}/versions`).then((r) => r.json())));
    expect(versionsAfter).toEqual(versionsBefore);
  });

  it("fails naming a subject whose compatibility rule refuses this service's schema", async () => {
    const topics = freshTopics();
    const specs = avroTopics(topics);
    await registerSchemas(registry, specs.slice(1));
    const [first] = specs;
    await registry.setCompatibility(first!.subject, 'BACKWARD');
    // Ours cannot read what this writer wrote: it has no field of ours, and ours have no defaults.
    await registry.register(first!.subject, JSON.stringify({ type: 'record', name: 'Other', namespace: 'test', fields: [{ name: 'x', type: 'string' }] }));
    await expect(verifySchemas(registry, specs)).rejects.toThrow(
      `subject ${first!.subject}: the registry's compatibility rule refuses this service's schema`,
    );
  });
});
