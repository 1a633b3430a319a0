// Limit requests under four eyes: the list, and the decision of a credit manager who is not the requester; only an
// approval publishes the new profile and its change history.
import { v5 as uuidv5 } from 'uuid';
import { withTransaction } from '../../../../../shared/pg/pool.ts';
import { ConsoleStore, type StoredLimitRequest } from '../../adapters/console-store.ts';
import { approvedProfile, checkDecision } from '../../domain/limit-change.ts';
import { may } from '../../domain/roles.ts';
import { day, money, when } from '../format.ts';
import { html, type Html } from '../html.ts';
import { csrfField, page, type Viewer } from '../layout.ts';
import { acknowledged, bodyOf, type RouteContext } from './context.ts';

// Names the limit-change events: a retried approval of one request publishes the same ids (consumers de-duplicate).
const LIMIT_NAMESPACE = '2f0b6c52-9d4e-4c59-8a0e-5e3c1b7d9a41';

export function limitRequestRoutes(c: RouteContext): void {
  const { app, o, store, now, guard, send, metrics, publishTimeoutMs } = c;
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
      metrics.refusals.inc({ why: 'limit-decision' });
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
    metrics.limitDecisions.inc({ decision });
    o.logger.info({ requestId, decision, decidedBy: viewer.username }, 'limit request decided');
    return reply.redirect('/limit-requests', 303);
  });
}

/** Limit requests as a table; a credit manager gets the approve and reject form on each pending one. */
export const requestsTable = (rows: readonly StoredLimitRequest[], viewer: Viewer): Html => html`
  <table class="requests"><thead><tr><th>#</th><th>Customer</th><th class="num">Credit limit</th><th>Temporary</th><th>Reason</th><th>Requested</th><th>Status</th><th></th></tr></thead><tbody>
  ${rows.length === 0 ? html`<tr><td colspan="8">None.</td></tr>` : ''}
  ${rows.map((r) => html`<tr id="request-${r.requestId}"><td>${r.requestId}</td><td><a href="/customers/${encodeURIComponent(r.customerId)}">${r.customerId}</a></td>
    <td class="num">${money(r.creditLimit, r.currency)}</td><td>${r.tempLimit === null ? '–' : `${money(r.tempLimit, r.currency)} until ${day(r.tempLimitExpiresAt)}`}</td>
    <td>${r.reason}${r.source === 'SCORING' ? ' (scoring proposal)' : ''}</td><td>${r.requestedBy}, ${when(r.requestedAt)}</td>
    <td class="status">${r.status}${r.decidedBy ? ` by ${r.decidedBy}: ${r.decisionReason ?? ''}` : ''}</td>
    <td>${r.status === 'PENDING' && r.requestedBy === viewer.username ? 'yours: another manager decides' : ''}${r.status === 'PENDING' && may(viewer.role, 'approveLimit') && r.requestedBy !== viewer.username ? html`<form method="post" action="/limit-requests/${r.requestId}/decision" class="decide">${csrfField(viewer)}
      <input name="reason" placeholder="reason" required size="18"> <button name="decision" value="APPROVE">Approve</button> <button name="decision" value="REJECT">Reject</button></form>` : ''}</td></tr>`)}
  </tbody></table>`;
