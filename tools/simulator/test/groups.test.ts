// The simulated corporate groups: in every block of GROUP_EVERY customers, the first is a parent that GROUP_MEMBERS
// customers name, with a group limit below what the three would have alone; nobody else has a parent, and the groups
// do not change what the generator draws for anyone (the same seed gives the same population otherwise).
import { describe, expect, it } from 'vitest';
import { GROUP_EVERY, GROUP_MEMBERS, population } from '../src/customers.ts';
import { Random } from '../src/random.ts';

const OPTS = { customers: 120, idPrefix: 'SIM', currency: 'EUR', ordersPerCustomerPerDay: 2, groups: true };

describe('simulated corporate groups', () => {
  it('makes a parent of every block\'s first customer, named by the next members, nobody else grouped', () => {
    const customers = population(new Random(7), OPTS);
    const parents = new Map<string, string[]>();
    customers.forEach((c, i) => {
      const parent = c.profile.parentCustomerId;
      if (parent === null) return;
      expect(i % GROUP_EVERY).toBeGreaterThan(0);
      expect(i % GROUP_EVERY).toBeLessThanOrEqual(GROUP_MEMBERS);
      expect(parent).toBe(customers[i - (i % GROUP_EVERY)]!.id);
      parents.set(parent, [...(parents.get(parent) ?? []), c.id]);
    });
    expect(parents.size).toBe(Math.ceil(OPTS.customers / GROUP_EVERY));
    for (const members of parents.values()) expect(members).toHaveLength(GROUP_MEMBERS);
    // Without --groups nobody has a parent, and the population is otherwise the same.
    const plain = population(new Random(7), { ...OPTS, groups: false });
    expect(plain.every((c) => c.profile.parentCustomerId === null)).toBe(true);
    plain.forEach((c, i) => {
      if (!parents.has(c.id)) expect({ ...c.profile, parentCustomerId: customers[i]!.profile.parentCustomerId }).toEqual(customers[i]!.profile);
    });
  });

  it('is deterministic per seed, and a parent\'s limit is its group\'s', () => {
    const a = population(new Random(11), OPTS);
    const b = population(new Random(11), OPTS);
    expect(a).toEqual(b);
    const parentIds = new Set(a.flatMap((c) => (c.profile.parentCustomerId ? [c.profile.parentCustomerId] : [])));
    for (const c of a) {
      if (!parentIds.has(c.id)) continue;
      const members = a.filter((m) => m.profile.parentCustomerId === c.id);
      // The group limit: 80 % of what the three would have alone (at least the members' 80 %), in whole thousands.
      const membersAlone = members.reduce((sum, m) => sum + m.profile.creditLimit, 0);
      expect(c.profile.creditLimit).toBeGreaterThanOrEqual(membersAlone * 0.8);
      expect(c.profile.creditLimit % 100_000).toBe(0);
    }
  });
});
