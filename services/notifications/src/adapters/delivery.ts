// The SMTP delivery of o2c.notifications.v1: a consumer of its own group (<KAFKA_GROUP_ID>-delivery) that mails each
// CustomerNoticeIssued once, through the delivery log (delivery-log.ts).
//
//   per notice   log final (sent, dead, unaddressed): skip. No recipient: unaddressed. Else write 'sending', send,
//                write 'sent' (unreported), publish NoticeDelivered, mark it reported. A crash between the send and
//                the 'sent' write leaves 'sending': the next owner sends that notice again (counted as resent). One
//                notice is in flight at a time (one partition at a time), so a crash resends at most one message,
//                with the same Message-ID and contents. A 'sent' entry found unreported (a crash, or Kafka down,
//                after the write) gets its NoticeDelivered published then, identical (the time is the log's).
//   failures     a 4xx reply: NoticeDeliveryRetrying published (one per answered-attempt count and failure kind), then
//                'retrying', again after a doubling backoff, up to SMTP_MAX_ATTEMPTS; a 5xx reply, or the
//                last 4xx: a NoticeDeliveryFailed is published to the same topic, then the log says 'dead' (a crash
//                in between publishes it again, same id). A server that cannot be reached is not the notice's
//                fault: retried with the backoff until it answers (one NoticeDeliveryRetrying UNAVAILABLE for the
//                stretch), never dead-lettered.
//   outcomes     on o2c.notifications.v1, the notice's partition, ids derived from the notice's: reporting sinks them.
//   stale        a notice whose event time is more than maxNoticeAgeMs before the wall clock is not mailed (logged
//                'stale'): replaying years of history through the service must not mail customers about them.
//   offsets      committed after each notice (kafkajs autoCommit); a redelivered notice finds its log entry.
import type { Consumer, Kafka, KafkaMessage, Producer } from 'kafkajs';
import type { NotificationEvent } from '../../../../shared/contracts/events.generated.ts';
import type { EventSerde } from '../../../../shared/contracts/serde.ts';
import type { TopicRegistry } from '../../../../shared/contracts/topics.ts';
import { isPoison } from '../../../../shared/errors.ts';
import { deriveEventId } from '../../../../shared/ids.ts';
import type { Logger } from '../../../../shared/logger.ts';
import { backoffMs } from '../../../../shared/retry.ts';
import { SOURCE } from '../domain/index.ts';
import { FINAL_STATES, type DeliveryLog } from './delivery-log.ts';
import type { NoticeEvent } from './emit.ts';
import type { NotificationsMetrics } from './metrics.ts';
import { SendError, type SmtpSender } from './smtp.ts';

export interface DeliveryOptions {
  kafka: Kafka;
  groupId: string;
  topics: Pick<TopicRegistry, 'NOTIFICATIONS'>;
  serde: EventSerde;
  producer: Producer;
  log: DeliveryLog;
  sender: Pick<SmtpSender, 'send' | 'close'>;
  metrics: NotificationsMetrics;
  logger: Logger;
  maxAttempts: number;
  /** A notice older than this (event time against the wall clock) is not mailed. */
  maxNoticeAgeMs: number;
  retryInitialMs: number;
  retryMaxMs: number;
  sessionTimeout: number;
  heartbeatInterval: number;
  now: () => number;
  onFatal: (error: Error) => void;
}

class Stopped extends Error {}

export class Delivery {
  private consumer: Consumer | undefined;
  private stopping = false;
  private wake: (() => void) | undefined;

  constructor(private readonly o: DeliveryOptions) {}

