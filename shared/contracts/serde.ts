// EventSerde: event <-> record value in the Confluent wire format, through the schema registry.
//
//   encode(spec, event): Promise<Buffer>     magic 0, 4-byte big-endian schema id, Avro binary
//   encodeSync(spec, event): Buffer          the same, once the topic's schema id is known (prepareContracts, or an
//                                            earlier encode/schemaId): no await per record on a hot path
//   decode(spec, value): Promise<E>          a valid event of the topic, or a precise failure:
//     PoisonRecordError (to the DLQ)   RecordTooShort, InvalidMagicByte, UnknownSchemaId, SchemaMismatch,
//                                      CorruptAvro, InvalidEvent
//     TransientError (pause, retry)    the registry is unreachable, failing or slow
//
// Registration happens once per subject per process; the decoder for a writer schema id is built once (the id is
// immutable in the registry). A writer schema is this topic's when its record full name is the topic's
// (o2c.OrderEvent); an older or newer version of it decodes through an avsc resolver into today's reader schema.
// Encoding an event that breaks the schema or an invariant is a programming error and throws a plain Error.
import avro from 'avsc';
import { PoisonRecordError, TransientError } from '../errors.ts';
import { scanAvro } from './avro-scan.ts';
import { contractOf, type TopicContract } from './avro.ts';
import type { AnyEvent, TopicSpec } from './topics.ts';
import { validateEvent } from './validate.ts';

/** The two registry calls the serde makes. The real one is RegistryClient (registry.ts). */
export interface SchemaSource {
  /** Registers the schema text under the subject (idempotent) and returns its id. */
  register(subject: string, schema: string): Promise<number>;
  /** The writer type of a schema id. Throws SchemaNotFoundError when the registry has no such id. */
  writerType(id: number): Promise<avro.Type>;
}

/** The registry answered that it has no schema with this id: the record's fault, not the registry's. */
export class SchemaNotFoundError extends Error {
  constructor(readonly id: number) {
    super(`the schema registry has no schema with id ${id}`);
    this.name = 'SchemaNotFoundError';
  }
}

export const WIRE_HEADER_BYTES = 5;
const MAGIC_BYTE = 0;

/** A Confluent wire-format value: magic byte, schema id, Avro body. */
export function frame(schemaId: number, body: Buffer): Buffer {
  const out = Buffer.allocUnsafe(WIRE_HEADER_BYTES + body.length);
  out.writeUInt8(MAGIC_BYTE, 0);
  out.writeInt32BE(schemaId, 1);
  body.copy(out, WIRE_HEADER_BYTES);
  return out;
}

type Decoder = (value: Buffer) => AnyEvent;

export class EventSerde {
  private readonly ids = new Map<string, Promise<number>>();
  /** The ids already known, by subject, for encodeSync. */
  private readonly known = new Map<string, number>();
  /** Keyed by reader record name and writer id; a mismatch verdict is cached as a decoder that throws. */
  private readonly decoders = new Map<string, Decoder>();

  /** knownIds: subject -> id from a registration already done (prepareContracts), so it is not repeated. */
  constructor(
    private readonly registry: SchemaSource,
    knownIds: ReadonlyMap<string, number> = new Map(),
  ) {
    for (const [subject, id] of knownIds) {
      this.ids.set(subject, Promise.resolve(id));
      this.known.set(subject, id);
    }
  }

  /** The id of the topic's schema, registered on first use. */
  schemaId(spec: TopicSpec): Promise<number> {
    const known = this.ids.get(spec.subject);
    if (known !== undefined) return known;
    const pending = this.registry.register(spec.subject, contractOf(spec).schema);
    this.ids.set(spec.subject, pending);
    // A failed registration is not remembered: the next record tries again.
    pending.then(
      (id) => this.known.set(spec.subject, id),
      () => {
        if (this.ids.get(spec.subject) === pending) this.ids.delete(spec.subject);
      },
    );
    return pending;
  }

  async encode<E extends AnyEvent>(spec: TopicSpec<E>, event: E): Promise<Buffer> {
    const known = this.known.get(spec.subject);
    // Encoded (and refused) before any registry call; the id is filled in once registered.
    const value = encodeFramed(spec, known ?? 0, event);
    if (known === undefined) value.writeInt32BE(await this.schemaId(spec), 1);
    return value;
  }

  /** As encode, for a topic whose schema id this serde already knows; throws a plain Error otherwise. */
  encodeSync<E extends AnyEvent>(spec: TopicSpec<E>, event: E): Buffer {
    const id = this.known.get(spec.subject);
    if (id === undefined) throw new Error(`the schema id of ${spec.subject} is not known yet: prepareContracts or encode first`);
    return encodeFramed(spec, id, event);
  }

