// The console's HTTP side (Fastify, pages rendered on the server): sessions, CSRF and permissions (the guard),
// sign-in, /metrics, /healthz, /readyz, and the pages of routes/ (orders, collections, customers, limit requests, audit,
// users).
// Every POST needs a signed-in session and its CSRF token; every page escapes what it shows (html.ts).
import formbody from '@fastify/formbody';
import cookie from '@fastify/cookie';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Registry } from 'prom-client';
import type { CustomerCreditProfile, PromiseToPay } from '../../../../shared/contracts/events.generated.ts';
import type { Logger } from '../../../../shared/logger.ts';
import type { Pool } from '../../../../shared/pg/pool.ts';
import { CollectionsReader } from '../adapters/collections-reader.ts';
import { ConsoleStore } from '../adapters/console-store.ts';
import { createConsoleMetrics } from '../adapters/metrics.ts';
import { ReportingReader } from '../adapters/reporting-reader.ts';
import { may, ROLE_LABELS, type Permission } from '../domain/roles.ts';
import { sessionState, SignInLimiter, type SessionLimits } from '../domain/sessions.ts';
import { newToken, sameToken, SESSION_COOKIE, SIGNIN_COOKIE, tokenHash } from './auth.ts';
import { html, type Html } from './html.ts';
import { page, type Viewer } from './layout.ts';
import { verifyPassword } from './passwords.ts';
import { auditRoutes } from './routes/audit.ts';
import { collectionRoutes } from './routes/collections.ts';
import { bodyOf, DEFAULT_PUBLISH_TIMEOUT_MS, NotAcknowledged, queryOf, type RouteContext } from './routes/context.ts';
import { customerRoutes } from './routes/customers.ts';
import { limitRequestRoutes } from './routes/limit-requests.ts';
import { orderRoutes } from './routes/orders.ts';
import { userRoutes } from './routes/users.ts';

export interface Publisher {
  creditAction(a: { eventId: string; customerId: string; at: number; action: { orderId: string; action: 'RELEASE' | 'REJECT'; actor: string; actorRole: Viewer['role']; reason: string } }): Promise<void>;
  promiseToPay(p: { eventId: string; customerId: string; at: number; promise: PromiseToPay }): Promise<void>;
  profileChange(c: { profileEventId: string; changeEventId: string; customerId: string; at: number; before: CustomerCreditProfile; after: CustomerCreditProfile }): Promise<void>;
}

export interface Profiles {
  readonly ready: boolean;
  get(customerId: string): CustomerCreditProfile | undefined;
}

export interface AppOptions {
  pool: Pool;
  publisher: Publisher;
  profiles: Profiles;
  registry: Registry;
  logger: Logger;
  sessions: SessionLimits;
  signIn: { maxFailures: number; windowMs: number };
  secureCookies: boolean;
  pageSize: number;
  /** Whether the console is ready to serve every page and action, for /readyz. */
  ready: () => boolean;
  now?: () => number;
  /** How long a page waits for Kafka to acknowledge what it publishes; default 20 s. */
  publishTimeoutMs?: number;
}


