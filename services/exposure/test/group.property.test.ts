// The group core against the reference model extended with groups (test/model.ts, `groups`): random histories of two
// possible parents (P, Q) and three customers naming P, Q or none, moving between them by later profiles.
//   (a) delivered synchronously (each move's hand-over at once, as the model's instantaneous move), the core derives
//       the model's decisions (GROUP_OVER_LIMIT included), snapshots, group snapshots, rejections and components;
//   (b) any interleaving of the members' inputs, with hand-overs and join notices delivered in any order, ends with
//       every group's exposure + held order value the model's (decisions may differ: that is what a limit is for),
//       and with limits that hold nothing, every customer's exposure the model's; nothing waits at the end and every
//       customer's state is in exactly one group (no double counting after a move);
//   (c) no record that approves or releases an order automatically leaves its group over the group limit.
//   (a) with FX: the same with members' USD orders and payments and EUR -> USD rates among the inputs (a rate to every
//       group task at once), with and without FX_REVALUE and a class maximum order value, waiting inputs included.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { creditPolicy, exposureOf, NO_CLASS_POLICY, type ClassPolicy, type CreditPolicy, type GroupState } from '../src/domain/index.ts';
import { chooser, groupHistoryArb, runGroups, stamp, type GroupRun } from './group-drivers.ts';
import { interleave } from './histories.ts';
import { decisionOf, runModel, type ModelComponents, type ModelResult } from './model.ts';
import type { CreditHoldEvent } from '../../../shared/contracts/events.generated.ts';

const POLICY: CreditPolicy = creditPolicy({ policyVersion: 'v1', riskHoldClasses: [], warningBands: [80, 100] });
const RUNS = { numRuns: 300 };

const byCustomer = <T extends { customerId: string }>(xs: readonly T[]) => {
  const out: Record<string, T[]> = {};
  for (const x of xs) (out[x.customerId] ??= []).push(x);
  return out;
};

/** Where each customer's state is: exactly one group, or none. */
function statesOf(run: GroupRun): Map<string, { group: string; components: ModelComponents }> {
  const out = new Map<string, { group: string; components: ModelComponents }>();
  for (const [group, g] of run.groups) {
    for (const [id, s] of Object.entries(g.members)) {
      expect(out.has(id), `${id} in two groups`).toBe(false);
      out.set(id, { group, components: { ...s.totals, exposure: exposureOf(s.totals) } });
    }
  }
  return out;
}

const waitingNothing = (g: GroupState) => g.parked.length === 0 && Object.keys(g.arrived).length === 0 && Object.keys(g.joined).length === 0;

/** exposure + held order value per group under the model's accounts (independent of which orders were held). */
function modelGroupTotals(model: ModelResult): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [id, c] of Object.entries(model.components)) {
    if (c.exposure === 0 && c.heldOrders === 0 && !model.statuses[id]) continue;
    const g = model.accounts[id]!;
    out[g] = (out[g] ?? 0) + c.exposure + c.heldOrders;
  }
  return out;
}

/** What the group core published (decisions, customer and group snapshots) and rejected, against the model's. */
function expectPublishedAsModel(run: ReturnType<typeof runGroups>, model: ReturnType<typeof runModel>): void {
  const holds = run.events.filter((e): e is CreditHoldEvent => e.eventType !== 'ExposureSnapshot' && e.eventType !== 'GroupExposureSnapshot');
  expect(byCustomer(holds.map(decisionOf))).toEqual(byCustomer(model.decisions));
  const snaps = run.events.flatMap((e) => (e.eventType === 'ExposureSnapshot'
    ? [{ customerId: e.customerId, causationId: e.causationId, occurredAt: e.occurredAt, snapshot: e.payload }] : []));
  expect(byCustomer(snaps)).toEqual(byCustomer(model.snapshots));
  const groupSnaps = run.events.flatMap((e) => (e.eventType === 'GroupExposureSnapshot'
    ? [{ customerId: e.customerId, causationId: e.causationId, occurredAt: e.occurredAt, snapshot: e.payload }] : []));
  expect(byCustomer(groupSnaps)).toEqual(byCustomer(model.groupSnapshots.map(({ groupId, ...s }) => ({ customerId: groupId, ...s }))));
  expect([...run.rejectedEventIds].sort()).toEqual([...model.rejectedEventIds].sort());
}

