// One record value of the orders topic per poison class, built through a serde (fake or real registry), for the
// serde's tests and for DLQ tests that need records a consumer must route aside.
import type { PoisonClass } from '../../errors.ts';
import { contractOf } from '../avro.ts';
import { frame, type EventSerde } from '../serde.ts';
import type { AnyEvent, TopicRegistry, TopicSpec } from '../topics.ts';
import { exampleEvent } from './examples.ts';

/** What the serde finds from a value alone (a key mismatch takes the record's key too, see specDecoder). */
export type DecodePoisonClass = Exclude<PoisonClass, 'UnknownReference' | 'KeyMismatch'>;

/** Avro-encodes an event with the topic's registered schema id and no invariant check, as a faulty producer would. */
export async function encodeUnchecked(serde: EventSerde, spec: TopicSpec, event: AnyEvent): Promise<Buffer> {
  const contract = contractOf(spec);
  return frame(await serde.schemaId(spec), contract.type.toBuffer(contract.toAvro(event)));
}

export async function poisonValues(
  serde: EventSerde,
  topics: TopicRegistry,
): Promise<Record<DecodePoisonClass, Buffer | null>> {
  const valid = await serde.encode(topics.ORDERS, exampleEvent('OrderPlaced'));
  const negative = exampleEvent('OrderPlaced');
  negative.payload.amount = -1;
  return {
    RecordTooShort: Buffer.from([0, 0, 0]),
    InvalidMagicByte: Buffer.from(JSON.stringify(exampleEvent('OrderPlaced'))),
    UnknownSchemaId: frame(2 ** 31 - 1, valid.subarray(5)),
    SchemaMismatch: await serde.encode(topics.PAYMENTS, exampleEvent('PaymentReceived')),
    CorruptAvro: valid.subarray(0, valid.length - 1),
    InvalidEvent: await encodeUnchecked(serde, topics.ORDERS, negative),
  };
}
