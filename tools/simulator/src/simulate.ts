// The traffic simulator's pure core: a discrete-event simulation of order-to-cash traffic in simulated time,
// deterministic by seed. Each customer places orders as a Poisson process; an order is amended, cancelled or held
// and decided by a credit controller, then invoiced; an invoice's fate (on time or late, disputed, credited, paid
// in instalments, paid by a payment that bounces or arrives unidentified) is drawn from the customer's segment.
// Profiles change over time (limit reviews, temporary limits, manual holds). Some customers have a contact address
// and a language for their notices; collectors record promises to pay for some overdue invoices (some kept, some
// broken). Business-date ticks go to every partition of the ticked topics when the simulated day changes. With a
// foreign share, that share of orders (and their invoices, credit notes and payments) is in USD or GBP, and the EUR
// reference rates of those currencies are published at 14:00 UTC each weekday, to every partition of
// o2c.fx-rates.v1 (none on weekends, as the ECB).
import { deriveEventId } from '../../../shared/ids.ts';
import { dayOf, MS_PER_DAY, startOfDay } from '../../../shared/time.ts';
import type { CreditTerms } from '../../../shared/contracts/events.generated.ts';
import { fxRateKey, type EventOf, type TopicRegistry } from '../../../shared/contracts/topics.ts';
import { tickRecords, type InputTopic, type OutRecord } from '../../lib/out-record.ts';
import { population, roundLimit, type SimCustomer } from './customers.ts';
import { EventQueue } from './event-queue.ts';
import { Random } from './random.ts';

export interface SimulationOptions {
  readonly seed: number;
  readonly customers: number;
  /** First business date, days since epoch. */
  readonly startDay: number;
  /** Stop after the tick of startDay + days (events cover days [startDay, startDay + days)). */
  readonly days?: number;
  /** Stop after this many records (ticks included). Without days or events the stream is endless. */
  readonly events?: number;
  /** Partition count of the ticked topics. */
  readonly partitions?: number;
  readonly currency?: string;
  readonly ordersPerCustomerPerDay?: number;
  /**
   * Emit CreditActionTaken (release or reject) for orders placed while the customer is on manual hold: the only
   * orders the simulator knows are held (MANUAL applies to every new order), so every action it sends is valid.
   * Orders held for other reasons depend on the exposure service's state, which the simulator cannot see.
   */
  readonly creditActions?: boolean;
  /** Corporate groups: every 50th customer a parent of the next two (customers.ts, formGroups). Default none. */
  readonly groups?: boolean;
  /**
   * Emit PromiseToPay (o2c.collections.v1) for some overdue invoices, as a collector would record it in the console.
   * Default: as creditActions, since both are people's decisions that the secure broker lets only the console write.
   */
  readonly promises?: boolean;
  /** Share of orders whose payment reaches the payments topic just before the invoice reaches its topic. */
  readonly raceRate?: number;
  /** Prefix of every business id (customers, orders, invoices, payments); default `S<seed>`. */
  readonly idPrefix?: string;
  /**
   * Share of orders in another currency than the customers' (USD or GBP), 0..1; default 0: no foreign documents and
   * no FX rates. Drawn from a random stream of its own, so the rest of a seed's traffic is the same at any share.
   */
  readonly foreignShare?: number;
}

/** The foreign currencies and their EUR rates on the first day (units per euro); a daily random walk from there. */
const FX_START: ReadonlyArray<readonly [currency: string, rate: number]> = [['USD', 1.08], ['GBP', 0.85]];

export const SIMULATOR_SOURCE = 'simulator';

/** Share of customers whose profile has a contactEmail and a language (en or de) for their notices. */
export const CONTACT_SHARE = 0.6;
/** Share of the addressed customers whose notices are in German. */
export const GERMAN_SHARE = 0.3;
/** Share of late invoices (late by 4 days or more, or never paid) for which a collector takes a promise to pay. */
export const PROMISE_SHARE = 0.35;

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = MS_PER_DAY;

type Body<E> = E extends { eventType: infer T; payload: infer P } ? { eventType: T; payload: P } : never;