export async function buildApp(o: AppOptions): Promise<FastifyInstance> {
  const now = o.now ?? Date.now;
  const publishTimeoutMs = o.publishTimeoutMs ?? DEFAULT_PUBLISH_TIMEOUT_MS;
  const store = new ConsoleStore(o.pool);
  const reporting = new ReportingReader(o.pool);
  const limiter = new SignInLimiter(o.signIn);
  const metrics = createConsoleMetrics(o.registry, 'console');
  const { requests, signIns, refusals } = metrics;

  // Fastify's own logger stays off: errors are logged here, without the request body (it may hold a password).
  const app = Fastify({ logger: false, trustProxy: false });
  app.setErrorHandler((error, req, reply) => {
    const status = (error as { statusCode?: number }).statusCode ?? 500;
    if (error instanceof NotAcknowledged) {
      o.logger.warn({ route: req.routeOptions.url, user: req.viewer?.username }, 'Kafka did not acknowledge a publish in time');
      return reply.code(503).type('text/html').send(page('Not confirmed', req.viewer, html`<p class="error">Kafka did not confirm
        within ${publishTimeoutMs / 1000} s. It may still arrive: look at the order, the limit requests or the audit log before you repeat it.</p>`));
    }
    if (status >= 500) o.logger.error({ err: error, route: req.routeOptions.url }, 'request failed');
    return reply.code(status).type('text/html').send(page(status >= 500 ? 'Something went wrong' : 'Bad request', req.viewer,
      html`<p class="error">${status >= 500 ? 'The console could not complete this request; it is logged. Try again.' : 'The request was not understood.'}</p>`));
  });
  await app.register(cookie);
  await app.register(formbody, { bodyLimit: 64 * 1024 });

  const cookieOptions = { path: '/', httpOnly: true, sameSite: 'strict' as const, secure: o.secureCookies };

  // Pages load nothing from anywhere and run no script; they may not be framed, and only post to the console.
  app.addHook('onSend', async (_req, reply) => {
    reply.header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
    reply.header('x-content-type-options', 'nosniff');
    reply.header('x-frame-options', 'DENY');
    reply.header('referrer-policy', 'same-origin');
  });

  app.addHook('onResponse', async (req, reply) => {
    requests.inc({ route: req.routeOptions.url ?? 'unknown', status: String(reply.statusCode) });
  });

  // Who is asking: a valid session refreshes its idle time; an expired one is deleted.
  app.addHook('preHandler', async (req, reply) => {
    const token = req.cookies[SESSION_COOKIE];
    if (!token) return;
    const hash = tokenHash(token);
    const s = await store.session(hash);
    const at = now();
    if (!s || s.disabled || sessionState(s, at, o.sessions) !== 'valid') {
      if (s) await store.deleteSession(hash);
      reply.clearCookie(SESSION_COOKIE, cookieOptions);
      return;
    }
    await store.touchSession(hash, at);
    req.viewer = { username: s.username, role: s.role, csrfToken: s.csrfToken };
    req.sessionHash = hash;
  });

  const refuse = (reply: FastifyReply, viewer: Viewer | undefined, code: number, why: string, message: string) => {
    refusals.inc({ why });
    return reply.code(code).type('text/html').send(page('Refused', viewer, html`<p class="error">${message}</p>`));
  };

  /** A page for the signed in (with a permission): others go to sign-in, or are refused. */
  const guard = (permission: Permission) => async (req: FastifyRequest, reply: FastifyReply) => {
    if (!req.viewer) {
      if (req.method === 'GET') return reply.redirect(`/signin?next=${encodeURIComponent(req.url)}`);
      return refuse(reply, undefined, 403, 'signed-out', 'Sign in first: your session has ended.');
    }
    if (req.method === 'POST' && !sameToken(bodyOf(req)._csrf, req.viewer.csrfToken)) {
      return refuse(reply, req.viewer, 403, 'csrf', 'Refused: the form has no valid CSRF token. Reload the page and try again.');
    }
    if (!may(req.viewer.role, permission)) {
      return refuse(reply, req.viewer, 403, 'permission', `Refused: a ${ROLE_LABELS[req.viewer.role]} may not do this.`);
    }
  };
  const send = (reply: FastifyReply, viewer: Viewer | undefined, title: string, body: Html, opts?: { refreshSeconds?: number }) =>
    reply.type('text/html').header('cache-control', 'no-store').send(page(title, viewer, body, opts));

  // Liveness: the process serves. Readiness: it has read the profiles, so an approval starts from the latest one.
  app.get('/healthz', async (_req, reply) => reply.header('cache-control', 'no-store').send({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    const ok = o.ready();
    return reply.code(ok ? 200 : 503).header('cache-control', 'no-store').send({ status: ok ? 'ok' : 'unavailable' });
  });
  app.get('/metrics', async (_req, reply) => reply.type(o.registry.contentType).send(await o.registry.metrics()));
  app.get('/', async (req, reply) => reply.redirect(req.viewer ? '/worklist' : '/signin'));

  // ---- sign-in ------------------------------------------------------------------------------------------------
  const signInPage = (reply: FastifyReply, next: string, error?: string) => {
    const token = newToken();
    reply.setCookie(SIGNIN_COOKIE, token, { ...cookieOptions, maxAge: 15 * 60 });
    return send(reply, undefined, 'Sign in', html`${error ? html`<p class="error">${error}</p>` : ''}
      <form method="post" action="/signin"><input type="hidden" name="_csrf" value="${token}"><input type="hidden" name="next" value="${next}">
      <p><label>User <input name="username" autocomplete="username" required></label></p>
      <p><label>Password <input name="password" type="password" autocomplete="current-password" required></label></p>
      <p><button>Sign in</button></p></form>`);
  };
  const safeNext = (next: string | undefined) => (next && /^\/[a-z]/.test(next) && !next.startsWith('//') ? next : '/worklist');

  app.get('/signin', async (req, reply) => signInPage(reply, safeNext(queryOf(req).next)));
  app.post('/signin', async (req, reply) => {
    const b = bodyOf(req);
    if (!sameToken(b._csrf, req.cookies[SIGNIN_COOKIE])) {
      return refuse(reply, undefined, 403, 'csrf', 'Refused: the form has no valid CSRF token. Reload the page and try again.');
    }
    const username = (b.username ?? '').trim().toLowerCase();
    const at = now();
    if (!limiter.allowed(username, at)) {
      signIns.inc({ outcome: 'throttled' });
      return signInPage(reply.code(429), safeNext(b.next), 'Too many failed attempts: try again later.');
    }
    const user = username === '' ? undefined : await store.user(username);
    const ok = await verifyPassword(b.password ?? '', user?.passwordHash);
    if (!ok || !user || user.disabled) {
      limiter.failed(username, at);
      signIns.inc({ outcome: 'failed' });
      o.logger.info({ username }, 'sign-in refused');
      return signInPage(reply.code(401), safeNext(b.next), 'Wrong user name or password.');
    }
    limiter.succeeded(username);
    signIns.inc({ outcome: 'ok' });
    const token = newToken();
    await store.createSession({ tokenHash: tokenHash(token), username, csrfToken: newToken(), now: at });
    o.logger.info({ username, role: user.role }, 'signed in');
    reply.clearCookie(SIGNIN_COOKIE, cookieOptions);
    reply.setCookie(SESSION_COOKIE, token, cookieOptions);
    return reply.redirect(safeNext(b.next), 303);
  });
  app.post('/signout', { preHandler: guard('view') }, async (req, reply) => {
    await store.deleteSession(req.sessionHash!);
    reply.clearCookie(SESSION_COOKIE, cookieOptions);
    return reply.redirect('/signin', 303);
  });

  const context: RouteContext = { app, o, store, reporting, now, guard, send, metrics, publishTimeoutMs };
  orderRoutes(context);
  collectionRoutes(context, new CollectionsReader(o.pool));
  customerRoutes(context);
  limitRequestRoutes(context);
  auditRoutes(context);
  userRoutes(context);
  return app;
}