  async start(): Promise<void> {
    const { kafka, groupId, topics, onFatal } = this.o;
    const consumer = (this.consumer = kafka.consumer({ groupId, sessionTimeout: this.o.sessionTimeout, heartbeatInterval: this.o.heartbeatInterval }));
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (!payload.restart && !this.stopping) onFatal(payload.error);
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [topics.NOTIFICATIONS.name], fromBeginning: true });
    await consumer.run({
      partitionsConsumedConcurrently: 1,
      eachMessage: async ({ partition, message, heartbeat }) => this.handle(partition, message, heartbeat),
    });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.consumer?.disconnect();
    this.o.sender.close();
  }

  private async handle(partition: number, message: KafkaMessage, heartbeat: () => Promise<void>): Promise<void> {
    const { serde, topics, metrics, logger } = this.o;
    if (message.value === null) return;
    let event;
    try {
      event = await serde.decode(topics.NOTIFICATIONS, message.value);
    } catch (error) {
      if (!isPoison(error)) throw error;
      metrics.undecodable.inc();
      logger.error({ partition, offset: message.offset, errorClass: error.errorClass }, 'notification record the delivery cannot decode: skipped');
      return;
    }
    if (event.eventType !== 'CustomerNoticeIssued') return;
    // Throws Stopped when stopping mid-retry: the offset is not committed, the next owner takes it from the log.
    await this.deliver(partition, event, heartbeat);
  }

  private async deliver(partition: number, n: NoticeEvent, heartbeat: () => Promise<void>): Promise<void> {
    const { log, metrics, logger, now } = this.o;
    const id = n.eventId;
    const entry = await log.get(partition, id);
    if (entry && FINAL_STATES.has(entry.state)) {
      if (entry.state === 'sent' && entry.reported === false) await this.reportSent(partition, n, entry.attempts, entry.updatedAt);
      metrics.deliveries.inc({ outcome: 'duplicate' });
      return;
    }
    if (n.payload.recipient === null) {
      await log.set(partition, id, { state: 'unaddressed', attempts: 0, updatedAt: now(), error: null });
      metrics.deliveries.inc({ outcome: 'unaddressed' });
      return;
    }
    if (entry === undefined && now() - n.occurredAt > this.o.maxNoticeAgeMs) {
      await log.set(partition, id, { state: 'stale', attempts: 0, updatedAt: now(), error: null });
      metrics.deliveries.inc({ outcome: 'stale' });
      return;
    }
    const resend = entry?.state === 'sending';
    let attempts = entry?.attempts ?? 0; // answered attempts (4xx), towards SMTP_MAX_ATTEMPTS
    let reportedRetry: string | undefined;
    for (let wait = 1; ; wait++) {
      if (this.stopping) throw new Stopped('stopping');
      await log.set(partition, id, { state: 'sending', attempts, updatedAt: now(), error: null });
      let sent = false;
      try {
        await this.o.sender.send(n);
        sent = true;
      } catch (error) {
        if (!(error instanceof SendError)) throw error;
        metrics.attempts.inc({ result: error.failure });
        if (error.failure !== 'unavailable') attempts++;
        if (error.failure === 'permanent' || attempts >= this.o.maxAttempts) {
          await this.deadLetter(partition, n, attempts, error);
          return;
        }
        const failure = error.failure === 'unavailable' ? 'UNAVAILABLE' : 'TRANSIENT';
        if (reportedRetry !== `${attempts}|${failure}`) {
          await this.publish(partition, n, 'NoticeDeliveryRetrying', {
            noticeId: id, noticeType: n.payload.noticeType, recipient: n.payload.recipient, attempts, failure,
            lastError: error.message, failedAt: now(),
          }, attempts, failure);
          reportedRetry = `${attempts}|${failure}`;
        }
        await log.set(partition, id, { state: 'retrying', attempts, updatedAt: now(), error: error.message });
        const delay = backoffMs(wait, this.o.retryInitialMs, this.o.retryMaxMs);
        logger.warn({ partition, noticeId: id, failure: error.failure, attempts, delayMs: delay }, 'notice not delivered, retrying');
        await this.sleep(delay, heartbeat);
      }
      if (sent) {
        const sentAt = now();
        await log.set(partition, id, { state: 'sent', attempts: attempts + 1, updatedAt: sentAt, error: null, reported: false });
        metrics.attempts.inc({ result: 'ok' });
        metrics.deliveries.inc({ outcome: resend ? 'resent' : 'sent' });
        if (resend) logger.warn({ partition, noticeId: id }, 'notice sent again: a previous owner stopped between sending it and recording it');
        await this.reportSent(partition, n, attempts + 1, sentAt);
        return;
      }
    }
  }

  /** NoticeDelivered for a notice the log says is sent, then the log marks it reported; the same record every time. */
  private async reportSent(partition: number, n: NoticeEvent, attempts: number, sentAt: number): Promise<void> {
    await this.publish(partition, n, 'NoticeDelivered', {
      noticeId: n.eventId, noticeType: n.payload.noticeType, recipient: n.payload.recipient!, attempts, deliveredAt: sentAt,
    });
    await this.o.log.set(partition, n.eventId, { state: 'sent', attempts, updatedAt: sentAt, error: null, reported: true });
  }

  /** A delivery outcome of notice `n` on its partition of the notifications topic, id derived from the notice's. */
  private async publish<T extends 'NoticeDelivered' | 'NoticeDeliveryRetrying'>(
    partition: number, n: NoticeEvent, eventType: T, payload: Extract<NotificationEvent, { eventType: T }>['payload'], ...idParts: Array<string | number>
  ): Promise<void> {
    const { topics, serde, producer } = this.o;
    const event = {
      eventId: deriveEventId(n.eventId, eventType, ...idParts), eventType, occurredAt: n.occurredAt, customerId: n.customerId,
      source: SOURCE, causationId: n.eventId, payload,
    } as Extract<NotificationEvent, { eventType: T }>;
    const value = await serde.encode(topics.NOTIFICATIONS, event);
    await producer.send({ topic: topics.NOTIFICATIONS.name, acks: -1, messages: [{ key: n.customerId, value, partition }] });
  }

  private async deadLetter(partition: number, n: NoticeEvent, attempts: number, error: SendError): Promise<void> {
    const { topics, serde, producer, log, metrics, logger, now } = this.o;
    const failedAt = now();
    const value = await serde.encode(topics.NOTIFICATIONS, {
      eventId: deriveEventId(n.eventId, 'NoticeDeliveryFailed'),
      eventType: 'NoticeDeliveryFailed',
      occurredAt: n.occurredAt,
      customerId: n.customerId,
      source: SOURCE,
      causationId: n.eventId,
      payload: {
        noticeId: n.eventId,
        noticeType: n.payload.noticeType,
        recipient: n.payload.recipient!,
        attempts: Math.max(1, attempts),
        permanent: error.failure === 'permanent',
        lastError: error.message,
        failedAt,
      },
    });
    await producer.send({ topic: topics.NOTIFICATIONS.name, acks: -1, messages: [{ key: n.customerId, value, partition }] });
    await log.set(partition, n.eventId, { state: 'dead', attempts, updatedAt: failedAt, error: error.message });
    metrics.deliveries.inc({ outcome: 'dead' });
    logger.error({ partition, noticeId: n.eventId, attempts, failure: error.failure }, 'notice dead-lettered: NoticeDeliveryFailed published');
  }

  /** Waits `ms`, heartbeating so the group keeps the partition; ends early (throwing Stopped) on stop. */
  private async sleep(ms: number, heartbeat: () => Promise<void>): Promise<void> {
    const until = Date.now() + ms;
    while (!this.stopping && Date.now() < until) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(1000, until - Date.now()));
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      await heartbeat();
    }
    if (this.stopping) throw new Stopped('stopping');
  }
}
