// The BatchProcessor's toDlq: an input the core rejects goes to the DLQ byte for byte, with the same o2c-* headers
// the runner gives undecodable records (shared/kafka/dlq.ts), through the outbox so it is written exactly when the
// batch that rejected it commits.
import type { IHeaders } from 'kafkajs';
import { PoisonRecordError } from '../../../../shared/errors.ts';
import { toDlqMessage } from '../../../../shared/kafka/dlq.ts';
import type { OutboxRecord } from '../../../../shared/redis/partition-store.ts';
import type { Rejection, SourceRecord } from '../../../../shared/stateful/batch-processor.ts';
import type { InputRecord } from './exposure-domain.ts';

export function rejectedRecordLetter(dlqTopic: string, service: string, now: () => Date) {
  return (r: SourceRecord<InputRecord>, rejection: Rejection): OutboxRecord => {
    const c = r.event;
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
      // The DLQ has the inputs' partition count (prepareContracts), so a customer's letters stay together.
      partition: c.partition,
      key: c.key?.toString() ?? '',
      value: c.value ?? Buffer.alloc(0),
      headers: textHeaders(message.headers ?? {}),
    };
  };
}

/** The outbox keeps headers as text; a binary header of the source record is kept as its UTF-8 reading. */
function textHeaders(headers: IHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out[name] = (Array.isArray(value) ? value : [value]).map((v) => v.toString()).join(',');
  }
  return out;
}
