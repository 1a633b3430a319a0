// The history the real-stack tests replay: five customers on two partitions, every notice type, both languages, an
// opt-out, a customer without an address, one whose mailbox refuses twice for now and one that refuses for good;
// two promises to pay, one kept and one broken.
import { startOfDay } from '../../../shared/time.ts';
import type { StreamEvent } from '../src/domain/index.ts';
import { cash, d, dunning, held, issued, paid, profile, promised, resetIds, score, ticks } from './fixtures.ts';

export const FLAKY = 'flaky@c-flaky.example';
export const BOUNCE = 'bounce@c-bounce.example';

export function scenario(): StreamEvent[] {
  resetIds();
  const events: StreamEvent[] = [
    profile('C-EN', '2025-11-01', { limit: 10_000_00, terms: 30 }),
    held('C-EN', 'O-0', '2025-12-01', 1_000_00), // long before the others: too old to mail when the service's clock says 6 February
    issued('C-EN', 'INV-A', '2026-01-02', '2026-02-01', 1_234_56), // reminder on 29 January
    issued('C-EN', 'INV-B', '2026-01-02', '2026-01-20', 500_00), // reminder on 17 January, then dunning
    issued('C-EN', 'INV-C', '2026-01-02', '2026-02-01', 80_00), // paid before its reminder: none
    profile('C-EN', '2026-01-10', { limit: 15_000_00, terms: 30 }), // LIMIT_CHANGED
    held('C-EN', 'O-1', '2026-01-12', 2_500_00, ['OVER_LIMIT']),
    paid('C-EN', 'P-1', '2026-01-20', [['INV-C', 80_00]]),
    dunning('C-EN', 'INV-B', 'REMINDER_1', '2026-01-21', 1, 500_00),
    dunning('C-EN', 'INV-B', 'REMINDER_1', '2026-01-25', 5, 500_00), // the same stage again: no second notice
    dunning('C-EN', 'INV-B', 'REMINDER_2', '2026-02-04', 15, 500_00),
    promised('C-EN', 'PTP-EN', '2026-01-22', '2026-01-30', 500_00), // 500 by 30 January...
    cash('C-EN', 'P-2', '2026-01-28', 500_00), // ...received on the 28th: kept

    profile('C-DE', '2026-01-01', { language: 'de', optOuts: ['CREDIT_HOLD'] }),
    score('C-DE', '2026-01-03', 6_500), // likely late: reminder 7 days before
    issued('C-DE', 'INV-D', '2026-01-05', '2026-02-01', 9_876_54),
    held('C-DE', 'O-2', '2026-01-12', 100_00), // opted out: no notice
    promised('C-DE', 'PTP-DE', '2026-01-21', '2026-01-27', 1_000_00), // nothing paid: broken on 28 January

    profile('C-NOADDR', '2026-01-01', { email: null }),
    held('C-NOADDR', 'O-3', '2026-01-13', 300_00), // a notice, nobody to mail it to

    profile('C-FLAKY', '2026-01-01', { email: FLAKY, terms: 30 }),
    profile('C-FLAKY', '2026-01-08', { email: FLAKY, terms: 14 }), // TERMS_CHANGED; the server answers 451 twice

    profile('C-BOUNCE', '2026-01-01', { email: BOUNCE }),
    held('C-BOUNCE', 'O-5', '2026-01-14', 700_00), // the server answers 550: dead-lettered

    ...ticks('2026-01-15', '2026-02-05'),
  ];
  // Event-time order, as the service merges its inputs (ties keep this order: none of them changes a notice).
  return events.map((e, i) => [e, i] as const).sort(([a, i], [b, j]) => a.occurredAt - b.occurredAt || i - j).map(([e]) => e);
}

/** The wall clock the in-process test gives the service: just after the history; with 30 days' age, O-0 is stale. */
export const SCENARIO_NOW = startOfDay(d('2026-02-06'));
export const MAX_AGE_DAYS = 30;
