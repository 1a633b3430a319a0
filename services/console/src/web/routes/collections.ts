// The collections worklist (reporting.collections_worklist: a broken promise first, then expected loss, per currency),
// an account's collections page with its promises to pay, and the promise a credit controller or manager records
// there, published on o2c.collections.v1 with the signed-in user and role. The outcome (kept, broken) is the
// notifications service's; the page shows what reporting has sunk.
import { randomUUID } from 'node:crypto';
import { deriveEventId } from '../../../../../shared/ids.ts';
import { dayFromIso } from '../../../../../shared/time.ts';
import type { CollectionsReader, CollectionsRow } from '../../adapters/collections-reader.ts';
import { collectionsParams, NOTE_MAX, parseCollectionsQuery, validatePromise } from '../../domain/collections.ts';
import { may, ROLE_LABELS } from '../../domain/roles.ts';
import { money, when } from '../format.ts';
import { html } from '../html.ts';
import { csrfField, page } from '../layout.ts';
import { acknowledged, bodyOf, queryOf, type RouteContext } from './context.ts';

const percent = (p: number | null): string => (p === null ? 'unscored' : `${(p * 100).toFixed(1)} %`);

const delivery = (r: CollectionsRow) => {
  if (r.lastNoticeType === null) return html`–`;
  const state = r.lastNoticeDelivery === 'SENT' ? html`<span class="ok">sent</span>`
    : r.lastNoticeDelivery === 'DEAD' ? html`<span class="refused">not delivered</span>`
      : r.lastNoticeDelivery === 'RETRYING' ? html`<span class="pending">retrying</span>` : html`not mailed`;
  return html`${r.lastNoticeType} ${r.lastNoticeDate} (${state})`;
};

const promises = (r: CollectionsRow) => html`${r.openPromiseMinor !== null ? html`open ${money(r.openPromiseMinor, r.currency)} by ${r.nextPromiseDate}` : ''}
  ${r.brokenPromise ? html`<span class="reason">broken</span> ${money(r.lastBrokenPromiseMinor, r.currency)} due ${r.lastBrokenPromiseDate}` : ''}
  ${r.openPromiseMinor === null && !r.brokenPromise ? '–' : ''}`;

const dispute = (r: CollectionsRow) =>
  r.disputedInvoices > 0 ? html`<span class="reason">${r.disputedInvoices} in dispute</span> ${money(r.disputedMinor, r.currency)}` : html`none`;

