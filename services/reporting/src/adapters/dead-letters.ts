// Undecodable records reach the sink instead of the runner's DLQ step, so the sink dead-letters them inside the
// transaction that moves the partition's offset past them: a redelivery finds them below the offset in Postgres and
// sends nothing again (the runner would re-send every poison record Kafka redelivers).
import { isPoison, type PoisonRecordError } from '../../../../shared/errors.ts';
import type { DeadLetter } from '../../../../shared/kafka/dlq.ts';
import type { ConsumedRecord, Decode } from '../../../../shared/kafka/runner.ts';
import type { SinkEvent } from '../domain/to-row-ops.ts';

/** A record the decoder refused, handed over in its place. */
export class Undecodable {
  constructor(readonly error: PoisonRecordError) {}
}

/** What the sink is handed: an event, or a record bound for the DLQ. */
export type SinkInput = SinkEvent | Undecodable;

/** `decode`, with a poison record returned as Undecodable instead of thrown; a TransientError still throws (retry). */
export function keepUndecodable(decode: Decode<SinkEvent>): Decode<SinkInput> {
  return async (topic, value, key) => {
    try {
      return await decode(topic, value, key);
    } catch (error) {
      if (isPoison(error)) return new Undecodable(error);
      throw error;
    }
  };
}

/** The letter the runner would have sent: the record byte for byte, with its source and error. */
export function deadLetterOf(r: ConsumedRecord<Undecodable>): DeadLetter {
  return {
    topic: r.topic,
    partition: r.partition,
    offset: r.offset,
    timestamp: String(r.timestamp),
    key: r.key,
    value: r.value,
    headers: r.headers,
    error: r.event.error,
  };
}
