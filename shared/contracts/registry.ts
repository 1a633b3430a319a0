// RegistryClient: the schema registry over its Confluent-compatible REST API (Apicurio's ccompat/v7 here), as the
// serde's SchemaSource plus the subject compatibility setting that registerSchemas needs.
//
// Registration and lookup by id go through @kafkajs/confluent-schema-registry (its cache, request de-duplication
// and 5xx retries); its client only sets compatibility as a side effect of a first registration, so
// setCompatibility is one plain PUT /config/<subject>. Failures become:
//   404 on /schemas/ids/<id>          SchemaNotFoundError (the serde makes it UnknownSchemaId poison)
//   unreachable, 5xx, timeout         TransientError
//   401/403, a certificate refused    ConfigError naming the variable to fix (SCHEMA_REGISTRY_USERNAME/_PASSWORD,
//                                     SCHEMA_REGISTRY_CA_FILE): no retry fixes it
//   other 4xx (e.g. 409 incompatible) RegistryHttpError: a deployment problem, retrying will not fix it (except the
//                                     409 of a concurrent first PUT /config, which setCompatibility resolves)
//
// Both paths carry the same credentials (basic auth) and the same TLS trust: one https.Agent with the CA bundle.
// The plain path is node:https rather than fetch, because fetch takes a custom CA only through an undici dispatcher
// (a dependency whose version must match the undici inside Node) or NODE_EXTRA_CA_CERTS (read once at process start,
// and trusted by every connection of the process); an Agent is what the schema-registry client takes as well.
import { readFileSync } from 'node:fs';
import { request as httpRequest, type Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import avro from 'avsc';
import { ConfigError } from '../config.ts';
import { TransientError } from '../errors.ts';
import { AVSC_OPTIONS } from './avro.ts';
import { SchemaNotFoundError, type SchemaSource } from './serde.ts';

export type Compatibility = 'BACKWARD' | 'BACKWARD_TRANSITIVE' | 'FORWARD' | 'FULL' | 'NONE';

export interface RegistryClientOptions {
  /** Per call, retries included; a slower registry is a transient failure. */
  timeoutMs?: number;
  /** Basic-auth credentials. */
  username?: string | undefined;
  password?: string | undefined;
  /** PEM CA bundle an https registry's certificate must chain to; unset: the system CAs. */
  ca?: string | Buffer | undefined;
}

/** The registry variables of a service's or a tool's config (see registrySpec). */
export interface RegistryConfig {
  SCHEMA_REGISTRY_URL: string;
  SCHEMA_REGISTRY_USERNAME?: string | undefined;
  SCHEMA_REGISTRY_PASSWORD?: string | undefined;
  SCHEMA_REGISTRY_CA_FILE?: string | undefined;
}

/** A client for the registry a config names, with its credentials and CA. */
export function registryClientOf(config: RegistryConfig, options: Pick<RegistryClientOptions, 'timeoutMs'> = {}): RegistryClient {
  return new RegistryClient(config.SCHEMA_REGISTRY_URL, {
    ...options,
    username: config.SCHEMA_REGISTRY_USERNAME,
    password: config.SCHEMA_REGISTRY_PASSWORD,
    ca: config.SCHEMA_REGISTRY_CA_FILE === undefined ? undefined : readFileSync(config.SCHEMA_REGISTRY_CA_FILE),
  });
}

// mappersmith reports a connection failure or timeout as a response with status 400 and the socket error as message.
const CLIENT_ERROR_STATUS = 400;

export class RegistryClient implements SchemaSource {
  private readonly client: SchemaRegistry;
  private readonly timeoutMs: number;
  private readonly agent: HttpsAgent | undefined;
  private readonly authorization: string | undefined;

  constructor(
    readonly url: string,
    options: RegistryClientOptions = {},
  ) {
    const { username, password, ca } = options;
    const auth = username === undefined || password === undefined ? undefined : { username, password };
    this.authorization = auth && `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
    this.agent = url.startsWith('https:') ? new HttpsAgent(ca === undefined ? {} : { ca }) : undefined;
    this.client = new SchemaRegistry(
      // The registry client's typings want an http.Agent; an https.Agent is one (it extends it).
      { host: url, clientId: 'o2c-credit-stream', ...(auth ? { auth } : {}), ...(this.agent ? { agent: this.agent as HttpAgent } : {}) },
      { forSchemaOptions: AVSC_OPTIONS },
    );
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

  /**
   * Whether `schema` may be registered as the next version of `subject` under its compatibility rule; 'no-subject'
   * when the subject has no version yet.
   */
  async compatibleWithLatest(subject: string, schema: string): Promise<boolean | 'no-subject'> {
    try {
      // Apicurio answers is_compatible for a subject it does not have: ask for its latest version first.
      await this.http('GET', `/subjects/${encodeURIComponent(subject)}/versions/latest`);
      const body = (await this.http('POST', `/compatibility/subjects/${encodeURIComponent(subject)}/versions/latest`, { schema })) as {
        is_compatible: boolean;
      };
      return body.is_compatible;
    } catch (e) {
      if (e instanceof RegistryHttpError && e.status === 404) return 'no-subject';
      throw e;
    }
  }

  /** The id `schema` has under `subject`, or undefined when no version of the subject is this schema. */
  async idOf(subject: string, schema: string): Promise<number | undefined> {
    try {
      const body = (await this.http('POST', `/subjects/${encodeURIComponent(subject)}`, { schema })) as { id: number };
      return body.id;
    } catch (e) {
      if (e instanceof RegistryHttpError && e.status === 404) return undefined;
      throw e;
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
      const message = (e as Error).message;
      const config = configProblem(status === CLIENT_ERROR_STATUS ? message : '', status, this.url);
      if (config) throw config;
      if (status === CLIENT_ERROR_STATUS || (status !== undefined && status >= 500)) {
        throw new TransientError(`schema registry ${this.url}: ${what}: ${message}`, { cause: e });
      }
      throw e;
    } finally {
      clearTimeout(timer);
    }
  }

  private async http(method: 'GET' | 'PUT' | 'POST', path: string, body?: unknown): Promise<unknown> {
    let res: { status: number; text: string };
    try {
      res = await this.request(method, path, body === undefined ? undefined : JSON.stringify(body));
    } catch (e) {
      const error = e as NodeJS.ErrnoException;
      throw configProblem(`${error.code ?? ''} ${error.message}`, undefined, this.url)
        ?? new TransientError(`schema registry ${this.url}: ${method} ${path}: ${error.message}`, { cause: e });
    }
    if (res.status >= 200 && res.status < 300) return JSON.parse(res.text) as unknown;
    const problem = configProblem('', res.status, this.url);
    if (problem) throw problem;
    const message = `schema registry ${this.url}: ${method} ${path}: ${res.status} ${res.text}`;
    throw res.status >= 500 ? new TransientError(message) : new RegistryHttpError(res.status, message);
  }

  private request(method: string, path: string, body: string | undefined): Promise<{ status: number; text: string }> {
    const headers: Record<string, string> = { 'Content-Type': 'application/vnd.schemaregistry.v1+json' };
    if (this.authorization) headers.Authorization = this.authorization;
    const options = { method, headers, signal: AbortSignal.timeout(this.timeoutMs), ...(this.agent ? { agent: this.agent } : {}) };
    return new Promise((resolve, reject) => {
      const req = (this.url.startsWith('https:') ? httpsRequest : httpRequest)(this.url + path, options, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });
  }
}

// Node's codes (and OpenSSL's words) for a certificate that does not verify.
const CERTIFICATE_REFUSED = /SELF_SIGNED|UNABLE_TO_(VERIFY|GET_ISSUER)|CERT_(UNTRUSTED|REJECTED|HAS_EXPIRED|NOT_YET_VALID|SIGNATURE_FAILURE|ALTNAME_INVALID)|self.signed certificate|unable to verify|unable to get (local )?issuer/i;

/** The ConfigError a failure means when no retry can fix it: credentials refused, a certificate not trusted. */
function configProblem(errorText: string, status: number | undefined, url: string): ConfigError | undefined {
  if (status === 401 || status === 403) {
    return new ConfigError([
      `SCHEMA_REGISTRY_USERNAME/SCHEMA_REGISTRY_PASSWORD: the registry at ${url} answered ${status} ` +
        (status === 401 ? '(missing or wrong credentials)' : '(these credentials may not do this)'),
    ]);
  }
  if (CERTIFICATE_REFUSED.test(errorText)) {
    return new ConfigError([`SCHEMA_REGISTRY_CA_FILE: the certificate of the registry at ${url} is not trusted (${errorText.trim()})`]);
  }
  return undefined;
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
