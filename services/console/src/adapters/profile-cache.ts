// The latest credit profile of every customer, read from the compacted o2c.customers.v1 (consumer group `console`,
// from the beginning at every start, no offsets committed). An approved limit change publishes the whole profile, so
// it must start from the profile as it is, contact and notice settings included, which reporting does not keep.
import type { Admin, Consumer, Kafka } from 'kafkajs';
import type { CustomerCreditProfile, CustomerEvent } from '../../../../shared/contracts/events.generated.ts';
import type { EventSerde } from '../../../../shared/contracts/serde.ts';
import type { TopicSpec } from '../../../../shared/contracts/topics.ts';
import type { Logger } from '../../../../shared/logger.ts';

export class ProfileCache {
  private readonly profiles = new Map<string, CustomerCreditProfile>();
  /** Per partition, the offset below which everything was read (the log end at start-up, until reached). */
  private readonly pending = new Map<number, bigint>();
  private consumer: Consumer | undefined;

  constructor(private readonly o: { kafka: Kafka; admin: Admin; serde: EventSerde; spec: TopicSpec<CustomerEvent>; groupId: string; logger: Logger }) {}

  /** True once every profile present at start-up was read: before that, a profile may be older than Kafka's. */
  get ready(): boolean {
    return this.pending.size === 0;
  }

  get(customerId: string): CustomerCreditProfile | undefined {
    return this.profiles.get(customerId);
  }

  async start(): Promise<void> {
    const { kafka, admin, serde, spec, groupId, logger } = this.o;
    for (const p of await admin.fetchTopicOffsets(spec.name)) {
      if (BigInt(p.high) > BigInt(p.low)) this.pending.set(p.partition, BigInt(p.high));
    }
    const consumer = (this.consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false }));
    await consumer.connect();
    await consumer.subscribe({ topic: spec.name, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        try {
          const event = await serde.decode(spec, message.value);
          this.profiles.set(event.customerId, event.payload);
        } catch (error) {
          // Not ours to dead-letter: the services that consume profiles do. The approval refuses a missing profile.
          logger.warn({ err: error, partition, offset: message.offset }, 'undecodable customer profile skipped');
        }
        const end = this.pending.get(partition);
        if (end !== undefined && BigInt(message.offset) + 1n >= end) this.pending.delete(partition);
      },
    });
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
  }
}
