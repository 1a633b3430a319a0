// services/notifications: every customer notice that is due is decided once, rendered in the customer's language and
// published to o2c.notifications.v1; with SMTP configured, each is mailed once through an idempotent delivery.
//
//   inputs   invoices, payments, customers, delinquency, credit-scores, credit-holds, collections (co-partitioned by
//            customerId, merged in event-time order)
//   outputs  notifications (CustomerNoticeIssued; NoticeDeliveryFailed from the delivery), promise-outcomes
//            (PromiseKept, PromiseBroken), DLQ (rejected)
//   the rule: the notifications core (NotificationsDomain) under the notice policy; the stateful kit
//   (shared/stateful/stateful-service.ts) loads, commits, publishes and dead-letters. The SMTP delivery
//   (adapters/delivery.ts) is a companion: its own consumer group on the notifications topic, its log in Redis.
import type { Redis } from 'ioredis';
import type { TopicRegistry } from '../../../shared/contracts/topics.ts';
import { createKafka } from '../../../shared/kafka/client.ts';
import { connectRedis } from '../../../shared/redis/connect.ts';
import { StatefulService, type StatefulRule, type StatefulServiceOptions } from '../../../shared/stateful/stateful-service.ts';
import { MS_PER_DAY } from '../../../shared/time.ts';
import { Delivery } from './adapters/delivery.ts';
import { DeliveryLog } from './adapters/delivery-log.ts';
import { countDecided, createNotificationsMetrics } from './adapters/metrics.ts';
import { NotificationsDomain, type Entity, type InputEvent, type InputRecord } from './adapters/partition-domain.ts';
import { SmtpSender } from './adapters/smtp.ts';
import { SERVICE, type NotificationsConfig } from './config.ts';

/** The delivery log's key space: the service's, under a name of its own. */
export const DELIVERY_KEYSPACE = `${SERVICE}-delivery`;
/** How long past the maximum notice age a delivery log entry is kept (then the notice is stale anyway). */
const DELIVERY_LOG_MARGIN_DAYS = 30;

/** What the service consumes (its principal's reads, with the delivery's notifications topic). */
export const notificationsInputs = (topics: TopicRegistry) =>
  [topics.INVOICES, topics.PAYMENTS, topics.CUSTOMERS, topics.DELINQUENCY, topics.CREDIT_SCORES, topics.CREDIT_HOLDS, topics.COLLECTIONS];

/** The notifications rule: its inputs, its core, its metrics, and the SMTP delivery when SMTP_HOST is set. */
export function notificationsRule(topics: TopicRegistry, config: NotificationsConfig): StatefulRule<InputEvent, InputRecord, Entity> {
  const domain = new NotificationsDomain({ topics, policy: config.policy });
  return {
    service: SERVICE,
    inputs: notificationsInputs(topics),
    domain,
    describe: {
      reminderDaysBefore: config.policy.reminderDaysBefore,
      likelyLateReminderDaysBefore: config.policy.likelyLateReminderDaysBefore,
      types: [...config.policy.enabledTypes],
      smtp: config.SMTP_HOST === undefined ? 'off' : `${config.SMTP_HOST}:${config.SMTP_PORT}`,
    },
    attach({ registry, store, partitions, serde, producers, logger, now, onFatal }) {
      const metrics = createNotificationsMetrics(registry, SERVICE, async () => {
        const lengths = new Map<number, number>();
        for (const p of partitions) lengths.set(p, await store.outboxLength(p));
        return lengths;
      });
      let redis: Redis | undefined;
      let delivery: Delivery | undefined;
      return {
        // The tally starts with a batch's first apply and is taken after it, whatever the outcome.
        afterBatch(partition, outcome) {
          const tally = domain.takeTally(partition);
          if (outcome.kind === 'done' && tally) countDecided(metrics, tally);
        },
        async start() {
          if (config.SMTP_HOST === undefined) return;
          redis = await connectRedis(config, logger);
          delivery = new Delivery({
            kafka: createKafka(config, logger),
            groupId: `${config.KAFKA_GROUP_ID}-delivery`,
            topics,
            serde,
            producer: producers[0]!,
            log: new DeliveryLog(redis, DELIVERY_KEYSPACE, config.REDIS_KEY_PREFIX, (config.SMTP_MAX_NOTICE_AGE_DAYS + DELIVERY_LOG_MARGIN_DAYS) * MS_PER_DAY),
            sender: new SmtpSender({
              host: config.SMTP_HOST,
              port: config.SMTP_PORT,
              secure: config.SMTP_SECURE,
              username: config.SMTP_USERNAME,
              password: config.SMTP_PASSWORD,
              from: config.SMTP_FROM,
              messageIdDomain: config.SMTP_MESSAGE_ID_DOMAIN,
              timeoutMs: config.SMTP_TIMEOUT_MS,
            }),
            metrics,
            logger: logger.child({ component: 'delivery' }),
            maxAttempts: config.SMTP_MAX_ATTEMPTS,
            maxNoticeAgeMs: config.SMTP_MAX_NOTICE_AGE_DAYS * MS_PER_DAY,
            retryInitialMs: config.SMTP_RETRY_INITIAL_MS,
            retryMaxMs: config.SMTP_RETRY_MAX_MS,
            sessionTimeout: config.KAFKA_SESSION_TIMEOUT_MS,
            heartbeatInterval: config.KAFKA_HEARTBEAT_INTERVAL_MS,
            now,
            onFatal,
          });
          await delivery.start();
        },
        async stop() {
          await delivery?.stop();
          await redis?.quit();
        },
      };
    },
  };
}

export type NotificationsServiceOptions = StatefulServiceOptions<NotificationsConfig>;

export class NotificationsService extends StatefulService<InputEvent, InputRecord, Entity> {
  constructor(o: NotificationsServiceOptions) {
    super((topics) => notificationsRule(topics, o.config), o);
  }
}
