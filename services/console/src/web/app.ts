// The console's HTTP side (Fastify, pages rendered on the server): sign-in, the held-orders worklist and its
// actions, customer summaries, limit requests under four eyes, the audit log, user administration, /metrics, /healthz.
// Every POST needs a signed-in session and its CSRF token; every page escapes what it shows (html.ts).
import { randomUUID } from 'node:crypto';
import formbody from '@fastify/formbody';
import cookie from '@fastify/cookie';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Registry } from 'prom-client';
import { v5 as uuidv5 } from 'uuid';
import type { CustomerCreditProfile } from '../../../../shared/contracts/events.generated.ts';
import type { Logger } from '../../../../shared/logger.ts';
import { withTransaction, type Pool } from '../../../../shared/pg/pool.ts';
import { ConsoleStore } from '../adapters/console-store.ts';
import { createConsoleMetrics } from '../adapters/metrics.ts';
import { ReportingReader } from '../adapters/reporting-reader.ts';
import { approvedProfile, checkDecision, validateRequest, type LimitRequestInput } from '../domain/limit-change.ts';
import { isRole, may, ROLES, ROLE_LABELS, type Permission } from '../domain/roles.ts';
import { sessionState, SignInLimiter, type SessionLimits } from '../domain/sessions.ts';
import { filterParams, HOLD_REASONS, parseAmount, parseWorklistQuery } from '../domain/worklist.ts';
import { newToken, sameToken, SESSION_COOKIE, SIGNIN_COOKIE, tokenHash } from './auth.ts';
import { age, asNumber, day, money, when } from './format.ts';
import { html, type Html } from './html.ts';
import { csrfField, page, type Viewer } from './layout.ts';
import { hashPassword, passwordProblem, verifyPassword } from './passwords.ts';

