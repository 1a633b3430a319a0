// The worklist query on a real Postgres against a reference model: for any filter and page size, walking the pages
// by their cursors gives exactly the held orders the model selects (on hold now, not cancelled, the filter applied),
// oldest first (ties by order id), each once, whatever the page size.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../../shared/pg/migrate.ts';
import { createPool, urlAs, type Pool } from '../../../shared/pg/pool.ts';
import { createTempDatabase, type TempDatabase } from '../../../shared/pg/testing.ts';
import { DEV_ROLE_SETTINGS, REPORTING_MIGRATIONS } from '../../reporting/test/support.ts';
import { ReportingReader } from '../src/adapters/reporting-reader.ts';
import { HOLD_REASONS, type Cursor, type WorklistFilter } from '../src/domain/worklist.ts';
import { MIGRATIONS_DIR } from '../src/service.ts';

const NOW = Date.UTC(2026, 5, 1, 12, 0);
const HOUR = 3_600_000;
const CUSTOMERS = ['ACME', 'BETA', 'CORA', 'DELL'];
const CLASSES: Record<string, string> = { ACME: 'A', BETA: 'B', CORA: 'C', DELL: 'C' };

interface Row {
  orderId: string;
  customerId: string;
  amount: number;
  reasons: string[];
  heldSince: number;
  decision: 'HELD' | 'APPROVED' | 'RELEASED';
  cancelled: boolean;
}

// Deterministic rows with ties in held_since (several orders held at the same instant) to exercise the cursor's tie-break.
const rows: Row[] = Array.from({ length: 80 }, (_, i) => ({
  orderId: `O-${String((i * 37) % 80).padStart(3, '0')}`,
  customerId: CUSTOMERS[i % 4]!,
  amount: 1000 + ((i * 7919) % 50) * 1000,
  reasons: [HOLD_REASONS[i % 5]!, ...(i % 3 === 0 ? [HOLD_REASONS[(i + 2) % 5]!] : [])],
  heldSince: NOW - (Math.floor(i / 3) + 1) * HOUR,
  decision: i % 11 === 0 ? 'APPROVED' : i % 13 === 0 ? 'RELEASED' : 'HELD',
  cancelled: i % 17 === 0,
}));

function model(filter: WorklistFilter): string[] {
  return rows
    .filter((r) => r.decision === 'HELD' && !r.cancelled)
    .filter((r) => filter.customer === undefined || r.customerId === filter.customer)
    .filter((r) => filter.reason === undefined || r.reasons.includes(filter.reason))
    .filter((r) => filter.minAgeHours === undefined || r.heldSince <= NOW - filter.minAgeHours * HOUR)
    .filter((r) => filter.minAmount === undefined || r.amount >= filter.minAmount)
    .filter((r) => filter.maxAmount === undefined || r.amount <= filter.maxAmount)
    .filter((r) => filter.riskClass === undefined || CLASSES[r.customerId] === filter.riskClass)
    .sort((a, b) => a.heldSince - b.heldSince || (a.orderId < b.orderId ? -1 : a.orderId > b.orderId ? 1 : 0))
    .map((r) => r.orderId);
}

let db: TempDatabase;
let owner: Pool;
let pool: Pool;

beforeAll(async () => {
  db = await createTempDatabase();
  owner = createPool(db.url);
  await migrate(owner, { component: 'reporting', dir: REPORTING_MIGRATIONS, settings: DEV_ROLE_SETTINGS });
  await migrate(owner, { component: 'console', dir: MIGRATIONS_DIR, settings: DEV_ROLE_SETTINGS });
  for (const c of CUSTOMERS) {
    await owner.query(`INSERT INTO reporting.customers (customer_id, currency, credit_limit_minor, risk_class) VALUES ($1, 'EUR', 100000, $2)`, [c, CLASSES[c]]);
  }
  for (const r of rows) {
    await owner.query(
      `INSERT INTO reporting.orders (order_id, customer_id, currency, amount_minor, decision, reasons, decided_at, cancelled_at)
       VALUES ($1, $2, 'EUR', $3, $4, $5, to_timestamp($6 / 1000.0), CASE WHEN $7 THEN now() END)`,
      [r.orderId, r.customerId, r.amount, r.decision, r.reasons, r.heldSince, r.cancelled],
    );
  }
  pool = createPool(urlAs(db.url, 'o2c_console', 'o2c_console'));
});

afterAll(async () => {
  await pool?.end();
  await owner?.end();
  await db?.drop();
});

const filters: fc.Arbitrary<WorklistFilter> = fc.record({
  customer: fc.constantFrom(...CUSTOMERS, 'NOBODY'),
  reason: fc.constantFrom(...HOLD_REASONS),
  minAgeHours: fc.integer({ min: 0, max: 30 }),
  minAmount: fc.integer({ min: 0, max: 50_000 }),
  maxAmount: fc.integer({ min: 0, max: 60_000 }),
  riskClass: fc.constantFrom('A', 'B', 'C', 'E'),
}, { requiredKeys: [] });

describe('the worklist query against its model', () => {
  it('pages through exactly the held orders the filter selects, oldest first, each once, for any page size', async () => {
    expect(model({}).length).toBeGreaterThan(40);
    const reader = new ReportingReader(pool);
    await fc.assert(fc.asyncProperty(filters, fc.integer({ min: 1, max: 9 }), async (filter, pageSize) => {
      const seen: string[] = [];
      let after: Cursor | undefined;
      for (let pages = 0; pages < 200; pages++) {
        const page = await reader.heldOrders(filter, after, pageSize, NOW);
        expect(page.rows.length).toBeLessThanOrEqual(pageSize);
        seen.push(...page.rows.map((r) => r.orderId));
        if (!page.more) break;
        const last = page.rows.at(-1)!;
        after = { heldSince: last.heldSince, orderId: last.orderId };
      }
      expect(seen).toEqual(model(filter));
    }), { numRuns: 60 });
  });
});
