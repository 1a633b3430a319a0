// Corporate groups' exposure in Postgres (0017): what the exposure group core publishes on o2c.group-exposure.v1 for
// random group histories, written by the sink's own writer in random batches, twice (a redelivery), against the
// reference model extended with groups (services/exposure/test/model.ts): one current row per group equal to the
// model's last group snapshot, and one history row per published snapshot.
import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { GroupExposureEvent } from '../../../shared/contracts/events.generated.ts';
import { creditPolicy } from '../../exposure/src/domain/index.ts';
import { groupHistoryArb, runGroups, stamp } from '../../exposure/test/group-drivers.ts';
import { interleave } from '../../exposure/test/histories.ts';
import { runModel } from '../../exposure/test/model.ts';
import { REPORTING_TABLES, reportingDatabase, sink, type ReportingDb } from './support.ts';

const POLICY = creditPolicy({ policyVersion: 'v1', riskHoldClasses: [], warningBands: [] });
let rdb: ReportingDb;

beforeAll(async () => {
  rdb = await reportingDatabase();
}, 120_000);
afterAll(() => rdb?.close());
beforeEach(() => rdb.owner.query(`TRUNCATE ${REPORTING_TABLES.map((t) => `reporting.${t}`).join(', ')}`));

describe('group exposure in Postgres', () => {
  it('one current row per group, the model\'s last group snapshot; one history row per snapshot, redelivery included', async () => {
    await fc.assert(
      fc.asyncProperty(groupHistoryArb({ ample: false, withActions: false }), fc.integer(), fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1 }), async (h, seed, cuts) => {
        await rdb.owner.query('TRUNCATE reporting.group_exposure, reporting.group_exposure_history');
        const inputs = stamp(interleave(h.perCustomer, seed));
        const published = runGroups(inputs, POLICY).events.filter((e): e is GroupExposureEvent => e.eventType === 'GroupExposureSnapshot');
        const batches: GroupExposureEvent[][] = [];
        for (let i = 0, c = 0; i < published.length; c++) {
          const n = cuts[c % cuts.length]!;
          batches.push(published.slice(i, i + n));
          i += n;
        }
        await sink(rdb.pool, batches);
        await sink(rdb.pool, [published]);

        const last = new Map<string, ReturnType<typeof runModel>['groupSnapshots'][number]>();
        for (const s of runModel(inputs, POLICY, { groups: true }).groupSnapshots) last.set(s.groupId, s);
        const { rows } = await rdb.pool.query(
          `SELECT group_id, currency, exposure_minor::float8 AS exposure, held_orders_minor::float8 AS held, group_limit_minor::float8 AS lim,
                  member_count, over_limit, utilization::float8 AS utilization, (extract(epoch FROM exposure_at) * 1000)::float8 AS at
             FROM reporting.group_exposure ORDER BY group_id`);
        expect(rows).toEqual([...last.values()].sort((a, b) => (a.groupId < b.groupId ? -1 : 1)).map((s) => ({
          group_id: s.groupId, currency: s.snapshot.currency, exposure: s.snapshot.exposure, held: s.snapshot.heldOrders,
          lim: s.snapshot.groupLimit, member_count: s.snapshot.memberCount, over_limit: s.snapshot.overLimit,
          utilization: Number((s.snapshot.utilizationBasisPoints / 10_000).toFixed(4)), at: s.occurredAt,
        })));
        const history = await rdb.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM reporting.group_exposure_history');
        expect(history.rows[0]!.n).toBe(published.length);
      }),
      { numRuns: 25 },
    );
  }, 300_000);
});
