// What the demo reports when it is done: what it produced (counted as it sent), what the pipeline made of it (read
// back from Postgres, where the credit and collections teams would look), what went to the DLQ, and how each
// service exited. The same object is printed as text or, with --json, as JSON.
import { formatCount } from '../../lib/cli.ts';

export interface HeldCustomer {
  readonly customerId: string;
  readonly currency: string;
  readonly heldOrders: number;
  readonly heldValueMinor: number;
  readonly exposureMinor: number;
  readonly effectiveLimitMinor: number;
  readonly delinquencyStatus: string | null;
}

export interface AgingBuckets {
  /** The last business date of the run, ISO. */
  readonly asOf: string;
  readonly currency: string | null;
  readonly currentMinor: number;
  readonly d1_30Minor: number;
  readonly d31_60Minor: number;
  readonly d61_90Minor: number;
  readonly d90PlusMinor: number;
  readonly totalMinor: number;
}

export interface ServiceExit {
  readonly service: string;
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly log: string;
}

export interface DemoSummary {
  readonly runId: string;
  readonly namespace: { readonly topicPrefix: string; readonly redisPrefix: string; readonly database: string };
  readonly simulation: {
    readonly seed: number;
    readonly customers: number;
    readonly seconds: number;
    readonly firstBusinessDate: string;
    readonly lastBusinessDate: string;
  };
  readonly produced: { readonly total: number; readonly byType: Readonly<Record<string, number>> };
  /** Decision events the exposure service published, by outcome (approved, held, released, rejected), from its metrics. */
  readonly decisionEvents: Readonly<Record<string, number>>;
  /** Orders by their latest decision in reporting.orders (APPROVED, HELD, RELEASED, REJECTED). */
  readonly ordersByDecision: Readonly<Record<string, number>>;
  /** Customers by delinquency status in reporting.customers. */
  readonly delinquency: Readonly<Record<string, number>>;
  /** Customers by the risk class of their latest score in reporting.customers (the scoring service's). */
  readonly riskClasses: Readonly<Record<string, number>>;
  /** Customer notices by type in reporting.notices (the notifications service's, published). */
  readonly notices: Readonly<Record<string, number>>;
  /**
   * Mails the demo's SMTP sink accepted, by the notice type their X-O2C-Notice-Type header names: one per notice
   * with a recipient (the simulated customers that have a contactEmail). `file`: one JSON line per mail.
   */
  readonly mails: { readonly accepted: number; readonly byType: Readonly<Record<string, number>>; readonly file: string };
  /** Records in the run's DLQ topic. */
  readonly dlqRecords: number;
  readonly caughtUp: boolean;
  readonly topHeld: readonly HeldCustomer[];
  readonly aging: AgingBuckets;
  readonly services: readonly ServiceExit[];
  readonly lookFurther: { readonly psql: string; readonly grafana: string };
}

export const DECISIONS = ['APPROVED', 'HELD', 'RELEASED', 'REJECTED'] as const;
const OUTCOMES = DECISIONS.map((d) => d.toLowerCase());
export const STATUSES = ['CURRENT', 'OVERDUE', 'DELINQUENT', 'SEVERE'] as const;
export const RISK_CLASSES = ['A', 'B', 'C', 'D', 'E'] as const;
export const NOTICE_TYPES = ['PAYMENT_REMINDER', 'OVERDUE_NOTICE', 'CREDIT_HOLD', 'PROMISE_BROKEN', 'LIMIT_CHANGED', 'TERMS_CHANGED'] as const;

/** Minor units as major with two decimals and thousands separators (every simulated currency has two). */
export function formatMoney(minor: number, currency: string | null): string {
  const major = (Math.abs(minor) / 100).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  return `${minor < 0 ? '-' : ''}${currency ? `${currency} ` : ''}${major}`;
}

const pad = (s: string, n: number): string => s.padEnd(n);
const lpad = (s: string, n: number): string => s.padStart(n);

