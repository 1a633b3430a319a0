// The two kinds of failure a record can meet, in one place. A poison record is the record's own fault and can never
// succeed: it goes to the DLQ and the partition moves on. A transient failure is the world's fault (registry, Redis,
// Postgres or broker unreachable): the partition pauses and retries, and nothing goes to the DLQ.

/** Why a record is poison; becomes the DLQ header `o2c-error-class`. */
export type PoisonClass =
  | 'RecordTooShort' // fewer than 5 bytes, or a null value
  | 'InvalidMagicByte' // not the Confluent wire format
  | 'UnknownSchemaId' // the registry has no schema with that id
  | 'SchemaMismatch' // a registered schema, but not this topic's
  | 'CorruptAvro' // the bytes do not decode with the writer's schema
  | 'InvalidEvent' // decodes, but breaks an invariant (negative amount, missing id, wrong currency, ...)
  | 'KeyMismatch' // a customer's event whose Kafka key is not its customerId (or is missing): on the wrong partition
  | 'UnknownReference'; // refers to something that cannot exist (a service may choose to DLQ it)

const POISON_CLASS_SET: Record<PoisonClass, true> = {
  RecordTooShort: true, InvalidMagicByte: true, UnknownSchemaId: true, SchemaMismatch: true, CorruptAvro: true,
  InvalidEvent: true, KeyMismatch: true, UnknownReference: true,
};
/** Every PoisonClass (the record above fails to compile when one is missing): for counters shown at zero. */
export const POISON_CLASSES = Object.keys(POISON_CLASS_SET) as readonly PoisonClass[];

/** An input a domain core refuses: the DLQ letter's error class and message; the state is left as it was. */
export interface Rejection<C extends PoisonClass = PoisonClass> {
  errorClass: C;
  message: string;
}

export class PoisonRecordError extends Error {
  readonly retriable = false;
  constructor(
    readonly errorClass: PoisonClass,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'PoisonRecordError';
  }
}

export class TransientError extends Error {
  readonly retriable = true;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TransientError';
  }
}

export const isPoison = (e: unknown): e is PoisonRecordError => e instanceof PoisonRecordError;
