// Dead letters for inputs the core rejects. Rejected on arrival, the record goes to the DLQ byte for byte as the
// stateful kit's one letter (shared/stateful/rejected-letter.ts). Rejected later, when a held input is released (it was dated after the
// as-of date, and only then could be checked against the state), its original bytes are no longer at hand: the
// event is re-encoded with its source topic's schema and the letter says so in o2c-value-origin.
import type { PoisonClass } from '../../../../shared/errors.ts';
import { DlqHeaders } from '../../../../shared/kafka/dlq.ts';

/** Headers a re-encoded letter adds to the DLQ's own. */
export const HeldInputHeaders = {
  /** 're-encoded': the value is the event encoded again, not the bytes that were consumed. */
  VALUE_ORIGIN: 'o2c-value-origin',
  EVENT_ID: 'o2c-event-id',
} as const;

/** Long enough for any of the core's messages (as in shared/kafka/dlq.ts). */
const MAX_ERROR_MESSAGE = 2000;

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
