// An in-memory SchemaSource for unit tests of framing and decoding only; integration tests use the real registry.
import avro from 'avsc';
import { AVSC_OPTIONS } from '../avro.ts';
import { SchemaNotFoundError, type SchemaSource } from '../serde.ts';

export class FakeRegistry implements SchemaSource {
  readonly registrations: string[] = [];
  private readonly byText = new Map<string, number>();
  private readonly types = new Map<number, avro.Type>();
  /** When set, every lookup fails with it, as an unreachable registry would. */
  failure: Error | null = null;

  async register(subject: string, schema: string): Promise<number> {
    this.registrations.push(subject);
    return this.add(schema);
  }

  /** Stores a schema without a subject, as another topic's or an older version would be; returns its id. */
  add(schema: string | object): number {
    const text = typeof schema === 'string' ? schema : JSON.stringify(schema);
    let id = this.byText.get(text);
    if (id === undefined) {
      id = this.byText.size + 1;
      this.byText.set(text, id);
      this.types.set(id, avro.Type.forSchema(JSON.parse(text) as avro.Schema, { ...AVSC_OPTIONS }));
    }
    return id;
  }

  async writerType(id: number): Promise<avro.Type> {
    if (this.failure) throw this.failure;
    const type = this.types.get(id);
    if (type === undefined) throw new SchemaNotFoundError(id);
    return type;
  }
}
