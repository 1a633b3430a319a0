// The notifications service's own metrics, next to the kit's (o2c_records_consumed_total, o2c_dlq_records_total, ...).
import { Counter, Gauge, type Registry } from 'prom-client';
import { metricPrefix } from '../../../../shared/metrics.ts';
import { NOTICE_TYPES } from '../domain/index.ts';
import type { BatchTally } from './partition-domain.ts';

export const DELIVERY_OUTCOMES = ['sent', 'dead', 'unaddressed', 'stale', 'duplicate', 'resent'] as const;
export const ATTEMPT_RESULTS = ['ok', 'transient', 'permanent', 'unavailable'] as const;

export interface NotificationsMetrics {
  issued: Counter<'type'>;
  suppressed: Counter<'type'>;
  /** Promises to pay judged, by outcome (kept, broken). */
  promises: Counter<'outcome'>;
  /** sent, dead (the dead-letter state), unaddressed, stale; duplicate: already final in the log; resent: found 'sending' (the crash window). */
  deliveries: Counter<'outcome'>;
  attempts: Counter<'result'>;
  /** Records of the notifications topic the delivery could not decode (skipped, logged). */
  undecodable: Counter;
  outboxBacklog: Gauge<'partition'>;
}

export function createNotificationsMetrics(registry: Registry, service: string, outboxLengths: () => Promise<Map<number, number>>): NotificationsMetrics {
  const p = metricPrefix(service);
  const issued = new Counter({ name: `${p}notices_issued_total`, help: 'Notices committed to the outbox, by type.', labelNames: ['type'], registers: [registry] });
  const suppressed = new Counter({
    name: `${p}notices_suppressed_total`,
    help: 'Notices decided but not issued: the type is disabled or the customer opted out, by type.',
    labelNames: ['type'],
    registers: [registry],
  });
  const promises = new Counter({ name: `${p}promise_outcomes_total`, help: 'Promises to pay judged, by outcome (kept, broken).', labelNames: ['outcome'], registers: [registry] });
  for (const outcome of ['kept', 'broken']) promises.inc({ outcome }, 0);
  for (const type of NOTICE_TYPES) {
    issued.inc({ type }, 0);
    suppressed.inc({ type }, 0);
  }
  const deliveries = new Counter({
    name: `${p}deliveries_total`,
    help: 'Notices the SMTP delivery finished with, by outcome (dead: the dead-letter state; resent: sent again after a crash left it sending).',
    labelNames: ['outcome'],
    registers: [registry],
  });
  for (const outcome of DELIVERY_OUTCOMES) deliveries.inc({ outcome }, 0);
  const attempts = new Counter({ name: `${p}delivery_attempts_total`, help: 'SMTP attempts, by result.', labelNames: ['result'], registers: [registry] });
  for (const result of ATTEMPT_RESULTS) attempts.inc({ result }, 0);
  const undecodable = new Counter({ name: `${p}delivery_undecodable_records_total`, help: 'Notification records the delivery could not decode.', registers: [registry] });
  const outboxBacklog = new Gauge({
    name: `${p}outbox_backlog_records`,
    help: 'Records committed to the Redis outbox and not yet acknowledged by Kafka, per partition.',
    labelNames: ['partition'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const [partition, length] of await outboxLengths()) this.set({ partition: String(partition) }, length);
    },
  });
  return { issued, suppressed, promises, deliveries, attempts, undecodable, outboxBacklog };
}

export function countDecided(metrics: NotificationsMetrics, tally: BatchTally): void {
  const byType = new Map<string, number>();
  for (const type of tally.issued.values()) byType.set(type, (byType.get(type) ?? 0) + 1);
  for (const [type, n] of byType) metrics.issued.inc({ type }, n);
  const suppressed = new Map<string, number>();
  for (const type of tally.suppressed.values()) suppressed.set(type, (suppressed.get(type) ?? 0) + 1);
  for (const [type, n] of suppressed) metrics.suppressed.inc({ type }, n);
  for (const kind of tally.promises.values()) metrics.promises.inc({ outcome: kind === 'PromiseKept' ? 'kept' : 'broken' });
}