interface OpenInvoice {
  readonly id: string;
  readonly customer: SimCustomer;
  readonly issueDay: number;
  readonly dueDay: number;
  /** The invoice's currency (its order's). */
  readonly currency: string;
  /** Issued + adjustments - allocations, minor units. */
  open: number;
}

/** A step of an invoice's life on a given day; rank orders steps of the same day. */
interface Step {
  readonly day: number;
  readonly rank: number;
  readonly run: (at: number) => void;
}

/** The customers a simulation runs with (the population is the first thing drawn from the seed). */
export function simulatedCustomers(options: SimulationOptions): ReadonlyArray<Readonly<SimCustomer>> {
  return new World(options).population;
}

export function* simulate(options: SimulationOptions): Generator<OutRecord> {
  const limit = options.events ?? Infinity;
  let n = 0;
  for (const record of new World(options).run()) {
    if (n++ >= limit) return;
    yield record;
  }
}

class World {
  private readonly rng: Random;
  private readonly queue = new EventQueue();
  private readonly pending: OutRecord[] = [];
  /** Each customer's profile as last published: the `before` of its next change. */
  private readonly published = new Map<string, CreditTerms>();
  readonly population: SimCustomer[];
  private readonly prefix: string;
  private readonly runId: string;
  private readonly partitions: number;
  private readonly currency: string;
  private readonly creditActions: boolean;
  private readonly promises: boolean;
  /**
   * The contacts' and collectors' draws: a second generator seeded from the seed, so the seed still fixes the world
   * and adding them left every other draw, and so the traffic of each seed, as it was.
   */
  private readonly people: Random;
  private readonly raceRate: number;
  private readonly foreignShare: number;
  /** Foreign currencies and their rates: a stream of its own, so the share changes nothing else. */
  private readonly fxRng: Random;
  private readonly fxRates = new Map<string, number>(FX_START);
  private eventSeq = 0;
  private orderSeq = 0;
  private paymentSeq = 0;
  private adjustmentSeq = 0;
  private disputeSeq = 0;
  private promiseSeq = 0;

  constructor(private readonly options: SimulationOptions) {
    if (!(options.customers >= 1)) throw new RangeError(`customers must be >= 1, got ${options.customers}`);
    this.rng = new Random(options.seed);
    this.prefix = options.idPrefix ?? `S${options.seed}`;
    this.runId = `simulator/${this.prefix}`;
    this.partitions = options.partitions ?? 12;
    this.currency = options.currency ?? 'EUR';
    this.creditActions = options.creditActions ?? true;
    this.promises = options.promises ?? this.creditActions;
    this.people = new Random((options.seed ^ 0x5eed_c011) >>> 0);
    this.raceRate = options.raceRate ?? 0.005;
    this.foreignShare = options.foreignShare ?? 0;
    if (!(this.foreignShare >= 0 && this.foreignShare <= 1)) throw new RangeError(`foreignShare must be in 0..1, got ${this.foreignShare}`);
    this.fxRng = new Random((options.seed ^ 0x5f3759df) >>> 0);
    this.population = population(this.rng, {
      customers: options.customers,
      idPrefix: this.prefix,
      currency: this.currency,
      ordersPerCustomerPerDay: options.ordersPerCustomerPerDay ?? 0.5,
      groups: options.groups ?? false,
    });
    for (const c of this.population) {
      if (!this.people.chance(CONTACT_SHARE)) continue;
      // The reserved .example domain: a demo's mail sink accepts it, a real server never delivers it.
      c.profile = { ...c.profile, contactEmail: `ap@${c.id.toLowerCase()}.example`, language: this.people.chance(GERMAN_SHARE) ? 'de' : 'en' };
    }
  }

