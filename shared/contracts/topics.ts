// The one registry of topics. Services import `Topics.ORDERS`, never a topic string.
//
//   Topics                   the production names ('o2c.orders.v1', ...)
//   topicRegistry(prefix)    the same registry under a name prefix ('test.k3x9.' + name), so test runs and
//                            parallel environments never share a topic or a schema subject
//   TopicSpec<E>             an Avro topic whose values decode to E (schema file, subject `<topic>-value`, the
//                            payload types it may carry); E is phantom, it only types serde.decode/encode
//   RawTopicSpec             a topic of raw bytes with no schema (the DLQ)
//   EventOf<S>               the event type a TopicSpec carries
//
// Every topic is keyed by customerId and has the same partition count, so one customer's events land on the same
// partition number everywhere (co-partitioning). Business-date ticks carry customerId '' and are written to an
// explicit partition, one per partition of the orders, invoices and payments topics: they have no key to check.
// FX rates are global too: each rate is written to every partition of o2c.fx-rates.v1, keyed by pair and day.
import {
  CollectionsEventTypes,
  CreditActionEventTypes,
  CreditHoldEventTypes,
  CreditReviewEventTypes,
  CreditScoreEventTypes,
  CustomerChangeEventTypes,
  CustomerEventTypes,
  DelinquencyEventTypes,
  ExposureEventTypes,
  FxRateEventTypes,
  ExposureRepartitionEventTypes,
  GroupExposureEventTypes,
  InvoiceEventTypes,
  NotificationEventTypes,
  OrderEventTypes,
  PaymentEventTypes,
  PromiseOutcomeEventTypes,
  type CollectionsEvent,
  type CreditActionEvent,
  type CreditHoldEvent,
  type CreditReviewEvent,
  type CreditScoreEvent,
  type CustomerChangeEvent,
  type CustomerEvent,
  type DelinquencyEvent,
  type ExposureEvent,
  type FxRateEvent,
  type ExposureRepartitionEvent,
  type GroupExposureEvent,
  type InvoiceEvent,
  type NotificationEvent,
  type OrderEvent,
  type PaymentEvent,
  type PromiseOutcomeEvent,
} from './events.generated.ts';

export const DEFAULT_PARTITIONS = 12;

export type CleanupPolicy = 'delete' | 'compact';

/** Every event any topic carries. */
export type AnyEvent =
  | CustomerEvent
  | CustomerChangeEvent
  | OrderEvent
  | InvoiceEvent
  | PaymentEvent
  | CreditActionEvent
  | CreditHoldEvent
  | DelinquencyEvent
  | ExposureEvent
  | GroupExposureEvent
  | ExposureRepartitionEvent
  | CreditScoreEvent
  | CreditReviewEvent
  | NotificationEvent
  | CollectionsEvent
  | PromiseOutcomeEvent
  | FxRateEvent;

export type EventType = AnyEvent['eventType'];

/** What topic creation needs to know, for Avro and raw topics alike. */
export interface TopicBase {
  readonly name: string;
  readonly partitions: number;
  readonly cleanupPolicy: CleanupPolicy;
  /**
   * An audit trail (credit actions, the customers' change history): created with retention.ms=-1 whatever
   * KAFKA_TOPIC_RETENTION_MS says, since who did what must outlive any retention chosen for the other inputs.
   */
  readonly keptForever?: true;
}

declare const eventBrand: unique symbol;

export interface TopicSpec<E extends AnyEvent = AnyEvent> extends TopicBase {
  /** File name in schemas/. */
  readonly schemaFile: string;
  /** Full name of the envelope record, e.g. 'o2c.OrderEvent'; a writer schema with another name is not this topic's. */
  readonly recordName: string;
  /** `<topic>-value`. */
  readonly subject: string;
  /** The eventType values (payload record names) this topic carries. */
  readonly eventTypes: ReadonlyArray<E['eventType']>;
  /** Phantom: never present at runtime. */
  readonly [eventBrand]?: E;
}

export interface RawTopicSpec extends TopicBase {
  readonly raw: true;
}

export type EventOf<S> = S extends TopicSpec<infer E> ? E : never;

function avroTopic<E extends AnyEvent>(
  prefix: string,
  name: string,
  schemaFile: string,
  recordName: string,
  eventTypes: ReadonlyArray<E['eventType']>,
  cleanupPolicy: CleanupPolicy = 'delete',
  keptForever = false,
): TopicSpec<E> {
  const full = prefix + name;
  return Object.freeze({
    name: full,
    partitions: DEFAULT_PARTITIONS,
    cleanupPolicy,
    ...(keptForever ? { keptForever: true as const } : {}),
    schemaFile,
    recordName,
    subject: `${full}-value`,
    eventTypes,
  });
}

/**
 * The Kafka key a record of this event must carry: its customerId, which puts it on its customer's partition; none
 * for a BusinessDateTick, which belongs to no customer and is written to an explicit partition; pair and day for an
 * FX rate (`EURUSD:20458`, the compaction key), written to every partition explicitly.
 */
export function recordKeyOf(event: AnyEvent): string | undefined {
  if (event.eventType === 'BusinessDateTick') return undefined;
  if (event.eventType === 'FxRatePublished') return fxRateKey(event.payload);
  return event.customerId;
}

