// The one dead letter of the stateful kit: an input the core rejects goes to the DLQ byte for byte, with the same
// o2c-* headers the runner gives undecodable records (shared/kafka/dlq.ts), through the outbox, so it is written
// exactly when the batch that rejected it commits, to the DLQ partition of its source partition (the DLQ has the
// inputs' partition count, so a customer's letters stay together).
import type { IHeaders } from 'kafkajs';
import { PoisonRecordError } from '../errors.ts';
import { toDlqMessage } from '../kafka/dlq.ts';
import type { ConsumedRecord } from '../kafka/runner.ts';
import type { OutboxRecord } from '../redis/partition-store.ts';
import type { Rejection, SourceRecord } from './batch-processor.ts';

/**
 * The BatchProcessor's toDlq for a service whose records are (or carry) the runner's ConsumedRecord: `consumed`
 * finds it in the domain's record (by default the record is it).
 */
export function rejectedRecordLetter<E>(
  dlqTopic: string,
  service: string,
  now: () => Date,
  consumed: (event: E) => ConsumedRecord<unknown> = (event) => event as ConsumedRecord<unknown>,
) {
  return (r: SourceRecord<E>, rejection: Rejection): OutboxRecord => {
    const c = consumed(r.event);
    const message = toDlqMessage(
      {
        topic: c.topic,
        partition: c.partition,
        offset: c.offset,
        timestamp: String(c.timestamp),
        key: c.key,
        value: c.value,
        headers: c.headers,
        error: new PoisonRecordError(rejection.errorClass, rejection.message),
      },
      service,
      now(),
    );
    return {
      topic: dlqTopic,
      partition: c.partition,
      key: c.key?.toString() ?? '',
      value: c.value ?? Buffer.alloc(0),
      headers: textHeaders(message.headers ?? {}),
    };
  };
}

/** The outbox keeps headers as text; a binary header of the source record is kept as its UTF-8 reading. */
export function textHeaders(headers: IHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out[name] = (Array.isArray(value) ? value : [value]).map((v) => v.toString()).join(',');
  }
  return out;
}
