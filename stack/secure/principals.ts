// Who may do what on the secure broker: one principal per service and tool, each allowed to read its inputs, write
// its outputs and use its own consumer group, nothing more. The topics come from the topic registry
// (shared/contracts/topics.ts) and, where a service exports them, from the service itself, so a renamed topic or a
// new input changes the ACLs with the code.
//
// Every principal may also describe every topic of the registry and its configs: a service checks the contracts at
// start-up (prepareContracts: partition counts and cleanup policies of all topics, log start offsets), which reads
// metadata, never records. Only the console (credit controllers' actions) and the importer (replays of a ledger) may
// write o2c.credit-actions.v1: whoever writes there can act on any held order (within the role the action names;
// services/exposure checks the authority). Only the console (collectors' promises to pay) may write
// o2c.collections.v1, and only notifications, which judges them, o2c.promise-outcomes.v1. Who writes profiles
// (simulator, importer, the console's approved limit changes) writes their change history, o2c.customer-changes.v1,
// too; only reporting reads it.
import { Topics, type TopicBase } from '../../shared/contracts/topics.ts';
import { inputTopics as exposureInputs } from '../../services/exposure/src/service.ts';
import { notificationsInputs } from '../../services/notifications/src/service.ts';
import { reportingInputs } from '../../services/reporting/src/service.ts';

export interface Principal {
  /** The SCRAM user, also the consumer group it may use (each service's default KAFKA_GROUP_ID). */
  readonly name: string;
  readonly reads: readonly TopicBase[];
  readonly writes: readonly TopicBase[];
  /** Consumer groups it may join and commit in. */
  readonly groups: readonly string[];
  /** Broad rights on every topic and group, for the tools that build their own namespaces (demo, bench). */
  readonly sandbox?: true;
}

const T = Topics;

export const PRINCIPALS: readonly Principal[] = [
  {
    name: 'exposure',
    reads: exposureInputs(T),
    // Its repartition topic too: group members' inputs re-keyed by their group.
    writes: [T.CREDIT_HOLDS, T.EXPOSURE, T.GROUP_EXPOSURE, T.EXPOSURE_REPARTITION, T.DLQ],
    groups: ['exposure'],
  },
  {
    name: 'delinquency',
    reads: [T.INVOICES, T.PAYMENTS, T.CUSTOMERS],
    // With LIVE_CLOCK, it also writes the business-date ticks into invoices and payments.
    writes: [T.DELINQUENCY, T.DLQ, T.INVOICES, T.PAYMENTS],
    groups: ['delinquency'],
  },
  {
    name: 'scoring',
    reads: [T.INVOICES, T.PAYMENTS, T.CUSTOMERS],
    writes: [T.CREDIT_SCORES, T.CREDIT_REVIEWS, T.DLQ],
    groups: ['scoring'],
  },
  {
    name: 'notifications',
    // Its inputs, and its own notifications topic, which the SMTP delivery reads in a group of its own.
    reads: [...notificationsInputs(T), T.NOTIFICATIONS],
    // Notices and the delivery's outcomes; the promises' outcomes; rejected inputs.
    writes: [T.NOTIFICATIONS, T.PROMISE_OUTCOMES, T.DLQ],
    groups: ['notifications', 'notifications-delivery'],
  },
  {
    name: 'reporting',
    reads: reportingInputs(T),
    writes: [T.DLQ],
    groups: ['reporting'],
  },
  {
    name: 'console',
    // Only the profiles, the latest of each customer, which an approved limit change starts from; holds, outcomes and
    // exposure it reads from the reporting database (services/console/README.md).
    reads: [T.CUSTOMERS],
    // Approved limit changes: the new profile and its change history, as the other profile writers.
    writes: [T.CREDIT_ACTIONS, T.COLLECTIONS, T.CUSTOMERS, T.CUSTOMER_CHANGES],
    groups: ['console'],
  },
  {
    name: 'simulator',
    reads: [],
    // Not credit-actions nor collections (people's decisions, the console's): run it with --no-credit-actions, which
    // leaves out both its releases and its promises to pay, against the secure broker. The FX rates it simulates.
    writes: [T.CUSTOMERS, T.CUSTOMER_CHANGES, T.ORDERS, T.INVOICES, T.PAYMENTS, T.FX_RATES],
    groups: [],
  },
  {
    name: 'importer',
    reads: [],
    writes: [T.CUSTOMERS, T.CUSTOMER_CHANGES, T.ORDERS, T.INVOICES, T.PAYMENTS, T.CREDIT_ACTIONS],
    groups: [],
  },
  { name: 'demo', reads: [], writes: [], groups: [], sandbox: true },
];

/** The super user the stack's setup and the tests administer the broker with (super.users, no ACLs needed). */
export const ADMIN = 'admin';
/** The broker's own principal (inter-broker SASL, controller mTLS), also a super user. */
export const BROKER = 'broker';

/** Every SCRAM user the broker is formatted with. */
export const USERS: readonly string[] = [BROKER, ADMIN, ...PRINCIPALS.map((p) => p.name)];

export type Operation = 'READ' | 'WRITE' | 'DESCRIBE' | 'DESCRIBE_CONFIGS' | 'ALL';
export type ResourceKind = 'TOPIC' | 'GROUP' | 'CLUSTER';

export interface Acl {
  readonly principal: string;
  readonly kind: ResourceKind;
  /** A literal name; '*' is every resource of the kind. */
  readonly name: string;
  readonly operation: Operation;
}

/** The exact ACLs of the plan, allow only (anything not allowed is denied: allow.everyone.if.no.acl.found=false). */
export function aclsOf(principals: readonly Principal[] = PRINCIPALS): Acl[] {
  const all = Object.values(Topics);
  return principals.flatMap((p): Acl[] => {
    const principal = `User:${p.name}`;
    if (p.sandbox) {
      return [
        { principal, kind: 'TOPIC', name: '*', operation: 'ALL' },
        { principal, kind: 'GROUP', name: '*', operation: 'ALL' },
        { principal, kind: 'CLUSTER', name: 'kafka-cluster', operation: 'DESCRIBE' },
      ];
    }
    const topic = (t: TopicBase, operation: Operation): Acl => ({ principal, kind: 'TOPIC', name: t.name, operation });
    return [
      ...all.flatMap((t) => [topic(t, 'DESCRIBE'), topic(t, 'DESCRIBE_CONFIGS')]),
      ...p.reads.map((t) => topic(t, 'READ')),
      ...p.writes.map((t) => topic(t, 'WRITE')),
      ...p.groups.flatMap((g): Acl[] => [
        { principal, kind: 'GROUP', name: g, operation: 'READ' },
        { principal, kind: 'GROUP', name: g, operation: 'DESCRIBE' },
      ]),
    ];
  });
}
