// A customer's credit summary on one page, and the limit request a controller or manager sends from it.
import { validateRequest, type LimitRequestInput } from '../../domain/limit-change.ts';
import { may, ROLE_LABELS } from '../../domain/roles.ts';
import { parseAmount } from '../../domain/worklist.ts';
import { asNumber, day, money, when } from '../format.ts';
import { html, type Html } from '../html.ts';
import { csrfField, page } from '../layout.ts';
import { bodyOf, queryOf, type RouteContext } from './context.ts';
import { requestsTable } from './limit-requests.ts';

export function customerRoutes(c: RouteContext): void {
  const { app, o, store, reporting, now, guard, send } = c;
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
    // A request states both limits: the form starts from the current temporary limit while it runs, so raising the
    // credit limit does not drop it unless the controller clears it.
    const tempLimit = asNumber(c.temp_limit_minor);
    const tempRuns = tempLimit !== null && tempExpires !== null && tempExpires.getTime() > now();
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
        <label>Temporary limit <input name="tempLimit" size="10" value="${tempRuns ? (tempLimit! / 100).toFixed(2) : ''}"></label>
        <label>until <input name="tempLimitExpires" type="date" value="${tempRuns ? day(tempExpires) : ''}"></label>
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