export function collectionRoutes(c: RouteContext, reader: CollectionsReader): void {
  const { app, o, now, guard, send, publishTimeoutMs } = c;

  app.get('/collections', { preHandler: guard('view') }, async (req, reply) => {
    const viewer = req.viewer!;
    const { filter, after, errors } = parseCollectionsQuery(queryOf(req));
    const { rows, more } = errors.length ? { rows: [], more: false } : await reader.worklist(filter, after, o.pageSize);
    const last = rows.at(-1);
    const next = more && last ? `/collections?${collectionsParams(filter, { currency: last.currency, rank: last.rank, customerId: last.customerId })}` : undefined;
    const asOf = rows[0]?.asOfDate ?? (await reader.asOfDate());
    return send(reply, viewer, 'Collections', html`
      ${errors.length ? html`<p class="error">${errors.join('; ')}</p>` : ''}
      <p>As of business date <strong id="as-of">${asOf}</strong>: a broken promise first, then the largest expected loss (open amount x days past due x probability of late payment), per currency.</p>
      <form method="get" action="/collections"><fieldset><legend>Filter</legend>
        <label>Customer <input name="customer" value="${filter.customer ?? ''}" size="12"></label>
        <label>Currency <input name="currency" value="${filter.currency ?? ''}" size="3"></label>
        <label>At least <input name="minDaysPastDue" value="${filter.minDaysPastDue ?? ''}" size="4"> days past due</label>
        <label><input type="checkbox" name="broken" value="1"${filter.brokenOnly ? html` checked` : ''}> broken promise only</label>
        <button>Filter</button> <a href="/collections">clear</a></fieldset></form>
      <table id="collections"><thead><tr><th class="num">Rank</th><th>Customer</th><th class="num">Overdue</th><th class="num">Days past due</th>
        <th class="num">Late payment</th><th class="num">Expected loss</th><th>Last notice</th><th>Promises</th><th>Dispute</th></tr></thead><tbody>
      ${rows.length === 0 ? html`<tr><td colspan="9">No overdue accounts${Object.keys(filter).length ? ' match the filter' : ''}.</td></tr>` : ''}
      ${rows.map((r) => html`<tr data-customer="${r.customerId}"><td class="num">${r.rank}</td>
        <td><a href="/collections/${encodeURIComponent(r.customerId)}">${r.customerId}</a> · <a href="/customers/${encodeURIComponent(r.customerId)}">summary</a></td>
        <td class="num">${money(r.overdueMinor, r.currency)} (${r.overdueInvoices})</td><td class="num">${r.worstDaysPastDue}</td>
        <td class="num">${percent(r.lateProbability)}</td><td class="num">${r.expectedLoss.toLocaleString('en-US')}</td>
        <td>${delivery(r)}${r.deadLetteredNotices > 0 ? html` <span class="reason">${r.deadLetteredNotices} dead-lettered</span>` : ''}</td>
        <td class="promises">${promises(r)}</td><td>${dispute(r)}</td></tr>`)}
      </tbody></table>
      <p>${after ? html`<a href="/collections?${collectionsParams(filter).toString()}">first page</a> ` : ''}${next ? html`<a id="next" href="${next}">next page</a>` : ''}</p>`);
  });

  app.get('/collections/:customerId', { preHandler: guard('view') }, async (req, reply) => {
    const viewer = req.viewer!;
    const { customerId } = req.params as { customerId: string };
    const [accounts, history, customer] = await Promise.all([reader.account(customerId), reader.promises(customerId), c.reporting.customer(customerId)]);
    if (!customer) return reply.code(404).type('text/html').send(page('Not found', viewer, html`<p>No customer ${customerId} in reporting.</p>`));
    const asOf = accounts[0]?.asOfDate ?? (await reader.asOfDate());
    const q = queryOf(req);
    // A promise sent and not yet in reporting: the page refreshes until the sink has it.
    const waiting = q.sent !== undefined && !history.some((p) => p.promiseId === q.sent);
    const currency = accounts[0]?.currency ?? '';
    return send(reply, viewer, `Collections: ${customerId}`, html`
      ${q.sent !== undefined ? html`<p class="notice">${waiting ? 'Promise sent; it appears below once reporting has it.' : 'Promise recorded.'}</p>` : ''}
      <p><a href="/customers/${encodeURIComponent(customerId)}">credit summary</a> · <a href="/collections">collections worklist</a></p>
      ${accounts.length === 0 ? html`<p>Nothing overdue for ${customerId} as of ${asOf}.</p>` : html`<div class="cards">${accounts.map((r) => html`
        <div class="card">Overdue <strong>${money(r.overdueMinor, r.currency)}</strong> (${r.overdueInvoices} invoices), worst ${r.worstDaysPastDue} days past due, rank ${r.rank}</div>
        <div class="card">Late payment ${percent(r.lateProbability)}, expected loss ${r.expectedLoss.toLocaleString('en-US')}</div>
        <div class="card">Last notice ${delivery(r)}</div><div class="card">Dispute ${dispute(r)}</div>`)}</div>`}
      ${may(viewer.role, 'recordPromise') ? html`<form method="post" action="/collections/${encodeURIComponent(customerId)}/promises" class="promise"><fieldset>
        <legend>Record a promise to pay</legend>${csrfField(viewer)}<input type="hidden" name="promiseId" value="${randomUUID()}">
        <label>Amount <input name="amount" required size="10"></label>
        <label>Currency <input name="currency" required size="3" value="${currency}"></label>
        <label>Promised by <input name="promisedDate" type="date" required min="${asOf}"></label>
        <label>Note <input name="note" size="40" maxlength="${NOTE_MAX}"></label>
        <button>Record promise</button></fieldset></form>`
        : html`<p>A ${ROLE_LABELS[viewer.role]} may not record promises to pay.</p>`}
      <h2>Promises to pay</h2>
      <table id="promises"><thead><tr><th>Recorded</th><th>By</th><th class="num">Amount</th><th>Promised by</th><th>Note</th><th>Outcome</th></tr></thead><tbody>
      ${history.length === 0 ? html`<tr><td colspan="6">No promises recorded.</td></tr>` : ''}
      ${history.map((p) => html`<tr data-promise="${p.promiseId}"><td>${when(p.recordedAt)}</td>
        <td>${p.recordedBy ?? '–'}${p.recordedByRole ? ` (${ROLE_LABELS[p.recordedByRole as keyof typeof ROLE_LABELS] ?? p.recordedByRole})` : ''}</td>
        <td class="num">${money(p.amountMinor, p.currency)}</td><td>${p.promisedDate ?? '–'}</td><td>${p.note ?? ''}</td>
        <td class="outcome">${p.outcome === 'KEPT' ? html`<span class="ok">kept ${p.outcomeDate}</span>`
          : p.outcome === 'BROKEN' ? html`<span class="refused">broken ${p.outcomeDate} (paid ${money(p.paidMinor, p.currency)})</span>`
            : html`<span class="pending">open</span>`}</td></tr>`)}
      </tbody></table>`, waiting ? { refreshSeconds: 2 } : {});
  });

  app.post('/collections/:customerId/promises', { preHandler: guard('recordPromise') }, async (req, reply) => {
    const viewer = req.viewer!;
    const { customerId } = req.params as { customerId: string };
    const today = dayFromIso(await reader.asOfDate());
    const known = await c.reporting.customer(customerId);
    const { promise, errors } = known ? validatePromise(bodyOf(req), today) : { promise: undefined, errors: [`No customer ${customerId} in reporting.`] };
    if (!promise) {
      return reply.code(400).type('text/html').send(page('Not recorded', viewer, html`<p class="error">${errors.join('; ')}</p>
        <p><a href="/collections/${encodeURIComponent(customerId)}">back to the account</a></p>`));
    }
    // The event id follows the promise id, which came with the form: a form sent twice is one record, twice.
    const eventId = deriveEventId(customerId, 'console-promise', promise.promiseId);
    await acknowledged(o.publisher.promiseToPay({
      eventId, customerId, at: now(),
      promise: { ...promise, recordedBy: viewer.username, recordedByRole: viewer.role },
    }), publishTimeoutMs);
    c.metrics.promises.inc();
    o.logger.info({ eventId, customerId, promiseId: promise.promiseId, actor: viewer.username, role: viewer.role }, 'promise to pay sent');
    return reply.redirect(`/collections/${encodeURIComponent(customerId)}?sent=${promise.promiseId}`, 303);
  });
}
