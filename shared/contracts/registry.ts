// RegistryClient: the schema registry over its Confluent-compatible REST API (Apicurio's ccompat/v7 here), as the
// serde's SchemaSource plus the subject compatibility setting that registerSchemas needs.
//
// Registration and lookup by id go through @kafkajs/confluent-schema-registry (its cache, request de-duplication
// and 5xx retries); its client only sets compatibility as a side effect of a first registration, so
// setCompatibility is one plain PUT /config/<subject>. Failures become:
//   404 on /schemas/ids/<id>          SchemaNotFoundError (the serde makes it UnknownSchemaId poison)
//   unreachable, 5xx, timeout         TransientError
//   other 4xx (e.g. 409 incompatible) RegistryHttpError: a deployment problem, retrying will not fix it (except the
//                                     409 of a concurrent first PUT /config, which setCompatibility resolves)
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import avro from 'avsc';
import { TransientError } from '../errors.ts';
import { AVSC_OPTIONS } from './avro.ts';
import { SchemaNotFoundError, type SchemaSource } from './serde.ts';

export type Compatibility = 'BACKWARD' | 'BACKWARD_TRANSITIVE' | 'FORWARD' | 'FULL' | 'NONE';

export interface RegistryClientOptions {
  /** Per call, retries included; a slower registry is a transient failure. */
  timeoutMs?: number;
}

// mappersmith reports a connection failure or timeout as a response with status 400 and the socket error as message.
const CLIENT_ERROR_STATUS = 400;

export class RegistryClient implements SchemaSource {
  private readonly client: SchemaRegistry;
  private readonly timeoutMs: number;

  constructor(
    readonly url: string,
    options: RegistryClientOptions = {},
  ) {
    this.client = new SchemaRegistry({ host: url, clientId: 'o2c-credit-stream' }, { forSchemaOptions: AVSC_OPTIONS });
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  async register(subject: string, schema: string): Promise<number> {
    const { id } = await this.call(`register ${subject}`, () =>
      this.client.register({ type: SchemaType.AVRO, schema }, { subject }),
    );
    return id;
  }

  async writerType(id: number): Promise<avro.Type> {
    try {
      const type = await this.call(`schema id ${id}`, () => this.client.getSchema(id));
      if (!avro.Type.isType(type)) throw new Error(`schema id ${id} is not an Avro schema`);
      return type as unknown as avro.Type;
    } catch (e) {
      if (statusOf(e) === 404) throw new SchemaNotFoundError(id);
      throw e;
    }
  }

  async setCompatibility(subject: string, level: Compatibility): Promise<void> {
    // Apicurio creates the subject's rule on the first PUT and answers 409 "already exists" to a concurrent first
    // PUT (another instance starting at the same instant): the rule is then there, and a second PUT updates it.
    for (let attempt = 1; ; attempt++) {
      try {
        await this.http('PUT', `/config/${encodeURIComponent(subject)}`, { compatibility: level });
        return;
      } catch (e) {
        if (!(e instanceof RegistryHttpError && e.status === 409) || attempt >= 3) throw e;
        if ((await this.compatibility(subject)) === level) return;
      }
    }
  }

  async compatibility(subject: string): Promise<string> {
    const body = (await this.http('GET', `/config/${encodeURIComponent(subject)}`)) as { compatibilityLevel: string };
    return body.compatibilityLevel;
  }

  private async call<T>(what: string, op: () => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new TransientError(`schema registry ${this.url}: ${what} timed out after ${this.timeoutMs} ms`)),
        this.timeoutMs,
      );
    });
    try {
      return await Promise.race([op(), timeout]);
    } catch (e) {
      const status = statusOf(e);
      if (status === CLIENT_ERROR_STATUS || (status !== undefined && status >= 500)) {
        throw new TransientError(`schema registry ${this.url}: ${what}: ${(e as Error).message}`, { cause: e });
      }
      throw e;
    } finally {
      clearTimeout(timer);
    }
  }

  private async http(method: 'GET' | 'PUT', path: string, body?: unknown): Promise<unknown> {
    let res: Response;
    try {
      res = await fetch(this.url + path, {
        method,
        headers: { 'Content-Type': 'application/vnd.schemaregistry.v1+json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (e) {
      throw new TransientError(`schema registry ${this.url}: ${method} ${path}: ${(e as Error).message}`, { cause: e });
    }
    const text = await res.text();
    if (res.ok) return JSON.parse(text) as unknown;
    const message = `schema registry ${this.url}: ${method} ${path}: ${res.status} ${text}`;
    throw res.status >= 500 ? new TransientError(message) : new RegistryHttpError(res.status, message);
  }
}

/** A 4xx answer: a deployment problem, except the 409 of a concurrent first PUT /config (see setCompatibility). */
export class RegistryHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'RegistryHttpError';
  }
}

function statusOf(e: unknown): number | undefined {
  return typeof e === 'object' && e !== null && 'status' in e && typeof e.status === 'number' ? e.status : undefined;
}
