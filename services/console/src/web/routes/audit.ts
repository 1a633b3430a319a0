// The audit log from reporting.audit_log: who did what, when, why and with what outcome.
import { asNumber, money, when } from '../format.ts';
import { html } from '../html.ts';
import { queryOf, type RouteContext } from './context.ts';

export function auditRoutes(c: RouteContext): void {
  const { app, reporting, guard, send } = c;
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
}