/** The compaction key of a rate: one record per pair and day. */
export const fxRateKey = (p: { base: string; quote: string; rateDate: number }): string => `${p.base}${p.quote}:${p.rateDate}`;

/** The topic registry with every name (and so every subject) prefixed; '' gives the production names. */
export function topicRegistry(prefix: string) {
  return Object.freeze({
    CUSTOMERS: avroTopic<CustomerEvent>(
      prefix, 'o2c.customers.v1', 'customers.avsc', 'o2c.CustomerEvent', CustomerEventTypes, 'compact'),
    // Every profile change, before and after, kept forever: the compacted profile topic keeps only the latest.
    CUSTOMER_CHANGES: avroTopic<CustomerChangeEvent>(
      prefix, 'o2c.customer-changes.v1', 'customer-changes.avsc', 'o2c.CustomerChangeEvent', CustomerChangeEventTypes,
      'delete', true),
    ORDERS: avroTopic<OrderEvent>(prefix, 'o2c.orders.v1', 'orders.avsc', 'o2c.OrderEvent', OrderEventTypes),
    INVOICES: avroTopic<InvoiceEvent>(
      prefix, 'o2c.invoices.v1', 'invoices.avsc', 'o2c.InvoiceEvent', InvoiceEventTypes),
    PAYMENTS: avroTopic<PaymentEvent>(
      prefix, 'o2c.payments.v1', 'payments.avsc', 'o2c.PaymentEvent', PaymentEventTypes),
    CREDIT_ACTIONS: avroTopic<CreditActionEvent>(
      prefix, 'o2c.credit-actions.v1', 'credit-actions.avsc', 'o2c.CreditActionEvent', CreditActionEventTypes,
      'delete', true),
    CREDIT_HOLDS: avroTopic<CreditHoldEvent>(
      prefix, 'o2c.credit-holds.v1', 'credit-holds.avsc', 'o2c.CreditHoldEvent', CreditHoldEventTypes),
    DELINQUENCY: avroTopic<DelinquencyEvent>(
      prefix, 'o2c.delinquency.v1', 'delinquency.avsc', 'o2c.DelinquencyEvent', DelinquencyEventTypes),
    EXPOSURE: avroTopic<ExposureEvent>(
      prefix, 'o2c.exposure.v1', 'exposure.avsc', 'o2c.ExposureEvent', ExposureEventTypes, 'compact'),
    // Keyed by the group id (the parent's customerId), so it lands on the parent's partition.
    GROUP_EXPOSURE: avroTopic<GroupExposureEvent>(
      prefix, 'o2c.group-exposure.v1', 'group-exposure.avsc', 'o2c.GroupExposureEvent', GroupExposureEventTypes, 'compact'),
    // Internal to services/exposure: members' inputs re-keyed by their group, so one task owns a whole group.
    EXPOSURE_REPARTITION: avroTopic<ExposureRepartitionEvent>(
      prefix, 'o2c.exposure-repartition.v1', 'exposure-repartition.avsc', 'o2c.ExposureRepartitionEvent',
      ExposureRepartitionEventTypes),
    CREDIT_SCORES: avroTopic<CreditScoreEvent>(
      prefix, 'o2c.credit-scores.v1', 'credit-scores.avsc', 'o2c.CreditScoreEvent', CreditScoreEventTypes, 'compact'),
    CREDIT_REVIEWS: avroTopic<CreditReviewEvent>(
      prefix, 'o2c.credit-reviews.v1', 'credit-reviews.avsc', 'o2c.CreditReviewEvent', CreditReviewEventTypes),
    NOTIFICATIONS: avroTopic<NotificationEvent>(
      prefix, 'o2c.notifications.v1', 'notifications.avsc', 'o2c.NotificationEvent', NotificationEventTypes),
    // What collectors record (promises to pay), who and which role: kept forever, an audit trail like the credit actions.
    COLLECTIONS: avroTopic<CollectionsEvent>(
      prefix, 'o2c.collections.v1', 'collections.avsc', 'o2c.CollectionsEvent', CollectionsEventTypes, 'delete', true),
    // Each promise to pay kept or broken, as services/notifications judged it; a topic of its own so only the console
    // can write promises and only notifications their outcomes.
    PROMISE_OUTCOMES: avroTopic<PromiseOutcomeEvent>(
      prefix, 'o2c.promise-outcomes.v1', 'promise-outcomes.avsc', 'o2c.PromiseOutcomeEvent', PromiseOutcomeEventTypes),
    // Reference rates, one per pair and day; every rate on every partition (read by each exposure task).
    FX_RATES: avroTopic<FxRateEvent>(
      prefix, 'o2c.fx-rates.v1', 'fx-rates.avsc', 'o2c.FxRateEvent', FxRateEventTypes, 'compact'),
    DLQ: Object.freeze({
      name: `${prefix}o2c.dlq.v1`,
      partitions: DEFAULT_PARTITIONS,
      cleanupPolicy: 'delete',
      raw: true,
    }) as RawTopicSpec,
  });
}

export type TopicRegistry = ReturnType<typeof topicRegistry>;

export const Topics: TopicRegistry = topicRegistry('');

/** The Avro topics of a registry (every topic but the DLQ). */
export function avroTopics(registry: TopicRegistry): TopicSpec[] {
  const all: Array<TopicSpec | RawTopicSpec> = Object.values(registry);
  return all.filter((t): t is TopicSpec => !('raw' in t));
}
