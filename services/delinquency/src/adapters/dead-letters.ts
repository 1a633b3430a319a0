// Dead letters for inputs the core rejects. Rejected on arrival, the record goes to the DLQ byte for byte with the
// runner's headers (shared/kafka/dlq.ts). Rejected later, when a held input is released (it was dated after the
// as-of date, and only then could be checked against the state), its original bytes are no longer at hand: the
// event is re-encoded with its source topic's schema and the letter says so in o2c-value-origin.
import { PoisonRecordError, type PoisonClass } from '../../../../shared/errors.ts';
import { DlqHeaders, toDlqMessage } from '../../../../shared/kafka/dlq.ts';
import type { OutboxRecord } from '../../../../shared/redis/partition-store.ts';
import type { Rejection, SourceRecord } from '../../../../shared/stateful/batch-processor.ts';
import type { IHeaders } from 'kafkajs';
import type { InputRecord } from './partition-domain.ts';

/** Headers a re-encoded letter adds to the DLQ's own. */
export const HeldInputHeaders = {
  /** 're-encoded': the value is the event encoded again, not the bytes that were consumed. */
  VALUE_ORIGIN: 'o2c-value-origin',
  EVENT_ID: 'o2c-event-id',
} as const;

/** Long enough for any of the core's messages (as in shared/kafka/dlq.ts). */
const MAX_ERROR_MESSAGE = 2000;

/** The BatchProcessor's toDlq: the rejected record as consumed, to the DLQ partition of its source partition. */
export function rejectedRecordLetter(dlqTopic: string, service: string, now: () => Date) {
  return (r: SourceRecord<InputRecord>, rejection: Rejection): OutboxRecord => {
    const c = r.event.record;
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

export interface HeldInputLetter {
  topic: string;
  partition: number;
  /** The held input's own offset; absent only if the state that held it did not record it. */
  offset: string | undefined;
  eventId: string;
  service: string;
  rejection: { errorClass: PoisonClass; message: string };
  failedAt: Date;
}

export function heldInputHeaders(l: HeldInputLetter): Record<string, string> {
  return {
    [DlqHeaders.SOURCE_TOPIC]: l.topic,
    [DlqHeaders.SOURCE_PARTITION]: String(l.partition),
    ...(l.offset === undefined ? {} : { [DlqHeaders.SOURCE_OFFSET]: l.offset }),
    [DlqHeaders.SERVICE]: l.service,
    [DlqHeaders.ERROR_CLASS]: l.rejection.errorClass,
    [DlqHeaders.ERROR_MESSAGE]: l.rejection.message.slice(0, MAX_ERROR_MESSAGE),
    [DlqHeaders.FAILED_AT]: l.failedAt.toISOString(),
    [HeldInputHeaders.VALUE_ORIGIN]: 're-encoded',
    [HeldInputHeaders.EVENT_ID]: l.eventId,
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
