// The scoring service killed with SIGKILL mid-stream, on the real stack: twelve customers of the ledger arrive in
// three parts; the service (main.ts as a child process, as deployed) is killed while it works through the first two
// and restarted each time. It ends with exactly the scores and review-due events the core gives for the whole
// history driven directly: the same ids with the same contents, in each customer's order, and no id published with
// two contents (a republished outbox repeats identical records, which consumers de-duplicate by id).
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreditReviewEvent, CreditScoreEvent } from '../../../shared/contracts/events.generated.ts';
import { getStack } from '../../../test/stack.ts';
import { AR_LATE_PAYMENTS } from '../../../tools/import-ledger/src/mapping.ts';
import { readLedger } from '../../../tools/import-ledger/src/rows.ts';
import { ledgerEvents } from '../../../tools/score-eval/ledger-eval.ts';
import { toEvent } from '../src/adapters/emit.ts';
import { defaultPolicy, ScoringReplay, type StreamEvent } from '../src/domain/index.ts';
import { openSandbox, produceEvents, readAll, sandboxRecords, topicSize, waitConsumed, type Sandbox } from './real-stack.ts';

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const PARTITIONS = 2;
const { rows } = readLedger(readFileSync(new URL('../../../data/ar-late-payments.csv', import.meta.url), 'utf8'), AR_LATE_PAYMENTS);
const CUSTOMERS = [...new Set(rows.map((r) => r.customerId))].slice(0, 12);
const events = ledgerEvents(rows.filter((r) => CUSTOMERS.includes(r.customerId)));

/**
 * Cut points near a third and two thirds of the history, where the event time moves on (never inside a tie): every
 * record of a part is at or before every record of the next, as when they are all produced at once.
 */
function cuts(): number[] {
  return [1 / 3, 2 / 3].map((f) => {
    let i = Math.floor(events.length * f);
    while (events[i]!.occurredAt === events[i - 1]!.occurredAt) i++;
    return i;
  });
}

let box: Sandbox;
let child: ChildProcess | undefined;

function startService(): { process: ChildProcess; exited: Promise<number | string> } {
  const p = spawn(process.execPath, ['--import', 'tsx', MAIN], {
    cwd: ROOT,
    env: { ...process.env, ...box.env, VITEST: '' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  child = p;
  return { process: p, exited: new Promise((resolve) => p.once('exit', (code, signal) => resolve(code ?? signal ?? -1))) };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resolves once the scores topic holds more than `n` records: the service is at work on what was produced. */
async function scoresBeyond(n: number, running: { exited: Promise<number | string> }, timeoutMs = 120_000): Promise<number> {
  let exited: number | string | undefined;
  void running.exited.then((code) => (exited = code));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const size = await topicSize(box.kafka, box.topics.CREDIT_SCORES.name);
    if (size > n) return size;
    if (exited !== undefined) throw new Error(`the scoring service exited (${exited}) before publishing`);
    if (Date.now() > deadline) throw new Error(`no score beyond ${n} within ${timeoutMs} ms`);
    await sleep(20);
  }
}

beforeAll(async () => {
  box = await openSandbox(await getStack(), 'scoring-crash', PARTITIONS);
}, 120_000);

afterAll(async () => {
  child?.kill('SIGKILL');
  await box?.close();
});

describe('the scoring service killed with SIGKILL mid-stream', () => {
  it('ends with exactly the scores and reviews of the core, ids and contents, after two kills and restarts', async () => {
    const [first, second] = cuts() as [number, number];
    const parts = [events.slice(0, first), events.slice(first, second), events.slice(second)];
    let published = 0;
    const ticked = new Set<number>();
    let running = startService();
    for (const part of parts.slice(0, 2)) {
      await produceEvents(box, sandboxRecords(box, part, PARTITIONS, ticked));
      // Killed as soon as it has published something of this part: between batches or inside one, whichever it is.
      published = await scoresBeyond(published, running);
      running.process.kill('SIGKILL');
      expect(await running.exited).toBe('SIGKILL');
      running = startService();
    }
    await produceEvents(box, sandboxRecords(box, parts[2]!, PARTITIONS, ticked));
    await waitConsumed(box, 240_000);

    const expected = new ScoringReplay(defaultPolicy).pushAll(events).map((o) => toEvent(o.customerId, o.out));
    const { CREDIT_SCORES, CREDIT_REVIEWS } = box.topics;
    const scores = await Promise.all((await readAll(box.kafka, CREDIT_SCORES.name)).map((m) => box.serde.decode(CREDIT_SCORES, m.value)));
    const reviews = await Promise.all((await readAll(box.kafka, CREDIT_REVIEWS.name)).map((m) => box.serde.decode(CREDIT_REVIEWS, m.value)));

    // No id with two contents; what a crash republished is a repeat, and each customer's first sightings are the
    // core's records in the core's order.
    const published2 = [...scores, ...reviews];
    const byId = new Map<string, string>();
    for (const e of published2) {
      const text = JSON.stringify(e);
      expect(byId.get(e.eventId) ?? text, `${e.eventType} ${e.eventId}`).toBe(text);
      byId.set(e.eventId, text);
    }
    const firstSightings = (xs: ReadonlyArray<CreditScoreEvent | CreditReviewEvent>) => {
      const seen = new Set<string>();
      return xs.filter((x) => !seen.has(x.eventId) && seen.add(x.eventId));
    };
    const perCustomer = (xs: ReadonlyArray<CreditScoreEvent | CreditReviewEvent>) =>
      Object.fromEntries(CUSTOMERS.map((c) => [c, xs.filter((x) => x.customerId === c)]));
    expect(perCustomer(firstSightings(scores))).toEqual(perCustomer(expected.filter((e) => e.eventType === 'CreditScoreUpdated')));
    expect(perCustomer(firstSightings(reviews))).toEqual(perCustomer(expected.filter((e) => e.eventType === 'CreditReviewDue')));
    expect(byId.size).toBe(expected.length);
    expect(expected.length).toBeGreaterThan(5_000);
    console.log(`scoring crash test: ${published2.length} records published for ${expected.length} derived (kills after ${published} scores)`);

    running.process.kill('SIGTERM');
    expect(await running.exited).toBe(0);
  });
});
