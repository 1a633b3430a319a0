// The notifications core as a PartitionDomain: what a record loads, the partition clock, the index, rejections.
import { describe, expect, it } from 'vitest';
import type { AnyEvent } from '../../../shared/contracts/topics.ts';
import { topicRegistry } from '../../../shared/contracts/topics.ts';
import { WorkingSet } from '../../../shared/stateful/working-set.ts';
import { CLOCK_ENTITY, NotificationsDomain, type Entity, type InputRecord } from '../src/adapters/partition-domain.ts';
import { defaultPolicy, type CustomerState } from '../src/domain/index.ts';
import { d, held, issued, profile, resetIds, tick } from './fixtures.ts';

const rec = (event: AnyEvent) => ({ event }) as InputRecord;
const domain = () => new NotificationsDomain({ topics: topicRegistry(''), policy: defaultPolicy });

describe('NotificationsDomain', () => {
  it('loads nothing for inputs that cannot change anything (approvals, cures), the customer and the clock for the others', () => {
    resetIds();
    const dom = domain();
    const approved = { ...held('C1', 'O-1', '2026-01-02', 1), eventType: 'OrderCreditApproved' } as unknown as AnyEvent;
    const cured = { eventId: '00000000-0000-4000-8000-0000000000ff', eventType: 'InvoiceCured', occurredAt: 1, customerId: 'C1', source: 't', causationId: null,
      payload: { invoiceId: 'I', cure: 'SETTLED', curedDate: 1, daysLate: 0 } } as AnyEvent;
    expect(dom.entityIds(rec(approved))).toEqual([]);
    expect(dom.entityIds(rec(cured))).toEqual([]);
    const ws = new WorkingSet<Entity>(new Map());
    expect(dom.apply(ws, rec(cured), { partition: 0 })).toEqual({ out: [] });
    expect([...ws.changedIds()]).toEqual([]);
    expect(dom.entityIds(rec(held('C1', 'O-2', '2026-01-02', 1)))).toEqual(['C1', CLOCK_ENTITY]);
    expect(dom.entityIds(rec(tick('2026-01-02')))).toEqual([CLOCK_ENTITY]);
  });

  it('indexes a customer at its next reminder date; a tick loads it then, an older tick changes nothing', () => {
    resetIds();
    const dom = domain();
    const ws = new WorkingSet<Entity>(new Map());
    dom.apply(ws, rec(profile('C1', '2026-01-01')), { partition: 0 });
    dom.apply(ws, rec(issued('C1', 'I-1', '2026-01-02', '2026-02-01', 100_00)), { partition: 0 });
    expect(ws.dueBy(d('2026-01-28'))).toEqual([]);
    expect(ws.dueBy(d('2026-01-29'))).toEqual(['C1']);
    const out = dom.apply(ws, rec(tick('2026-01-29')), { partition: 0 }).out;
    expect(out.map((o) => o.event.eventType)).toEqual(['CustomerNoticeIssued']);
    expect(ws.dueBy(d('2026-01-31'))).toEqual([]); // reminded: next woken on the due date, to be forgotten
    expect(ws.dueBy(d('2026-02-01'))).toEqual(['C1']);
    expect(dom.apply(ws, rec(tick('2026-01-20')), { partition: 0 }).out).toEqual([]);
    expect((ws.get(CLOCK_ENTITY) as { day: number }).day).toBe(d('2026-01-29'));
    dom.apply(ws, rec(tick('2026-02-01')), { partition: 0 });
    expect((ws.get('C1') as CustomerState).invoices).toEqual({});
    expect(ws.dueBy(d('2027-01-01'))).toEqual([]);
  });

  it("rejects a customer named like the clock entity", () => {
    resetIds();
    const r = domain().apply(new WorkingSet<Entity>(new Map()), rec(held(CLOCK_ENTITY, 'O', '2026-01-02', 1)), { partition: 0 });
    expect(r.rejected).toEqual({ errorClass: 'InvalidEvent', message: `customerId '${CLOCK_ENTITY}' is reserved` });
  });
});