  *run(): Generator<OutRecord> {
    const start = startOfDay(this.options.startDay);
    const endDay = this.options.days === undefined ? Infinity : this.options.startDay + this.options.days;
    for (const c of this.population) this.onboard(c, start);
    if (this.foreignShare > 0) this.publishRates(this.options.startDay);

    let day = this.options.startDay;
    yield* this.ticks(day);
    if (day >= endDay) return;
    for (;;) {
      const next = this.queue.pop();
      if (next === undefined) return;
      while (day < dayOf(next.at)) {
        day++;
        yield* this.ticks(day);
        if (day >= endDay) return;
      }
      next.fire(next.at);
      yield* this.pending;
      this.pending.length = 0;
    }
  }

  private ticks(day: number): OutRecord[] {
    return tickRecords(day, this.partitions, SIMULATOR_SOURCE, () => this.nextEventId());
  }

  /** The day's EUR rates at 14:00 UTC on every partition of the rates topic, then the next weekday's. */
  private publishRates(day: number): void {
    const weekday = (day + 4) % 7; // 1970-01-01 was a Thursday; 0 is Sunday
    const at = startOfDay(day) + 14 * HOUR;
    this.queue.schedule(at, () => {
      if (weekday !== 0 && weekday !== 6) {
        for (const [quote, before] of this.fxRates) {
          const rate = Math.max(0.01, before * (1 + this.fxRng.uniform(-0.005, 0.005)));
          this.fxRates.set(quote, rate);
          const payload = { base: 'EUR', quote, rateDate: day, rate: rate.toFixed(4) };
          for (let partition = 0; partition < this.partitions; partition++) {
            const event = { eventId: this.nextEventId(), eventType: 'FxRatePublished' as const, occurredAt: at, customerId: '', source: SIMULATOR_SOURCE, causationId: null, payload };
            this.pending.push({ topic: 'FX_RATES', key: fxRateKey(payload), partition, event });
          }
        }
      }
      this.publishRates(day + 1);
    });
  }

  /** The currency of a new order: the customers', or with the foreign share another. */
  private orderCurrency(): string {
    if (this.foreignShare === 0 || !this.fxRng.chance(this.foreignShare)) return this.currency;
    return this.fxRng.pick(FX_START.map(([c]) => c));
  }

  private nextEventId(): string {
    return deriveEventId(this.runId, 'sim', this.eventSeq++);
  }

  /** Queues one event; returns its id. */
  private emit<T extends InputTopic>(
    topic: T,
    customerId: string,
    at: number,
    body: Body<EventOf<TopicRegistry[T]>>,
    causationId: string | null = null,
  ): string {
    const event = {
      eventId: this.nextEventId(),
      occurredAt: at,
      customerId,
      source: SIMULATOR_SOURCE,
      causationId,
      ...body,
    };
    this.pending.push({ topic, key: customerId, event } as OutRecord);
    return event.eventId;
  }

  /** Simulated time is whole milliseconds, so an event's day is the same whoever computes it. */
  private duration(ms: number): number {
    return Math.max(1, Math.round(ms));
  }

  private id(kind: string, seq: number): string {
    return `${this.prefix}-${kind}${String(seq).padStart(8, '0')}`;
  }

  // ---- customers ---------------------------------------------------------------------------------------------

  private onboard(c: SimCustomer, start: number): void {
    const rng = this.rng;
    this.queue.schedule(start, () => {
      this.publishProfile(c, start);
      if (rng.chance(0.02)) this.placeHold(c, start, rng.uniform(5, 30) * DAY, 'overdue balance at onboarding');
    });
    this.queue.schedule(start + this.duration(rng.exponential(DAY / c.ordersPerDay)), (at) => this.placeOrder(c, at));
    this.every(c, start, 120, (at) => this.reviewLimit(c, at));
    this.every(c, start, 180, (at) => this.grantTempLimit(c, at));
    this.every(c, start, c.segment.name === 'defaulter' ? 90 : 365, (at) => {
      if (c.holdUntil === null) this.placeHold(c, at, rng.uniform(3, 20) * DAY, 'collections escalation');
    });
  }

  /** Runs `action` as a Poisson process with the given mean interval in days. */
  private every(c: SimCustomer, from: number, meanDays: number, action: (at: number) => void): void {
    const at = from + this.duration(this.rng.exponential(meanDays * DAY));
    this.queue.schedule(at, () => {
      action(at);
      this.every(c, at, meanDays, action);
    });
  }

