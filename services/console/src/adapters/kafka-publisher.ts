// What the console writes to Kafka: credit actions (o2c.credit-actions.v1), collectors' promises to pay
// (o2c.collections.v1) and approved profiles with their change history (o2c.customers.v1, then
// o2c.customer-changes.v1 caused by it), as the simulator and the importer do.
// Idempotent producer, acks from all in-sync replicas: a page reports success only once Kafka has the record.
import type { Kafka, Producer } from 'kafkajs';
import type { CreditActionTaken, CustomerCreditProfile, PromiseToPay } from '../../../../shared/contracts/events.generated.ts';
import type { EventSerde } from '../../../../shared/contracts/serde.ts';
import type { AnyEvent, TopicRegistry, TopicSpec } from '../../../../shared/contracts/topics.ts';
import { createIdempotentProducer } from '../../../../shared/kafka/client.ts';
import { termsOf } from '../domain/limit-change.ts';

export const SOURCE = 'console';

export class KafkaPublisher {
  private constructor(
    private readonly producer: Producer,
    private readonly serde: EventSerde,
    private readonly topics: TopicRegistry,
  ) {}

  static async open(kafka: Kafka, serde: EventSerde, topics: TopicRegistry): Promise<KafkaPublisher> {
    // The Java client's partitioner, as every producer of these topics: a customer's records on its partition.
    const producer = createIdempotentProducer(kafka);
    await producer.connect();
    return new KafkaPublisher(producer, serde, topics);
  }

  private async send(entries: ReadonlyArray<[TopicSpec, AnyEvent]>): Promise<void> {
    const topicMessages = await Promise.all(entries.map(async ([spec, event]) => ({
      topic: spec.name,
      messages: [{ key: event.customerId, value: await this.serde.encode(spec, event) }],
    })));
    await this.producer.sendBatch({ topicMessages, acks: -1 });
  }

  async creditAction(a: { eventId: string; customerId: string; at: number; action: CreditActionTaken }): Promise<void> {
    await this.send([[this.topics.CREDIT_ACTIONS, {
      eventId: a.eventId, eventType: 'CreditActionTaken', occurredAt: a.at, customerId: a.customerId, source: SOURCE,
      causationId: null, payload: a.action,
    }]]);
  }

  async promiseToPay(p: { eventId: string; customerId: string; at: number; promise: PromiseToPay }): Promise<void> {
    await this.send([[this.topics.COLLECTIONS, {
      eventId: p.eventId, eventType: 'PromiseToPay', occurredAt: p.at, customerId: p.customerId, source: SOURCE,
      causationId: null, payload: p.promise,
    }]]);
  }

  /** The new profile, then its change (before and after, who and why), caused by the profile's event. */
  async profileChange(c: {
    profileEventId: string; changeEventId: string; customerId: string; at: number;
    before: CustomerCreditProfile; after: CustomerCreditProfile;
  }): Promise<void> {
    const profile: AnyEvent = {
      eventId: c.profileEventId, eventType: 'CustomerCreditProfile', occurredAt: c.at, customerId: c.customerId, source: SOURCE,
      causationId: null, payload: c.after,
    };
    const change: AnyEvent = {
      eventId: c.changeEventId, eventType: 'CustomerProfileChanged', occurredAt: c.at, customerId: c.customerId, source: SOURCE,
      causationId: c.profileEventId,
      payload: { before: termsOf(c.before), after: termsOf(c.after), changedBy: c.after.changedBy, changeReason: c.after.changeReason },
    };
    // One batch to two topics is not atomic; the profile goes first so a history entry never names a missing profile.
    await this.send([[this.topics.CUSTOMERS, profile]]);
    await this.send([[this.topics.CUSTOMER_CHANGES, change]]);
  }

  async close(): Promise<void> {
    await this.producer.disconnect();
  }
}