function counts(record: Readonly<Record<string, number>>, order: readonly string[]): string {
  const keys = [...order.filter((k) => k in record), ...Object.keys(record).filter((k) => !order.includes(k)).sort()];
  return keys.map((k) => `${k.toLowerCase()} ${formatCount(record[k]!)}`).join(', ') || 'none';
}

export function formatSummary(s: DemoSummary): string {
  const out: string[] = [];
  const sim = s.simulation;
  out.push(
    `demo ${s.runId}: ${formatCount(s.produced.total)} events in ${sim.seconds.toFixed(1)} s, ${sim.customers} customers ` +
      `(seed ${sim.seed}), business dates ${sim.firstBusinessDate} .. ${sim.lastBusinessDate}`,
  );
  if (!s.caughtUp) out.push('WARNING: the services had not caught up when the demo stopped them; figures may be short');
  out.push('', 'events produced');
  const types = Object.entries(s.produced.byType).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  for (const [type, n] of types) out.push(`  ${pad(type, 24)}${lpad(formatCount(n), 10)}`);

  out.push('', `credit decisions published: ${counts(s.decisionEvents, OUTCOMES)}`);
  out.push(`orders by latest decision: ${counts(s.ordersByDecision, DECISIONS)}`);
  out.push(`customers by delinquency status: ${counts(s.delinquency, STATUSES)}`);
  out.push(`customers by risk class (scoring): ${counts(s.riskClasses, RISK_CLASSES)}`);
  out.push(`customer notices (notifications, published): ${counts(s.notices, NOTICE_TYPES)}`);
  out.push(`mails accepted by the demo's SMTP sink: ${formatCount(s.mails.accepted)} (${counts(s.mails.byType, NOTICE_TYPES)}), in ${s.mails.file}`);
  out.push(`DLQ records: ${formatCount(s.dlqRecords)}`);

  out.push('', 'top held customers');
  if (s.topHeld.length === 0) out.push('  none: no order is waiting on a credit decision');
  else {
    const head = `${lpad('held', 6)}${lpad('held value', 18)}${lpad('exposure', 18)}${lpad('limit', 18)}`;
    out.push(`  ${pad('customer', 18)}${head}  status`);
    for (const h of s.topHeld) {
      out.push(
        `  ${pad(h.customerId, 18)}${lpad(String(h.heldOrders), 6)}${lpad(formatMoney(h.heldValueMinor, h.currency), 18)}` +
          `${lpad(formatMoney(h.exposureMinor, h.currency), 18)}${lpad(formatMoney(h.effectiveLimitMinor, h.currency), 18)}` +
          `  ${h.delinquencyStatus ?? '-'}`,
      );
    }
  }

  const a = s.aging;
  out.push('', `receivables aging at ${a.asOf} (reporting.ar_aging)`);
  const buckets: Array<[string, number]> = [
    ['current', a.currentMinor],
    ['1-30 days', a.d1_30Minor],
    ['31-60 days', a.d31_60Minor],
    ['61-90 days', a.d61_90Minor],
    ['90+ days', a.d90PlusMinor],
    ['total', a.totalMinor],
  ];
  for (const [name, minor] of buckets) out.push(`  ${pad(name, 12)}${lpad(formatMoney(minor, a.currency), 20)}`);

  const exit = (x: ServiceExit) => (x.exitCode === null ? `killed by ${x.signal}` : `exit ${x.exitCode}`);
  out.push('', `services: ${s.services.map((x) => `${x.service} ${exit(x)}`).join(', ')}`);
  out.push(`logs: ${s.services.map((x) => x.log).join(', ')}`);
  out.push('', 'look further');
  out.push(`  psql ${s.lookFurther.psql}   (tables and views in schema reporting, e.g. SELECT * FROM reporting.kpi_monthly)`);
  out.push(`  ${s.lookFurther.grafana}`);
  out.push(`  this run's topics start with ${s.namespace.topicPrefix}`);
  return `${out.join('\n')}\n`;
}