  private publishProfile(c: SimCustomer, at: number, changedBy = 'simulator', changeReason = 'onboarding'): void {
    const p = c.profile;
    const tempExpired = p.tempLimitExpiresAt !== null && p.tempLimitExpiresAt <= at;
    c.profile = {
      ...p,
      tempLimit: tempExpired ? null : p.tempLimit,
      tempLimitExpiresAt: tempExpired ? null : p.tempLimitExpiresAt,
      manualHold: c.holdUntil !== null,
      changedBy,
      changeReason,
    };
    const profileId = this.emit('CUSTOMERS', c.id, at, { eventType: 'CustomerCreditProfile', payload: c.profile });
    // The change history beside the compacted snapshot: before and after, who and why, kept forever. The credit terms
    // only: the contact and notice settings are not part of CreditTerms.
    const { changedBy: by, changeReason: why, contactEmail: _email, language: _language, noticeOptOuts: _optOuts, ...after } = c.profile;
    const before = this.published.get(c.id) ?? null;
    this.published.set(c.id, after);
    this.emit('CUSTOMER_CHANGES', c.id, at, {
      eventType: 'CustomerProfileChanged',
      payload: { before, after, changedBy: by, changeReason: why },
    }, profileId);
  }

  private reviewLimit(c: SimCustomer, at: number): void {
    const before = c.profile.creditLimit;
    c.profile = { ...c.profile, creditLimit: roundLimit(before * this.rng.uniform(0.75, 1.5)) };
    this.publishProfile(c, at, 'credit-analyst', c.profile.creditLimit >= before ? 'limit increase' : 'limit review');
  }

  private grantTempLimit(c: SimCustomer, at: number): void {
    c.profile = {
      ...c.profile,
      tempLimit: roundLimit(c.profile.creditLimit * this.rng.uniform(0.25, 0.5)),
      tempLimitExpiresAt: at + this.duration(this.rng.uniform(14, 45) * DAY),
    };
    this.publishProfile(c, at, 'credit-analyst', 'seasonal peak');
  }

  private placeHold(c: SimCustomer, at: number, duration: number, reason: string): void {
    const until = at + this.duration(duration);
    c.holdUntil = until;
    this.publishProfile(c, at, 'collections', reason);
    this.queue.schedule(until, () => {
      c.holdUntil = null;
      this.publishProfile(c, until, 'collections', 'hold lifted');
    });
  }

  // ---- orders ------------------------------------------------------------------------------------------------