  async decode<E extends AnyEvent>(spec: TopicSpec<E>, value: Buffer | null): Promise<E> {
    if (value === null || value.length < WIRE_HEADER_BYTES) {
      throw new PoisonRecordError('RecordTooShort', `value of ${value?.length ?? 'null'} bytes, the wire header alone is 5`);
    }
    if (value[0] !== MAGIC_BYTE) {
      throw new PoisonRecordError('InvalidMagicByte', `magic byte ${value[0]}, expected 0 (Confluent wire format)`);
    }
    const decode = await this.decoder(contractOf(spec), value.readInt32BE(1));
    const event = decode(value);
    validateEvent(event);
    return event as E;
  }

  private async decoder(contract: TopicContract, id: number): Promise<Decoder> {
    const key = `${contract.recordName}@${id}`;
    let decoder = this.decoders.get(key);
    if (decoder === undefined) {
      decoder = buildDecoder(contract, id, await this.writerType(id));
      this.decoders.set(key, decoder);
    }
    return decoder;
  }

  private async writerType(id: number): Promise<avro.Type> {
    if (id <= 0) throw new PoisonRecordError('UnknownSchemaId', `schema id ${id} cannot exist`);
    try {
      return await this.registry.writerType(id);
    } catch (e) {
      if (e instanceof SchemaNotFoundError) throw new PoisonRecordError('UnknownSchemaId', e.message, { cause: e });
      if (e instanceof TransientError) throw e;
      // Only a definite "no such id" condemns a record; anything else may pass, so the partition waits.
      throw new TransientError(`schema registry lookup of id ${id} failed: ${(e as Error).message}`, { cause: e });
    }
  }
}

function encodeFramed(spec: TopicSpec, schemaId: number, event: AnyEvent): Buffer {
  const out = framedAvro(contractOf(spec), schemaId, event);
  try {
    validateEvent(event);
  } catch (e) {
    throw new Error(`cannot encode ${event.eventType} ${event.eventId} for ${spec.name}: ${(e as Error).message}`, {
      cause: e,
    });
  }
  return out;
}

/** Written into one reused buffer (encoding is synchronous), then copied once into the framed record. */
let scratch = Buffer.allocUnsafe(64 * 1024);

function framedAvro(contract: TopicContract, schemaId: number, event: AnyEvent): Buffer {
  const value = contract.toAvro(event);
  try {
    let end = contract.type.encode(value, scratch, WIRE_HEADER_BYTES);
    if (end < 0) {
      // Too small: avsc returns minus the bytes missing.
      scratch = Buffer.allocUnsafe(2 * (scratch.length - end));
      end = contract.type.encode(value, scratch, WIRE_HEADER_BYTES);
    }
    const out = Buffer.allocUnsafe(end);
    out.writeUInt8(MAGIC_BYTE, 0);
    out.writeInt32BE(schemaId, 1);
    scratch.copy(out, WIRE_HEADER_BYTES, WIRE_HEADER_BYTES, end);
    return out;
  } catch (e) {
    const faults: string[] = [];
    contract.type.isValid(value, {
      errorHook: (path, v) => faults.push(`${path.join('.')} = ${JSON.stringify(v)}`),
    });
    throw new Error(
      `cannot encode ${event.eventType} ${event.eventId}: not a valid ${contract.recordName}: ` +
        (faults.length > 0 ? faults.join('; ') : (e as Error).message),
      { cause: e },
    );
  }
}

function buildDecoder(contract: TopicContract, id: number, writer: avro.Type): Decoder {
  const reader = contract.type;
  const mismatch = (why: string): Decoder => () => {
    throw new PoisonRecordError('SchemaMismatch', `schema id ${id} ${why}, not ${contract.recordName}`);
  };
  if (!avro.Type.isType(writer, 'record') || writer.name !== contract.recordName) {
    return mismatch(`is ${writer.name ?? writer.typeName}`);
  }
  let resolver: ReturnType<avro.Type['createResolver']> | undefined;
  if (!writer.equals(reader)) {
    try {
      resolver = reader.createResolver(writer);
    } catch (e) {
      return mismatch(`is a ${writer.name} that cannot be read as today's (${(e as Error).message})`);
    }
  }
  return (value) => {
    let decoded: Record<string, unknown>;
    try {
      scanAvro(writer, value, WIRE_HEADER_BYTES);
      decoded = reader.fromBuffer(value.subarray(WIRE_HEADER_BYTES), resolver) as Record<string, unknown>;
    } catch (e) {
      throw new PoisonRecordError('CorruptAvro', `not a ${writer.name} (schema id ${id}): ${(e as Error).message}`, {
        cause: e,
      });
    }
    return contract.fromAvro(decoded);
  };
}