describe('corporate groups: the core against the model', () => {
  it('(a) synchronous delivery: the model\'s decisions, snapshots, group snapshots, rejections and components', () => {
    fc.assert(
      fc.property(groupHistoryArb({ ample: false, withActions: true }), fc.integer(), (h, seed) => {
        const inputs = stamp(interleave(h.perCustomer, seed));
        const model = runModel(inputs, POLICY, { groups: true });
        const run = runGroups(inputs, POLICY);

        expectPublishedAsModel(run, model);

        const states = statesOf(run);
        for (const [id, c] of Object.entries(model.components)) {
          const got = states.get(id);
          if (got === undefined) expect(c).toEqual({ openOrders: 0, heldOrders: 0, heldOrderCount: 0, openReceivables: 0, unappliedCash: 0, exposure: 0 });
          else {
            expect(got.components).toEqual(c);
            expect(got.group).toBe(model.accounts[id]);
          }
        }
        for (const g of run.groups.values()) expect(waitingNothing(g)).toBe(true);
        expect(run.overLimitApprovals).toEqual([]);
      }),
      RUNS,
    );
  });

  it('(a) with FX and a class maximum order value: members\' USD documents waiting for their rate in the group task, the same as the model', () => {
    fc.assert(
      fc.property(groupHistoryArb({ ample: false, withActions: true, fx: true }), fc.integer(), fc.boolean(), fc.boolean(), (h, seed, revalue, maxOrder) => {
        // The class policy's maximum order value too (every generated profile is of class B): held MAX_DOCUMENT_VALUE
        // beside GROUP_OVER_LIMIT, and an order above it stops its own release round but does not block its group's.
        const classes: Record<string, ClassPolicy> = maxOrder ? { B: { ...NO_CLASS_POLICY, maxDocumentValue: 1000 } } : {};
        const policy = creditPolicy({ ...POLICY, classes, ...(revalue ? { fxRevalue: true } : {}) });
        const inputs = stamp(interleave(h.perCustomer, seed));
        const model = runModel(inputs, policy, { groups: true });
        const run = runGroups(inputs, policy);

        expectPublishedAsModel(run, model);
        const states = statesOf(run);
        for (const [id, c] of Object.entries(model.components)) {
          expect(states.get(id)?.components ?? { openOrders: 0, heldOrders: 0, heldOrderCount: 0, openReceivables: 0, unappliedCash: 0, exposure: 0 }).toEqual(c);
          expect((states.get(id) ? run.groups.get(states.get(id)!.group)!.members[id]!.fxParked ?? [] : []).map((p) => p.input.eventId)).toEqual(model.waiting[id] ?? []);
        }
      }),
      RUNS,
    );
  });

  it('(b) any interleaving of members\' inputs and of hand-overs ends in the same group exposure (+ held), each customer in one group', () => {
    fc.assert(
      fc.property(groupHistoryArb({ ample: false, withActions: false }), fc.integer(), fc.integer(), fc.integer(), (h, seed, reorder, schedule) => {
        const canonical = stamp(interleave(h.perCustomer, seed));
        const model = runModel(canonical, POLICY, { groups: true });
        const perCustomer = Object.values(byCustomer(canonical));
        const run = runGroups(interleave(perCustomer, reorder), POLICY, chooser(schedule));

        for (const g of run.groups.values()) expect(waitingNothing(g)).toBe(true);
        const states = statesOf(run);
        const got: Record<string, number> = {};
        for (const { group, components } of states.values()) got[group] = (got[group] ?? 0) + components.exposure + components.heldOrders;
        const want = modelGroupTotals(model);
        for (const g of new Set([...Object.keys(got), ...Object.keys(want)])) expect(got[g] ?? 0, `group ${g}`).toBe(want[g] ?? 0);
        for (const [id, { group }] of states) expect(group).toBe(model.accounts[id]);
        expect(run.overLimitApprovals).toEqual([]);
      }),
      RUNS,
    );
  });

  it('(b) with limits that hold nothing, a member moving between groups keeps every customer\'s exposure exact under any delivery order', () => {
    fc.assert(
      fc.property(groupHistoryArb({ ample: true, withActions: false }), fc.integer(), fc.integer(), fc.integer(), (h, seed, reorder, schedule) => {
        const canonical = stamp(interleave(h.perCustomer, seed));
        const model = runModel(canonical, POLICY, { groups: true });
        const run = runGroups(interleave(Object.values(byCustomer(canonical)), reorder), POLICY, chooser(schedule));
        const states = statesOf(run);
        for (const [id, c] of Object.entries(model.components)) {
          expect(states.get(id)?.components ?? { ...c, exposure: 0, openOrders: 0, openReceivables: 0, unappliedCash: 0, heldOrders: 0, heldOrderCount: 0 }).toEqual(c);
        }
        // Each group's last snapshot is its members' sum.
        for (const [group, g] of run.groups) {
          if (g.lastSnapshot === null) continue;
          const members = [...states].filter(([, s]) => s.group === group).map(([, s]) => s.components.exposure);
          expect(g.lastSnapshot.exposure).toBe(members.reduce((a, b) => a + b, 0));
        }
      }),
      RUNS,
    );
  });

  it('(c) no group is taken over its limit by an approval, whatever the interleaving (tight limits, credit actions aside)', () => {
    fc.assert(
      fc.property(groupHistoryArb({ ample: false, withActions: false }), fc.integer(), fc.integer(), (h, seed, schedule) => {
        const inputs = stamp(interleave(h.perCustomer, seed));
        expect(runGroups(inputs, POLICY).overLimitApprovals).toEqual([]);
        expect(runGroups(inputs, POLICY, chooser(schedule)).overLimitApprovals).toEqual([]);
      }),
      RUNS,
    );
  });
});