  private placeOrder(c: SimCustomer, t: number): void {
    const rng = this.rng;
    this.queue.schedule(t + this.duration(rng.exponential(DAY / c.ordersPerDay)), (at) => this.placeOrder(c, at));

    const seq = ++this.orderSeq;
    const orderId = this.id('O', seq);
    const invoiceId = this.id('I', seq);
    let amount = Math.max(100, Math.round(rng.logNormal(c.medianOrder, 0.7)));
    const currency = this.orderCurrency();
    this.emit('ORDERS', c.id, t, { eventType: 'OrderPlaced', payload: { orderId, amount, currency } });

    let shipFrom = t;
    if (c.holdUntil !== null && c.holdUntil > t) {
      // Held under the manual hold: a controller decides within a day, while the hold still stands; an order
      // the hold outlives unanswered is released with the hold and shipped then.
      const room = c.holdUntil - t;
      if (this.creditActions && room > 2 * HOUR) {
        const actAt = t + this.duration(rng.uniform(HOUR, Math.min(DAY, room - HOUR)));
        const release = rng.chance(0.75);
        this.queue.schedule(actAt, () =>
          this.emit('CREDIT_ACTIONS', c.id, actAt, {
            eventType: 'CreditActionTaken',
            payload: {
              orderId,
              action: release ? 'RELEASE' : 'REJECT',
              actor: `controller-${rng.int(1, 5)}`,
              reason: release ? 'customer confirmed payment plan' : 'no payment plan agreed',
              // A manager: the simulator cannot see how far over its limit a release leaves the customer. Under the
              // default authority matrix a few go beyond even that and are refused (8 in a year of 1,000 customers).
              actorRole: 'CREDIT_MANAGER',
            },
          }),
        );
        if (!release) return;
        shipFrom = actAt;
      } else {
        shipFrom = c.holdUntil;
      }
    } else if (rng.chance(0.03)) {
      const at = t + this.duration(rng.uniform(HOUR, 30 * HOUR));
      const reason = rng.pick(['customer request', 'out of stock', 'duplicate order']);
      this.queue.schedule(at, () =>
        this.emit('ORDERS', c.id, at, { eventType: 'OrderCancelled', payload: { orderId, reason } }),
      );
      return;
    } else if (rng.chance(0.05)) {
      const at = t + this.duration(rng.uniform(30 * MINUTE, 20 * HOUR));
      const amended = Math.max(100, Math.round(amount * rng.uniform(0.6, 1.4)));
      amount = amended;
      shipFrom = at;
      this.queue.schedule(at, () =>
        this.emit('ORDERS', c.id, at, { eventType: 'OrderAmended', payload: { orderId, amount: amended, currency } }),
      );
    }

    const invoiceAt = shipFrom + this.duration(rng.uniform(2 * HOUR, 72 * HOUR));
    const invoice = { orderId, invoiceId, amount, currency };
    // A cross-topic race: the payment feed delivers the (cash-in-advance) payment a few minutes before billing
    // delivers the invoice it is allocated to.
    const prepaidAt = invoiceAt - this.duration(rng.uniform(MINUTE, 30 * MINUTE));
    const race = rng.chance(this.raceRate) && prepaidAt > shipFrom && dayOf(prepaidAt) === dayOf(invoiceAt);
    if (race) {
      this.queue.schedule(prepaidAt, () =>
        this.emitPayment(c, prepaidAt, this.id('P', ++this.paymentSeq), amount, dayOf(prepaidAt), [{ invoiceId, amount }], currency),
      );
    }
    this.queue.schedule(invoiceAt, () => this.issueInvoice(c, invoice, invoiceAt, race));
  }

  // ---- invoices and payments ---------------------------------------------------------------------------------

  private issueInvoice(
    c: SimCustomer,
    o: { orderId: string; invoiceId: string; amount: number; currency: string },
    at: number,
    prepaid: boolean,
  ): void {
    const issueDay = dayOf(at);
    const dueDay = issueDay + c.profile.paymentTermsDays;
    this.emit('INVOICES', c.id, at, {
      eventType: 'InvoiceIssued',
      payload: {
        invoiceId: o.invoiceId,
        orderId: o.orderId,
        amount: o.amount,
        currency: o.currency,
        issueDate: issueDay,
        dueDate: dueDay,
      },
    });
    if (prepaid) return;
    const inv: OpenInvoice = { id: o.invoiceId, customer: c, issueDay, dueDay, currency: o.currency, open: o.amount };
    this.scheduleSteps(at, this.plan(inv));
  }

