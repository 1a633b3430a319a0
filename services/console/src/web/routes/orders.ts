// The held-orders worklist, an order's page with its actions and their outcomes, and the release or reject.
import { randomUUID } from 'node:crypto';
import { may, ROLE_LABELS } from '../../domain/roles.ts';
import { filterParams, HOLD_REASONS, parseWorklistQuery } from '../../domain/worklist.ts';
import { age, money, when } from '../format.ts';
import { html } from '../html.ts';
import { csrfField, page } from '../layout.ts';
import { acknowledged, bodyOf, queryOf, type RouteContext } from './context.ts';

export function orderRoutes(c: RouteContext): void {
  const { app, o, store, reporting, now, guard, send, metrics, publishTimeoutMs } = c;
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
    // The outcomes before the held orders, as on the order page: an order shown released is gone from the list.
    const recent = await store.actions({ limit: 10 });
    const timer = metrics.worklistQuery.startTimer();
    const { rows, more } = errors.length ? { rows: [], more: false } : await reporting.heldOrders(query.filter, query.after, o.pageSize, at);
    timer();
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
    // The outcomes first: the sink commits an outcome with the order's new decision, so an order read after them is
    // at least as new, and the page never shows an action released while its order still reads held.
    const history = await store.actions({ orderId, limit: 50 });
    const order = await reporting.order(orderId);
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
    metrics.creditActions.inc({ action });
    o.logger.info({ eventId, orderId, action, actor: viewer.username, role: viewer.role }, 'credit action sent');
    return reply.redirect(`/orders/${encodeURIComponent(orderId)}?sent=1`, 303);
  });
}
