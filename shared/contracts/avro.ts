// A topic's Avro contract: the compiled reader type from schemas/*.avsc and the mapping between the TypeScript
// envelope (eventType + unwrapped payload) and the Avro value (payload as a union branch).
//
// avsc compiles with wrapUnions 'auto': a nullable field (["null", "string"]) stays a plain `string | null`, while
// a payload union of several records is wrapped, {"o2c.OrderPlaced": {...}}, which is what names the branch. A
// single-record payload union (customers, credit actions, exposure) is unwrapped; its branch is implied.
// No logical type hooks: dates and timestamps stay numbers, as the generated types say.
import { readFileSync } from 'node:fs';
import avro from 'avsc';
import { PoisonRecordError } from '../errors.ts';
import type { AnyEvent, TopicSpec } from './topics.ts';

export const AVSC_OPTIONS = { wrapUnions: 'auto', omitRecordMethods: true } as const;

const SCHEMA_DIR = new URL('../../schemas/', import.meta.url);

const shortName = (fullName: string) => fullName.slice(fullName.lastIndexOf('.') + 1);

export class TopicContract {
  /** The schema text as registered: the .avsc file, parsed and re-serialised compactly. */
  readonly schema: string;
  readonly type: avro.types.RecordType;
  private readonly wrapped: boolean;
  /** eventType -> full name of its payload branch. */
  private readonly branches: ReadonlyMap<string, string>;
  /** The branch of an unwrapped (single-record) payload union. */
  private readonly soleBranch: string;

  constructor(schemaFile: string, readonly recordName: string) {
    const parsed = JSON.parse(readFileSync(new URL(schemaFile, SCHEMA_DIR), 'utf8')) as avro.Schema;
    this.schema = JSON.stringify(parsed);
    this.type = avro.Type.forSchema(parsed, { ...AVSC_OPTIONS }) as avro.types.RecordType;
    if (this.type.name !== recordName) throw new Error(`${schemaFile} defines ${this.type.name}, not ${recordName}`);
    const payload = this.type.field('payload')?.type as (avro.Type & { types: avro.Type[] }) | undefined;
    if (!payload?.typeName.startsWith('union:') || payload.types.some((t) => t.typeName !== 'record')) {
      throw new Error(`${schemaFile}: payload must be a union of records`);
    }
    this.wrapped = payload.typeName === 'union:wrapped';
    this.branches = new Map(payload.types.map((t) => [shortName(t.name!), t.name!]));
    this.soleBranch = payload.types[0]!.name!;
  }

  /** The Avro value of an event; throws when the topic has no such eventType. */
  toAvro(event: AnyEvent): Record<string, unknown> {
    const branch = this.branches.get(event.eventType);
    if (branch === undefined) throw new Error(`${this.recordName} has no event type ${event.eventType}`);
    return { ...event, payload: this.wrapped ? { [branch]: event.payload } : event.payload };
  }

  /** The event of a decoded Avro value; the payload branch must be the one eventType names. */
  fromAvro(value: Record<string, unknown>): AnyEvent {
    const eventType = value.eventType as string;
    let payload = value.payload as Record<string, unknown>;
    let branch = this.soleBranch;
    if (this.wrapped) {
      branch = Object.keys(payload)[0]!;
      payload = payload[branch] as Record<string, unknown>;
    }
    if (this.branches.get(eventType) !== branch) {
      throw new PoisonRecordError(
        'InvalidEvent',
        `eventType ${JSON.stringify(eventType)} does not match the payload ${branch} of ${this.recordName}`,
      );
    }
    return {
      eventId: value.eventId,
      eventType,
      occurredAt: value.occurredAt,
      customerId: value.customerId,
      source: value.source,
      causationId: value.causationId,
      payload,
    } as unknown as AnyEvent;
  }
}

const contracts = new Map<string, TopicContract>();

/** The contract of a topic, compiled once per schema file (prefixed registries share it). */
export function contractOf(spec: TopicSpec): TopicContract {
  let c = contracts.get(spec.schemaFile);
  if (c === undefined) {
    c = new TopicContract(spec.schemaFile, spec.recordName);
    contracts.set(spec.schemaFile, c);
  }
  return c;
}