  /** The invoice's life, drawn from the customer's segment. */
  private plan(inv: OpenInvoice): Step[] {
    const rng = this.rng;
    const seg = inv.customer.segment;
    const I = inv.issueDay;
    const late = rng.chance(seg.lateShare);
    const never = late && rng.chance(seg.neverPays);
    const settle = late
      ? inv.dueDay + Math.min(365, Math.max(1, Math.round(rng.exponential(seg.meanDaysLate))))
      : rng.int(I, inv.dueDay);
    // Steps before settlement happen strictly between issue and settlement day.
    const horizon = never ? inv.dueDay + 60 : settle;
    const steps: Step[] = [];

    if (rng.chance(0.03) && horizon - I >= 2) {
      steps.push({ day: rng.int(I + 1, horizon - 1), rank: 0, run: (at) => this.creditNote(inv, at, 0.05, 0.2, 'pricing error') });
    }
    if (rng.chance(seg.disputeRate) && horizon - I >= 3) {
      const disputeId = this.id('D', ++this.disputeSeq);
      const raised = rng.int(I + 1, Math.min(horizon - 2, I + 15));
      const reason = rng.pick(['damaged goods', 'quantity short', 'price disagreement']);
      steps.push({ day: raised, rank: 1, run: (at) => this.emitInvoice(inv, at, 'InvoiceDisputed', { invoiceId: inv.id, disputeId, reason }) });
      if (!never) {
        const upheld = rng.chance(0.4);
        steps.push({
          day: rng.int(raised + 1, settle),
          rank: 2,
          run: (at) => {
            this.emitInvoice(inv, at, 'DisputeResolved', { invoiceId: inv.id, disputeId, outcome: upheld ? 'UPHELD' : 'REJECTED' });
            if (upheld) this.creditNote(inv, at + 1, 0.1, 0.4, 'dispute upheld');
          },
        });
      }
    }
    if (rng.chance(seg.instalmentRate) && horizon - I >= 2) {
      for (let k = rng.int(1, 2); k > 0; k--) {
        steps.push({ day: rng.int(I + 1, horizon - 1), rank: 3, run: (at) => this.instalment(inv, at) });
      }
    }
    if (late && this.promises && this.people.chance(PROMISE_SHARE) && (never || settle - inv.dueDay >= 4)) {
      // A collector calls a few days after the due date and takes a promise of the open amount within a week or two;
      // it is kept when the payment (drawn above) comes by then, broken otherwise.
      const called = inv.dueDay + this.people.int(1, 3);
      const by = called + this.people.int(3, 14);
      const promiseId = this.id('PTP', ++this.promiseSeq);
      const collector = `collector-${this.people.int(1, 4)}`;
      // Queued on its own, not as a step: a step's time is drawn from the traffic's generator. Before the settlement,
      // which comes on a later day.
      const at = startOfDay(called) + Math.floor(this.people.uniform(8 * HOUR, 18 * HOUR));
      this.queue.schedule(at, () => {
        if (inv.open <= 0) return;
        this.emit('COLLECTIONS', inv.customer.id, at, {
          eventType: 'PromiseToPay',
          payload: {
            promiseId, amount: inv.open, currency: this.currency, promisedDate: by, recordedBy: collector,
            recordedByRole: 'CREDIT_CONTROLLER', note: `invoice ${inv.id}`,
          },
        });
      });
    }
    if (never) return steps;

    if (rng.chance(0.015) && settle - I >= 3) {
      const attempt = rng.int(I + 1, settle - 2);
      let bounced: { paymentId: string; amount: number } | undefined;
      steps.push({ day: attempt, rank: 4, run: (at) => (bounced = this.settle(inv, at)) });
      steps.push({
        day: rng.int(attempt + 1, settle - 1),
        rank: 5,
        run: (at) => {
          if (bounced === undefined) return;
          const reason = rng.pick(['insufficient funds', 'account closed', 'chargeback']);
          this.emit('PAYMENTS', inv.customer.id, at, { eventType: 'PaymentReversed', payload: { paymentId: bounced.paymentId, reason } });
          inv.open += bounced.amount;
        },
      });
    }
    const variant = rng.weighted([['allocated', 0.97], ['unidentified', 0.02], ['overpaid', 0.01]] as const);
    if (variant === 'unidentified') {
      // No remittance advice: the cash sits unapplied until cash application identifies it, then the ERP
      // reverses the unapplied receipt and re-posts it allocated, with the original value date.
      let receipt: { paymentId: string; amount: number; day: number } | undefined;
      steps.push({
        day: settle,
        rank: 6,
        run: (at) => {
          if (inv.open <= 0) return;
          receipt = { paymentId: this.id('P', ++this.paymentSeq), amount: inv.open, day: dayOf(at) };
          this.emitPayment(inv.customer, at, receipt.paymentId, receipt.amount, receipt.day, [], inv.currency);
        },
      });
      steps.push({
        day: settle + rng.int(1, 5),
        rank: 7,
        run: (at) => {
          if (receipt === undefined) return;
          this.emit('PAYMENTS', inv.customer.id, at, {
            eventType: 'PaymentReversed',
            payload: { paymentId: receipt.paymentId, reason: 'reapplied' },
          });
          const amount = Math.min(receipt.amount, inv.open);
          const allocations = amount > 0 ? [{ invoiceId: inv.id, amount }] : [];
          this.emitPayment(inv.customer, at + 1, this.id('P', ++this.paymentSeq), receipt.amount, receipt.day, allocations, inv.currency);
          inv.open -= amount;
        },
      });
    } else {
      const extra = variant === 'overpaid' ? rng.uniform(0.01, 0.05) : 0;
      steps.push({ day: settle, rank: 6, run: (at) => this.settle(inv, at, extra) });
    }
    return steps;
  }

