// Produces generator records to Kafka: encoded through the project's serde (schema registry, validation), grouped
// per topic in one sendBatch with acks from all in-sync replicas, through an idempotent producer so a retried batch
// is written once. Records keep the producer's timestamp, not their event time: a replayed 2012 ledger stamped
// with 2012 would fall straight out of time-based retention.
import type { Message, Producer, TopicMessages } from 'kafkajs';
import type { EventSerde } from '../../shared/contracts/serde.ts';
import type { AnyEvent, TopicRegistry, TopicSpec } from '../../shared/contracts/topics.ts';
import type { OutRecord } from './out-record.ts';

export class EventProducer {
  constructor(
    private readonly producer: Producer,
    private readonly serde: EventSerde,
    private readonly topics: TopicRegistry,
  ) {}

  /** Encodes and sends the batch; resolves when every record is acknowledged. Order is kept within each topic. */
  async send(batch: readonly OutRecord[]): Promise<void> {
    const byTopic = new Map<string, { spec: TopicSpec; records: OutRecord[] }>();
    for (const r of batch) {
      const spec = this.topics[r.topic] as TopicSpec;
      const group = byTopic.get(spec.name) ?? { spec, records: [] };
      group.records.push(r);
      byTopic.set(spec.name, group);
    }
    const topicMessages: TopicMessages[] = await Promise.all(
      [...byTopic.values()].map(async ({ spec, records }) => ({
        topic: spec.name,
        messages: await Promise.all(records.map((r) => this.message(spec, r))),
      })),
    );
    await this.producer.sendBatch({ topicMessages, acks: -1 });
  }

  private async message(spec: TopicSpec, r: OutRecord): Promise<Message> {
    const value = await this.serde.encode(spec, r.event as AnyEvent);
    return r.partition === undefined ? { key: r.key, value } : { key: r.key, value, partition: r.partition };
  }
}
