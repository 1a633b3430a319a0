// What every route module gets from the app: the options, the stores, the clock, the guard that checks session,
// CSRF token and permission, the page senders, the metrics; and the helpers they share.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ConsoleStore } from '../../adapters/console-store.ts';
import type { ConsoleMetrics } from '../../adapters/metrics.ts';
import type { ReportingReader } from '../../adapters/reporting-reader.ts';
import type { Permission } from '../../domain/roles.ts';
import type { AppOptions } from '../app.ts';
import type { Html } from '../html.ts';
import type { Viewer } from '../layout.ts';

export interface RouteContext {
  app: FastifyInstance;
  o: AppOptions;
  store: ConsoleStore;
  reporting: ReportingReader;
  now: () => number;
  /** A preHandler: signed in (GET: else to sign-in), the session's CSRF token on a POST, and the permission. */
  guard: (permission: Permission) => (req: FastifyRequest, reply: FastifyReply) => Promise<unknown>;
  send: (reply: FastifyReply, viewer: Viewer | undefined, title: string, body: Html, opts?: { refreshSeconds?: number }) => FastifyReply;
  metrics: ConsoleMetrics;
  publishTimeoutMs: number;
}

// A page waits this long for Kafka's acknowledgement (the producer itself retries without limit), then says so.
export const DEFAULT_PUBLISH_TIMEOUT_MS = 20_000;

export class NotAcknowledged extends Error {
  readonly statusCode = 503;
}

export async function acknowledged<T>(sent: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  // A send that completes or fails after the page gave up must not become an unhandled rejection.
  sent.catch(() => undefined);
  try {
    return await Promise.race([sent, new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new NotAcknowledged('Kafka did not acknowledge in time')), timeoutMs);
    })]);
  } finally {
    clearTimeout(timer);
  }
}

declare module 'fastify' {
  interface FastifyRequest {
    viewer?: Viewer;
    sessionHash?: string;
  }
}

type Body = Record<string, string | undefined>;
export const bodyOf = (req: FastifyRequest): Body => (req.body ?? {}) as Body;
export const queryOf = (req: FastifyRequest): Body => (req.query ?? {}) as Body;