  /** Schedules steps in (day, rank) order at strictly increasing times, so the invoice's events stay causal. */
  private scheduleSteps(after: number, steps: Step[]): void {
    steps.sort((a, b) => a.day - b.day || a.rank - b.rank);
    let prev = after;
    for (const step of steps) {
      const at = this.timeOn(step.day, prev);
      prev = at;
      this.queue.schedule(at, () => step.run(at));
    }
  }

  /** A business-hours time on `day`, later than `prev`. */
  private timeOn(day: number, prev: number): number {
    const lo = Math.max(startOfDay(day) + 8 * HOUR, prev + MINUTE);
    const hi = Math.max(lo, startOfDay(day) + 18 * HOUR);
    return Math.floor(this.rng.uniform(lo, hi + 1));
  }

  private emitInvoice<T extends 'InvoiceDisputed' | 'DisputeResolved'>(
    inv: OpenInvoice,
    at: number,
    eventType: T,
    payload: Extract<EventOf<TopicRegistry['INVOICES']>, { eventType: T }>['payload'],
  ): void {
    this.emit('INVOICES', inv.customer.id, at, { eventType, payload } as Body<EventOf<TopicRegistry['INVOICES']>>);
  }

  private creditNote(inv: OpenInvoice, at: number, min: number, max: number, reason: string): void {
    const amount = Math.round(inv.open * this.rng.uniform(min, max));
    if (amount < 1 || amount >= inv.open) return;
    inv.open -= amount;
    this.emit('INVOICES', inv.customer.id, at, {
      eventType: 'InvoiceAdjusted',
      payload: { invoiceId: inv.id, adjustmentId: this.id('A', ++this.adjustmentSeq), amount: -amount, currency: inv.currency, reason },
    });
  }

  private instalment(inv: OpenInvoice, at: number): void {
    const amount = Math.round(inv.open * this.rng.uniform(0.2, 0.5));
    if (amount < 1 || amount >= inv.open) return;
    inv.open -= amount;
    this.emitPayment(inv.customer, at, this.id('P', ++this.paymentSeq), amount, dayOf(at), [{ invoiceId: inv.id, amount }], inv.currency);
  }

  /** Pays what is open (plus `extra` as a share of it, left unapplied); returns the payment, if any. */
  private settle(inv: OpenInvoice, at: number, extra = 0): { paymentId: string; amount: number } | undefined {
    if (inv.open <= 0) return undefined;
    const allocated = inv.open;
    const paymentId = this.id('P', ++this.paymentSeq);
    this.emitPayment(inv.customer, at, paymentId, allocated + Math.round(allocated * extra), dayOf(at), [
      { invoiceId: inv.id, amount: allocated },
    ], inv.currency);
    inv.open = 0;
    return { paymentId, amount: allocated };
  }

  private emitPayment(
    c: SimCustomer,
    at: number,
    paymentId: string,
    amount: number,
    receivedDate: number,
    allocations: Array<{ invoiceId: string; amount: number }>,
    currency: string,
  ): void {
    this.emit('PAYMENTS', c.id, at, {
      eventType: 'PaymentReceived',
      payload: { paymentId, amount, currency, receivedDate, allocations },
    });
  }
}
