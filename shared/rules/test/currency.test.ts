// One table of currency cases, run through the rule itself and through both cores that keep a customer's documents:
// delinquency and exposure must make the same decision on the same input (issue 11, defect 3).
import { describe, expect, it } from 'vitest';
import type { CustomerCreditProfile } from '../../contracts/events.generated.ts';
import { dayFromIso, startOfDay } from '../../time.ts';
import { admitCurrency } from '../currency.ts';
import * as delinquency from '../../../services/delinquency/src/domain/index.ts';
import * as exposure from '../../../services/exposure/src/domain/index.ts';

type Input =
  | { kind: 'profile'; currency: string }
  | { kind: 'invoice'; id: string; currency: string }
  | { kind: 'payment'; id: string; currency: string; invoiceId?: string };

/** What a core decided about one input: applied, or refused as InvalidEvent. */
type Decision = 'applied' | 'InvalidEvent';

interface Case {
  name: string;
  inputs: Input[];
  decisions: Decision[];
}

const profile = (currency: string): Input => ({ kind: 'profile', currency });
const invoice = (id: string, currency: string): Input => ({ kind: 'invoice', id, currency });
const payment = (id: string, currency: string, invoiceId?: string): Input => ({ kind: 'payment', id, currency, ...(invoiceId ? { invoiceId } : {}) });

// Documents in another currency are admitted (exposure converts or parks them, delinquency keeps them in their own);
// only a profile in another currency than the one pinned is refused.
export const CURRENCY_CASES: Case[] = [
  // Issue 11's defect: the invoice pinned EUR, so the USD profile is refused and the EUR payment still settles the invoice.
  { name: 'a profile in another currency after an invoice', inputs: [invoice('I1', 'EUR'), profile('USD'), payment('P1', 'EUR', 'I1')], decisions: ['applied', 'InvalidEvent', 'applied'] },
  { name: 'a profile pins the currency; invoices in another are admitted', inputs: [profile('USD'), invoice('I1', 'EUR'), invoice('I2', 'USD')], decisions: ['applied', 'applied', 'applied'] },
  { name: 'a new profile in the same currency', inputs: [profile('EUR'), invoice('I1', 'EUR'), profile('EUR')], decisions: ['applied', 'applied', 'applied'] },
  { name: 'a second profile in another currency', inputs: [profile('EUR'), profile('USD'), payment('P1', 'EUR')], decisions: ['applied', 'InvalidEvent', 'applied'] },
  { name: 'the first invoice pins it without a profile', inputs: [invoice('I1', 'EUR'), invoice('I2', 'USD'), profile('USD')], decisions: ['applied', 'applied', 'InvalidEvent'] },
  { name: 'a payment first pins it too', inputs: [payment('P1', 'USD', 'I1'), invoice('I1', 'EUR'), profile('EUR'), invoice('I2', 'USD')], decisions: ['applied', 'applied', 'InvalidEvent', 'applied'] },
  { name: 'a refused profile pins nothing', inputs: [invoice('I1', 'EUR'), profile('USD'), profile('EUR')], decisions: ['applied', 'InvalidEvent', 'applied'] },
];

const CUSTOMER = 'C1';
const DAY = dayFromIso('2026-01-05');
const PROFILE: CustomerCreditProfile = {
  creditLimit: 1_000_000,
  currency: 'EUR',
  tempLimit: null,
  tempLimitExpiresAt: null,
  paymentTermsDays: 30,
  riskClass: 'B',
  manualHold: false,
  parentCustomerId: null,
  changedBy: 'credit-team',
  changeReason: null,
};

/** The table's inputs as envelopes both cores read, one minute apart on one business day. */
function envelopes(inputs: Input[]): delinquency.DelinquencyInput[] {
  return inputs.map((input, i) => {
    const meta = { eventId: `e${i}`, customerId: CUSTOMER, occurredAt: startOfDay(DAY) + 3_600_000 + i * 60_000, source: 'test', causationId: null };
    switch (input.kind) {
      case 'profile':
        return { ...meta, eventType: 'CustomerCreditProfile', payload: { ...PROFILE, currency: input.currency } };
      case 'invoice':
        return { ...meta, eventType: 'InvoiceIssued', payload: { invoiceId: input.id, orderId: null, amount: 100, currency: input.currency, issueDate: DAY, dueDate: DAY + 30 } };
      case 'payment':
        return {
          ...meta,
          eventType: 'PaymentReceived',
          payload: { paymentId: input.id, amount: 100, currency: input.currency, receivedDate: DAY, allocations: input.invoiceId ? [{ invoiceId: input.invoiceId, amount: 100 }] : [] },
        };
    }
  });
}

function byRule(inputs: Input[]): Decision[] {
  let pinned: string | null = null;
  return inputs.map((input) => {
    const decision = admitCurrency(pinned, input.currency, input.kind === 'profile' ? 'profile' : 'document');
    if (!decision.ok) return 'InvalidEvent';
    pinned = decision.currency;
    return 'applied';
  });
}

function byDelinquency(inputs: Input[]): Decision[] {
  let state = delinquency.emptyState();
  return envelopes(inputs).map((event) => {
    const out = delinquency.applyEvent(state, event, DAY, delinquency.defaultPolicy);
    state = out.state;
    const own = out.rejected.find((r) => r.event === event);
    return own ? (own.errorClass as Decision) : 'applied';
  });
}

function byExposure(inputs: Input[]): Decision[] {
  const policy = exposure.creditPolicy({ policyVersion: 'v1' });
  let state: exposure.CustomerState | undefined;
  return envelopes(inputs).map((event) => {
    const out = exposure.applyEvent(state, event, policy);
    state = out.state;
    return out.rejected ? (out.rejected.errorClass as Decision) : 'applied';
  });
}

describe('the customer currency rule (shared/rules/currency.ts)', () => {
  it.each(CURRENCY_CASES)('$name: the rule', ({ inputs, decisions }) => {
    expect(byRule(inputs)).toEqual(decisions);
  });

  it.each(CURRENCY_CASES)('$name: the delinquency core', ({ inputs, decisions }) => {
    expect(byDelinquency(inputs)).toEqual(decisions);
  });

  it.each(CURRENCY_CASES)('$name: the exposure core', ({ inputs, decisions }) => {
    expect(byExposure(inputs)).toEqual(decisions);
  });

  it('names both currencies when it refuses a profile, and marks an admitted document in another currency as foreign', () => {
    expect(admitCurrency('EUR', 'USD', 'profile')).toEqual({ ok: false, message: "currency USD differs from the customer's credit currency EUR" });
    expect(admitCurrency('EUR', 'USD', 'document')).toEqual({ ok: true, currency: 'EUR', foreign: true });
    expect(admitCurrency(null, 'USD', 'document')).toEqual({ ok: true, currency: 'USD', foreign: false });
  });
});