export interface Publisher {
  creditAction(a: { eventId: string; customerId: string; at: number; action: { orderId: string; action: 'RELEASE' | 'REJECT'; actor: string; actorRole: Viewer['role']; reason: string } }): Promise<void>;
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

// Names the limit-change events: a retried approval of one request publishes the same ids (consumers de-duplicate).
const LIMIT_NAMESPACE = '2f0b6c52-9d4e-4c59-8a0e-5e3c1b7d9a41';

// A page waits this long for Kafka's acknowledgement (the producer itself retries without limit), then says so.
const DEFAULT_PUBLISH_TIMEOUT_MS = 20_000;

class NotAcknowledged extends Error {
  readonly statusCode = 503;
}

async function acknowledged<T>(sent: Promise<T>, timeoutMs: number): Promise<T> {
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
const bodyOf = (req: FastifyRequest): Body => (req.body ?? {}) as Body;
const queryOf = (req: FastifyRequest): Body => (req.query ?? {}) as Body;

export async function buildApp(o: AppOptions): Promise<FastifyInstance> {
  const now = o.now ?? Date.now;
  const publishTimeoutMs = o.publishTimeoutMs ?? DEFAULT_PUBLISH_TIMEOUT_MS;
  const store = new ConsoleStore(o.pool);
  const reporting = new ReportingReader(o.pool);
  const limiter = new SignInLimiter(o.signIn);
  const { requests, creditActions: actions, limitDecisions, signIns, refusals, worklistQuery } = createConsoleMetrics(o.registry, 'console');

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

  // ---- held orders ------------------------------------------------------------------------------------------------
  const outcomeOf = (a: { action: string; outcome: string | null; refusal: string | null; shortfallMinor: number | null; authorityLimitMinor: number | null }) => {
    if (a.outcome === 'ACCEPTED') return html`<span class="ok">${a.action === 'RELEASE' ? 'released' : 'rejected'}</span>`;
    if (a.outcome === 'REFUSED') {
      const detail = a.refusal === 'BEYOND_AUTHORITY'
        ? ` (beyond authority: may release ${money(a.authorityLimitMinor)} over the limit, ${money(a.shortfallMinor)} short)`
        : a.refusal === 'ROLE_NOT_PERMITTED' ? ' (role not permitted)' : '';
      return html`<span class="refused">refused${detail}</span>`;
    }
    return html`<span class="pending">waiting for the exposure service</span>`;
  };

  app.get('/worklist', { preHandler: guard('view') }, async (req, reply) => {
    const viewer = req.viewer!;
    const { query, errors } = parseWorklistQuery(queryOf(req));
    const at = now();
    const timer = worklistQuery.startTimer();
    const { rows, more } = errors.length ? { rows: [], more: false } : await reporting.heldOrders(query.filter, query.after, o.pageSize, at);
    timer();
    const recent = await store.actions({ limit: 10 });
    const f = query.filter;
    const last = rows.at(-1);
    const next = more && last ? `/worklist?${filterParams(f, { heldSince: last.heldSince, orderId: last.orderId })}` : undefined;
    return send(reply, viewer, 'Held orders', html`
      ${errors.length ? html`<p class="error">${errors.join('; ')}</p>` : ''}
      <form method="get" action="/worklist"><fieldset><legend>Filter</legend>
        <label>Customer <input name="customer" value="${f.customer ?? ''}" size="12"></label>
        <label>Reason <select name="reason"><option value="">any</option>${HOLD_REASONS.map((r) => html`<option${f.reason === r ? html` selected` : ''}>${r}</option>`)}</select></label>
        <label>Held at least <input name="minAgeHours" value="${f.minAgeHours ?? ''}" size="4"> h</label>
        <label>Amount from <input name="minAmount" value="${queryOf(req).minAmount ?? ''}" size="8"></label>
        <label>to <input name="maxAmount" value="${queryOf(req).maxAmount ?? ''}" size="8"></label>
        <label>Risk class <input name="riskClass" value="${f.riskClass ?? ''}" size="3"></label>
        <button>Filter</button> <a href="/worklist">clear</a></fieldset></form>
      <table id="worklist"><thead><tr><th>Held since</th><th>Age</th><th>Order</th><th>Customer</th><th>Risk</th><th class="num">Amount</th>
        <th>Reasons</th><th class="num">Exposure</th><th class="num">Limit</th><th class="num">Shortfall</th></tr></thead><tbody>
      ${rows.length === 0 ? html`<tr><td colspan="10">No held orders${Object.keys(f).length ? ' match the filter' : ''}.</td></tr>` : ''}
      ${rows.map((r) => html`<tr data-order="${r.orderId}"><td>${when(r.heldSince)}</td><td>${age(r.heldSince, at)}</td>
        <td><a href="/orders/${encodeURIComponent(r.orderId)}">${r.orderId}</a></td>
        <td><a href="/customers/${encodeURIComponent(r.customerId)}">${r.customerId}</a></td><td>${r.riskClass ?? '–'}</td>
        <td class="num">${money(r.amountMinor, r.currency)}</td><td>${r.reasons.map((x) => html`<span class="reason">${x}</span>`)}</td>
        <td class="num">${money(r.exposureMinor)}</td><td class="num">${money(r.limitMinor)}</td><td class="num">${money(r.shortfallMinor)}</td></tr>`)}
      </tbody></table>
      <p>${query.after ? html`<a href="/worklist?${filterParams(f).toString()}">first page</a> ` : ''}${next ? html`<a id="next" href="${next}">next page</a>` : ''}</p>
      <h2>Recent actions</h2>
      <table id="recent"><thead><tr><th>When</th><th>Order</th><th>Action</th><th>By</th><th>Reason</th><th>Outcome</th></tr></thead><tbody>
      ${recent.map((a) => html`<tr><td>${when(a.takenAt)}</td><td><a href="/orders/${encodeURIComponent(a.orderId)}">${a.orderId}</a></td>
        <td>${a.action}</td><td>${a.actor} (${ROLE_LABELS[a.actorRole]})</td><td>${a.reason}</td><td>${outcomeOf(a)}</td></tr>`)}
      </tbody></table>`);
  });

  app.get('/orders/:orderId', { preHandler: guard('view') }, async (req, reply) => {
    const viewer = req.viewer!;
    const { orderId } = req.params as { orderId: string };
    const order = await reporting.order(orderId);
    const history = await store.actions({ orderId, limit: 50 });
    if (!order && history.length === 0) return reply.code(404).type('text/html').send(page('Not found', viewer, html`<p>No order ${orderId}.</p>`));
    const held = order?.decision === 'HELD' && !order.cancelledAt;
    const waiting = history.some((a) => a.outcome === null);
    const notice = queryOf(req).sent ? html`<p class="notice">Your action was sent; the outcome appears below once the exposure service has decided.</p>` : '';
    const actionForm = (action: 'RELEASE' | 'REJECT') => html`<form method="post" action="/orders/${encodeURIComponent(orderId)}/actions" class="action">
      ${csrfField(viewer)}<input type="hidden" name="action" value="${action}">
      <label>Reason <input name="reason" required size="40"></label> <button name="do" value="${action}">${action === 'RELEASE' ? 'Release' : 'Reject'}</button></form>`;
    return send(reply, viewer, `Order ${orderId}`, html`${notice}
      ${order ? html`<div class="cards"><div class="card">Customer <a href="/customers/${encodeURIComponent(order.customerId)}">${order.customerId}</a></div>
        <div class="card">Amount ${money(order.amountMinor, order.currency)}</div>
        <div class="card">Decision <strong id="decision">${order.cancelledAt ? 'CANCELLED' : order.decision ?? 'undecided'}</strong></div>
        <div class="card">Reasons ${order.reasons.map((x) => html`<span class="reason">${x}</span>`)}</div></div>` : ''}
      ${held && may(viewer.role, 'creditAction') ? html`<fieldset><legend>Act on the hold</legend>${actionForm('RELEASE')}${actionForm('REJECT')}</fieldset>` : ''}
      ${held && !may(viewer.role, 'creditAction') ? html`<p>A ${ROLE_LABELS[viewer.role]} may not release or reject orders.</p>` : ''}
      <h2>Actions</h2><table id="actions"><thead><tr><th>When</th><th>Action</th><th>By</th><th>Reason</th><th>Outcome</th></tr></thead><tbody>
      ${history.map((a) => html`<tr><td>${when(a.takenAt)}</td><td>${a.action}</td><td>${a.actor} (${ROLE_LABELS[a.actorRole]})</td><td>${a.reason}</td><td class="outcome">${outcomeOf(a)}</td></tr>`)}
      </tbody></table>`, waiting ? { refreshSeconds: 2 } : {});
  });

  app.post('/orders/:orderId/actions', { preHandler: guard('creditAction') }, async (req, reply) => {
    const viewer = req.viewer!;
    const { orderId } = req.params as { orderId: string };
    const b = bodyOf(req);
    const action = b.action === 'RELEASE' || b.action === 'REJECT' ? b.action : undefined;
    const reason = (b.reason ?? '').trim();
    const order = await reporting.order(orderId);
    if (!action || reason === '' || !order) {
      return reply.code(400).type('text/html').send(page('Not sent', viewer, html`<p class="error">${!order ? `No order ${orderId}.` : !action ? 'Choose release or reject.' : 'A reason is required.'}</p>
        <p><a href="/orders/${encodeURIComponent(orderId)}">back to the order</a></p>`));
    }
    const eventId = randomUUID();
    const at = now();
    await acknowledged(o.publisher.creditAction({ eventId, customerId: order.customerId, at, action: { orderId, action, actor: viewer.username, actorRole: viewer.role, reason } }), publishTimeoutMs);
    await store.recordAction({ eventId, orderId, customerId: order.customerId, action, actor: viewer.username, actorRole: viewer.role, reason, takenAt: new Date(at) });
    actions.inc({ action });
    o.logger.info({ eventId, orderId, action, actor: viewer.username, role: viewer.role }, 'credit action sent');
    return reply.redirect(`/orders/${encodeURIComponent(orderId)}?sent=1`, 303);
  });

  // ---- customers and limit changes ---------------------------------------------------------------------------------
  app.get('/customers', { preHandler: guard('view') }, async (req, reply) => {
    const id = (queryOf(req).id ?? '').trim();
    return id ? reply.redirect(`/customers/${encodeURIComponent(id)}`) : reply.redirect('/worklist');
  });

  app.get('/customers/:customerId', { preHandler: guard('view') }, async (req, reply) => {
    const viewer = req.viewer!;
    const { customerId } = req.params as { customerId: string };
    const c = await reporting.customer(customerId);
    if (!c) return reply.code(404).type('text/html').send(page('Not found', viewer, html`<p>No customer ${customerId} in reporting.</p>`));
    const cur = c.currency as string | null;
    const [score, invoices, disputes, decisions, series, requests] = await Promise.all([
      reporting.latestScore(customerId), reporting.openInvoices(customerId), reporting.disputes(customerId),
      reporting.recentDecisions(customerId), reporting.exposureSeries(customerId, 200),
      store.limitRequests({ customerId, limit: 20 }),
    ]);
    const aging = { current: 0, '1-30': 0, '31-60': 0, '61-90': 0, '90+': 0 };
    for (const i of invoices) {
      const d = i.days_past_due;
      const bucket = d <= 0 ? 'current' : d <= 30 ? '1-30' : d <= 60 ? '31-60' : d <= 90 ? '61-90' : '90+';
      aging[bucket] += Number(i.open_minor);
    }
    const proposed = score ? asNumber(score.proposed_limit_minor) : null;
    const limit = asNumber(c.credit_limit_minor);
    const prefill = queryOf(req).proposal === '1' && proposed !== null ? proposed : limit;
    const tempExpires = c.temp_limit_expires_at as Date | null;
    return send(reply, viewer, `Customer ${customerId}`, html`
      <div class="cards">
        <div class="card"><h3>Profile</h3>Currency ${cur ?? '–'}<br>Terms net ${String(c.payment_terms_days ?? '–')} days<br>Risk class ${String(c.risk_class ?? '–')}<br>
          Manual hold ${c.manual_hold ? 'yes' : 'no'}<br>Parent ${String(c.parent_customer_id ?? '–')}</div>
        <div class="card"><h3>Limits</h3>Credit limit <strong id="credit-limit">${money(limit, cur)}</strong><br>
          Temporary ${money(asNumber(c.temp_limit_minor), cur)}${tempExpires ? ` until ${day(tempExpires)}` : ''}<br>Effective ${money(asNumber(c.effective_limit_minor), cur)}</div>
        <div class="card"><h3>Exposure</h3><strong>${money(asNumber(c.exposure_minor), cur)}</strong><br>open orders ${money(asNumber(c.open_orders_minor))}<br>
          open receivables ${money(asNumber(c.open_ar_minor))}<br>unapplied cash −${money(asNumber(c.unapplied_cash_minor))}<br>
          held orders ${money(asNumber(c.held_orders_minor))} (${String(c.held_order_count ?? 0)})<br>
          utilisation ${c.utilization === null || c.utilization === undefined ? '–' : `${(Number(c.utilization) * 100).toFixed(1)} %`}</div>
        <div class="card"><h3>Score</h3>${score ? html`score ${String(score.score ?? '–')}, class ${String(score.risk_class)}<br>
          late probability ${(Number(score.late_probability) * 100).toFixed(1)} %<br>proposed limit ${money(proposed, cur)} (${String(score.limit_reason)})
          ${proposed !== null && proposed !== limit && may(viewer.role, 'requestLimit') ? html`<br><a href="/customers/${encodeURIComponent(customerId)}?proposal=1#request">request the proposed limit</a>` : ''}` : 'not scored yet'}</div>
        <div class="card"><h3>Delinquency</h3>${String(c.delinquency_status ?? '–')}<br>worst ${String(c.worst_dpd ?? 0)} days past due<br>overdue ${money(asNumber(c.overdue_minor), cur)}</div>
      </div>
      <h2>Exposure against limit</h2>${chart(series)}
      <h2>Aging</h2><table><tr>${Object.keys(aging).map((k) => html`<th class="num">${k}</th>`)}</tr><tr>${Object.values(aging).map((v) => html`<td class="num">${money(v)}</td>`)}</tr></table>
      <h2>Open invoices</h2><table><thead><tr><th>Invoice</th><th>Due</th><th class="num">Days past due</th><th class="num">Open</th><th>Dunning stage</th><th>Dispute</th></tr></thead><tbody>
        ${invoices.map((i) => html`<tr><td>${i.invoice_id}</td><td>${day(i.due_at)}</td><td class="num">${i.days_past_due}</td><td class="num">${money(Number(i.open_minor), i.currency)}</td>
          <td>${i.stage ?? '–'}</td><td>${i.in_dispute ? 'open' : ''}</td></tr>`)}</tbody></table>
      <h2>Disputes</h2><table><thead><tr><th>Invoice</th><th>Opened</th><th>Reason</th><th>Resolved</th><th>Outcome</th></tr></thead><tbody>
        ${disputes.map((d) => html`<tr><td>${String(d.invoice_id)}</td><td>${when(d.opened_at as Date)}</td><td>${String(d.reason ?? '')}</td><td>${when(d.resolved_at as Date | null)}</td><td>${String(d.outcome ?? '')}</td></tr>`)}</tbody></table>
      <h2>Recent decisions</h2><table><thead><tr><th>When</th><th>Event</th><th>Order</th><th class="num">Amount</th><th>Reasons</th><th>By</th></tr></thead><tbody>
        ${decisions.map((d) => html`<tr><td>${when(d.occurred_at as Date)}</td><td>${String(d.event_type)}</td><td><a href="/orders/${encodeURIComponent(String(d.order_id))}">${String(d.order_id)}</a></td>
          <td class="num">${money(asNumber(d.amount_minor), d.currency as string | null)}</td><td>${((d.reasons as string[] | null) ?? []).join(', ')}</td><td>${String(d.actor ?? '')}</td></tr>`)}</tbody></table>
      <h2 id="request">Limit change</h2>
      ${may(viewer.role, 'requestLimit') ? html`<form method="post" action="/customers/${encodeURIComponent(customerId)}/limit-requests">${csrfField(viewer)}
        ${queryOf(req).proposal === '1' ? html`<input type="hidden" name="source" value="SCORING">` : ''}
        <label>New credit limit <input name="creditLimit" value="${prefill === null ? '' : (prefill / 100).toFixed(2)}" size="12" required></label>
        <label>Temporary limit <input name="tempLimit" size="10"></label> <label>until <input name="tempLimitExpires" type="date"></label>
        <label>Reason <input name="reason" size="40" required value="${queryOf(req).proposal === '1' && score ? `scoring proposal: ${String(score.limit_reason)}` : ''}"></label>
        <button>Request</button></form>` : html`<p>A ${ROLE_LABELS[viewer.role]} may not request limit changes.</p>`}
      ${requestsTable(requests, viewer)}`);
  });

  app.post('/customers/:customerId/limit-requests', { preHandler: guard('requestLimit') }, async (req, reply) => {
    const viewer = req.viewer!;
    const { customerId } = req.params as { customerId: string };
    const b = bodyOf(req);
    const at = now();
    const c = await reporting.customer(customerId);
    const creditLimit = parseAmount(b.creditLimit ?? '');
    const tempLimit = (b.tempLimit ?? '').trim() === '' ? null : parseAmount(b.tempLimit!) ?? Number.NaN;
    const expires = (b.tempLimitExpires ?? '').trim();
    const tempLimitExpiresAt = expires === '' ? null : /^\d{4}-\d{2}-\d{2}$/.test(expires) ? Date.parse(`${expires}T23:59:59Z`) : Number.NaN;
    const input: LimitRequestInput = { creditLimit: creditLimit ?? Number.NaN, tempLimit, tempLimitExpiresAt, reason: (b.reason ?? '').trim() };
    const problems = [...(c?.currency ? [] : [`no credit profile of ${customerId} in reporting yet`]), ...validateRequest(input, viewer, at)];
    if (problems.length) {
      return reply.code(400).type('text/html').send(page('Not requested', viewer, html`<p class="error">${problems.join('; ')}</p><p><a href="/customers/${encodeURIComponent(customerId)}">back</a></p>`));
    }
    const requestId = await store.createLimitRequest({
      customerId, currency: String(c!.currency), ...input, source: b.source === 'SCORING' ? 'SCORING' : 'CONSOLE',
      requestedBy: viewer.username, requestedRole: viewer.role, now: at,
    });
    o.logger.info({ requestId, customerId, requestedBy: viewer.username }, 'limit change requested');
    return reply.redirect(`/limit-requests#request-${requestId}`, 303);
  });

  app.get('/limit-requests', { preHandler: guard('view') }, async (req, reply) => {
    const viewer = req.viewer!;
    const pending = await store.limitRequests({ status: 'PENDING', limit: 200 });
    const recent = (await store.limitRequests({ limit: 50 })).filter((r) => r.status !== 'PENDING');
    return send(reply, viewer, 'Limit requests', html`<h2>Waiting for a second person</h2>${requestsTable(pending, viewer)}
      <h2>Decided</h2>${requestsTable(recent, viewer)}`);
  });

  app.post('/limit-requests/:requestId/decision', { preHandler: guard('approveLimit') }, async (req, reply) => {
    const viewer = req.viewer!;
    const requestId = Number((req.params as { requestId: string }).requestId);
    const b = bodyOf(req);
    const decision = b.decision === 'APPROVE' ? 'APPROVED' : b.decision === 'REJECT' ? 'REJECTED' : undefined;
    const reason = (b.reason ?? '').trim();
    const back = html`<p><a href="/limit-requests">back to the limit requests</a></p>`;
    const notDone = (code: number, message: string) => {
      refusals.inc({ why: 'limit-decision' });
      return reply.code(code).type('text/html').send(page('Not decided', viewer, html`<p class="error">${message}</p>${back}`));
    };
    if (!Number.isSafeInteger(requestId) || !decision) return notDone(400, 'Choose approve or reject.');
    if (reason === '') return notDone(400, 'A reason is required.');
    const at = now();
    // One transaction holding the request's row: two managers deciding at once publish at most one profile.
    const result = await withTransaction(o.pool, async (tx) => {
      const { rows } = await tx.query<{ status: 'PENDING' }>('SELECT status FROM console.limit_requests WHERE request_id = $1 FOR UPDATE', [requestId]);
      if (!rows[0]) return 'No such request.';
      const txStore = new ConsoleStore(tx);
      const request = (await txStore.limitRequests({ requestId, limit: 1 }))[0]!;
      const refusal = checkDecision(request, viewer);
      if (refusal) return `Refused: ${refusal.refused}.`;
      let profileEventId: string | null = null;
      if (decision === 'APPROVED') {
        if (!o.profiles.ready) return 'The console is still reading the customer profiles from Kafka; try again in a moment.';
        const current = o.profiles.get(request.customerId);
        if (!current) return `No credit profile of ${request.customerId} on Kafka.`;
        if (current.currency !== request.currency) return `The profile's currency is now ${current.currency}, the request's ${request.currency}: request again.`;
        profileEventId = uuidv5(`limit-request:${requestId}:profile`, LIMIT_NAMESPACE);
        const after = approvedProfile(current, request, viewer);
        await acknowledged(o.publisher.profileChange({
          profileEventId, changeEventId: uuidv5(`limit-request:${requestId}:change`, LIMIT_NAMESPACE), customerId: request.customerId, at,
          before: current, after,
        }), publishTimeoutMs);
      }
      await txStore.decideLimitRequest({ requestId, status: decision, decidedBy: viewer.username, decidedRole: viewer.role, reason, profileEventId, now: at });
      return null;
    });
    if (result !== null) return notDone(result.startsWith('Refused') ? 403 : 409, result);
    limitDecisions.inc({ decision });
    o.logger.info({ requestId, decision, decidedBy: viewer.username }, 'limit request decided');
    return reply.redirect('/limit-requests', 303);
  });

  const requestsTable = (rows: Awaited<ReturnType<ConsoleStore['limitRequests']>>, viewer: Viewer): Html => html`
    <table class="requests"><thead><tr><th>#</th><th>Customer</th><th class="num">Credit limit</th><th>Temporary</th><th>Reason</th><th>Requested</th><th>Status</th><th></th></tr></thead><tbody>
    ${rows.length === 0 ? html`<tr><td colspan="8">None.</td></tr>` : ''}
    ${rows.map((r) => html`<tr id="request-${r.requestId}"><td>${r.requestId}</td><td><a href="/customers/${encodeURIComponent(r.customerId)}">${r.customerId}</a></td>
      <td class="num">${money(r.creditLimit, r.currency)}</td><td>${r.tempLimit === null ? '–' : `${money(r.tempLimit, r.currency)} until ${day(r.tempLimitExpiresAt)}`}</td>
      <td>${r.reason}${r.source === 'SCORING' ? ' (scoring proposal)' : ''}</td><td>${r.requestedBy}, ${when(r.requestedAt)}</td>
      <td class="status">${r.status}${r.decidedBy ? ` by ${r.decidedBy}: ${r.decisionReason ?? ''}` : ''}</td>
      <td>${r.status === 'PENDING' && may(viewer.role, 'approveLimit') ? html`<form method="post" action="/limit-requests/${r.requestId}/decision" class="decide">${csrfField(viewer)}
        <input name="reason" placeholder="reason" required size="18"> <button name="decision" value="APPROVE">Approve</button> <button name="decision" value="REJECT">Reject</button></form>` : ''}</td></tr>`)}
    </tbody></table>`;

  // ---- audit log ----------------------------------------------------------------------------------------------------
  app.get('/audit', { preHandler: guard('view') }, async (req, reply) => {
    const viewer = req.viewer!;
    const q = queryOf(req);
    const opt = (v: string | undefined) => (v && v.trim() !== '' ? v.trim() : undefined);
    const rows = await reporting.audit({ customer: opt(q.customer), actor: opt(q.actor), order: opt(q.order), text: opt(q.text), limit: 200 });
    return send(reply, viewer, 'Audit log', html`<form method="get" action="/audit"><fieldset><legend>Search</legend>
      <label>Customer <input name="customer" value="${q.customer ?? ''}" size="12"></label><label>Who <input name="actor" value="${q.actor ?? ''}" size="10"></label>
      <label>Order <input name="order" value="${q.order ?? ''}" size="12"></label><label>Why contains <input name="text" value="${q.text ?? ''}" size="16"></label>
      <button>Search</button></fieldset></form>
      <table id="audit"><thead><tr><th>When</th><th>Customer</th><th>What</th><th>Who</th><th>Outcome</th><th>Order</th><th>Limit</th><th>Why</th></tr></thead><tbody>
      ${rows.map((r) => html`<tr><td>${when(r.occurred_at as Date)}</td><td>${String(r.customer_id)}</td><td>${String(r.action)} <small>${String(r.event_type)}</small></td>
        <td>${String(r.actor)}${r.actor_role ? ` (${String(r.actor_role)})` : ''}</td><td>${String(r.outcome ?? '')}${r.refusal ? ` ${String(r.refusal)}` : ''}</td>
        <td>${String(r.order_id ?? '')}</td><td>${r.credit_limit_minor === null ? '' : `${money(asNumber(r.previous_credit_limit_minor))} → ${money(asNumber(r.credit_limit_minor), r.currency as string | null)}`}</td>
        <td>${String(r.reason ?? '')}</td></tr>`)}</tbody></table>`);
  });

  // ---- users --------------------------------------------------------------------------------------------------------
  app.get('/admin/users', { preHandler: guard('manageUsers') }, async (req, reply) => {
    const viewer = req.viewer!;
    const users = await store.users();
    const roleSelect = (selected?: string) => html`<select name="role">${ROLES.map((r) => html`<option value="${r}"${r === selected ? html` selected` : ''}>${ROLE_LABELS[r]}</option>`)}</select>`;
    return send(reply, viewer, 'Users', html`${queryOf(req).error ? html`<p class="error">${queryOf(req).error}</p>` : ''}
      <table id="users"><thead><tr><th>User</th><th>Role</th><th>State</th><th>Created</th><th>Change</th></tr></thead><tbody>
      ${users.map((u) => html`<tr><td>${u.username}</td><td>${ROLE_LABELS[u.role]}</td><td>${u.disabled ? 'disabled' : 'active'}</td><td>${when(u.createdAt)} by ${u.createdBy}</td>
        <td><form method="post" action="/admin/users/${encodeURIComponent(u.username)}" class="inline">${csrfField(viewer)}${roleSelect(u.role)}
          <label><input type="checkbox" name="disabled" value="1"${u.disabled ? html` checked` : ''}> disabled</label>
          <input name="password" type="password" placeholder="new password" autocomplete="new-password"> <button>Save</button></form></td></tr>`)}</tbody></table>
      <h2>Add a user</h2><form method="post" action="/admin/users">${csrfField(viewer)}<label>User <input name="username" required></label>
        <label>Role ${roleSelect('VIEWER')}</label><label>Password <input name="password" type="password" autocomplete="new-password" required></label><button>Add</button></form>`);
  });

  const userProblem = (username: string, password: string | undefined, role: string | undefined): string | null => {
    if (!/^[a-z0-9][a-z0-9._-]{1,63}$/.test(username)) return 'user names are 2-64 characters: a-z, 0-9, dot, dash, underscore';
    if (role !== undefined && !isRole(role)) return 'unknown role';
    return password === undefined || password === '' ? null : passwordProblem(password);
  };

  app.post('/admin/users', { preHandler: guard('manageUsers') }, async (req, reply) => {
    const viewer = req.viewer!;
    const b = bodyOf(req);
    const username = (b.username ?? '').trim().toLowerCase();
    const problem = userProblem(username, b.password, b.role) ?? (b.password ? null : 'a password is required');
    if (problem) return reply.redirect(`/admin/users?error=${encodeURIComponent(problem)}`, 303);
    const created = await store.createUser({ username, role: b.role as Viewer['role'], passwordHash: await hashPassword(b.password!), createdBy: viewer.username });
    if (!created) return reply.redirect(`/admin/users?error=${encodeURIComponent(`${username} exists already`)}`, 303);
    o.logger.info({ username, role: b.role, by: viewer.username }, 'user added');
    return reply.redirect('/admin/users', 303);
  });

  app.post('/admin/users/:username', { preHandler: guard('manageUsers') }, async (req, reply) => {
    const viewer = req.viewer!;
    const { username } = req.params as { username: string };
    const b = bodyOf(req);
    const problem = userProblem(username, b.password, b.role);
    if (problem) return reply.redirect(`/admin/users?error=${encodeURIComponent(problem)}`, 303);
    if (username === viewer.username && (b.role !== 'ADMIN' || b.disabled === '1')) {
      return reply.redirect(`/admin/users?error=${encodeURIComponent('you may not remove your own admin rights')}`, 303);
    }
    await store.updateUser(username, {
      role: b.role as Viewer['role'], disabled: b.disabled === '1', ...(b.password ? { passwordHash: await hashPassword(b.password) } : {}),
    });
    o.logger.info({ username, role: b.role, disabled: b.disabled === '1', passwordChanged: Boolean(b.password), by: viewer.username }, 'user changed');
    return reply.redirect('/admin/users', 303);
  });

  return app;
}

/** Exposure against the effective limit as an inline SVG line chart (no script, nothing to load). */
function chart(series: ReadonlyArray<{ at: number; exposure: number; limit: number }>): Html {
  if (series.length < 2) return html`<p>Not enough exposure snapshots for a chart yet.</p>`;
  const w = 720;
  const h = 180;
  const t0 = series[0]!.at;
  const t1 = Math.max(series.at(-1)!.at, t0 + 1);
  const top = Math.max(1, ...series.map((p) => Math.max(p.exposure, p.limit)));
  const x = (t: number) => ((t - t0) / (t1 - t0)) * (w - 10) + 5;
  const y = (v: number) => h - 5 - (Math.max(0, v) / top) * (h - 10);
  const line = (pick: (p: { exposure: number; limit: number }) => number) => series.map((p) => `${x(p.at).toFixed(1)},${y(pick(p)).toFixed(1)}`).join(' ');
  return html`<svg id="exposure-chart" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" role="img" aria-label="exposure against limit" style="background:#fff;border:1px solid #e2e5ea">
    <polyline fill="none" stroke="#a11" stroke-width="2" stroke-dasharray="6 3" points="${line((p) => p.limit)}"/>
    <polyline fill="none" stroke="#2458c6" stroke-width="2" points="${line((p) => p.exposure)}"/></svg>
    <p><span style="color:#2458c6">━ exposure</span> <span style="color:#a11">┅ effective limit</span> (${day(t0)} – ${day(t1)}, max ${money(top)})</p>`;
}
