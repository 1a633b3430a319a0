// The secure broker's setup, called by stack/up.sh with STACK_SECURE=1 (see stack/README.md):
//   tsx stack/secure/setup.ts users    the SCRAM users to format the broker with, one a line
//   tsx stack/secure/setup.ts redis-users   the secure Redis' ACL users (shared/redis/acl.ts), one a line
//   tsx stack/secure/setup.ts redis-acl     its ACL file, from the passwords in SECURE_SECRETS_DIR/redis-<user>.password
//   tsx stack/secure/setup.ts apply    as the admin principal: the topics of the registry, exactly the ACLs of
//                                      principals.ts (missing ones added, others removed), and one env file per
//                                      principal
// apply reads its paths and endpoints from the environment up.sh exports (SECURE_* and the stack's endpoints).
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import kafkajs, { type Admin } from 'kafkajs';
import { Topics } from '../../shared/contracts/topics.ts';
import { ensureTopics, retryKafkaStartup } from '../../shared/kafka/admin.ts';
import { createKafka } from '../../shared/kafka/client.ts';
import { createLogger } from '../../shared/logger.ts';
import { urlAs } from '../../shared/pg/pool.ts';
import { aclFileLines, redisUsers } from '../../shared/redis/acl.ts';
import { ADMIN, aclsOf, PRINCIPALS, USERS, type Acl } from './principals.ts';

const { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes } = kafkajs;

function need(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`stack/secure/setup.ts: ${name} is not set (run it through stack/up.sh)`);
  return v;
}

/** The name of a kafkajs enum value (its runtime enums are plain objects, without TypeScript's reverse mapping). */
function nameOf(values: object, value: number): string {
  return Object.entries(values).find(([, v]) => v === value)?.[0] ?? String(value);
}

const key = (a: Acl): string => `${a.principal}|${a.kind}|${a.name}|${a.operation}`;

async function currentAcls(admin: Admin): Promise<Acl[]> {
  const { resources } = await admin.describeAcls({
    resourceType: AclResourceTypes.ANY,
    resourcePatternType: ResourcePatternTypes.ANY,
    operation: AclOperationTypes.ANY,
    permissionType: AclPermissionTypes.ANY,
  });
  return resources.flatMap((r) =>
    r.acls.map((a) => ({
      principal: a.principal,
      kind: nameOf(AclResourceTypes, r.resourceType) as Acl['kind'],
      name: r.resourceName,
      operation: nameOf(AclOperationTypes, a.operation) as Acl['operation'],
    })),
  );
}

const entry = (a: Acl) => ({
  resourceType: AclResourceTypes[a.kind],
  resourceName: a.name,
  resourcePatternType: ResourcePatternTypes.LITERAL,
  principal: a.principal,
  host: '*',
  operation: AclOperationTypes[a.operation],
  permissionType: AclPermissionTypes.ALLOW,
});

/** Makes the broker's ACLs exactly the plan's; returns how many were added and removed. */
async function applyAcls(admin: Admin): Promise<{ added: number; removed: number }> {
  const plan = aclsOf();
  const wanted = new Set(plan.map(key));
  const current = await currentAcls(admin);
  const have = new Set(current.map(key));
  const extra = current.filter((a) => !wanted.has(key(a)));
  const missing = plan.filter((a) => !have.has(key(a)));
  if (extra.length > 0) await admin.deleteAcls({ filters: extra.map(entry) });
  if (missing.length > 0) await admin.createAcls({ acl: missing.map(entry) });
  await aclsInForce(admin, wanted);
  return { added: missing.length, removed: extra.length };
}

const ACL_WAIT_MS = 30_000;

/**
 * Waits until the broker enforces exactly the plan: the controller commits the ACLs, and the broker's authorizer
 * applies them a moment later, from the metadata log; describeAcls answers from what the broker applied.
 */
async function aclsInForce(admin: Admin, wanted: ReadonlySet<string>): Promise<void> {
  const deadline = Date.now() + ACL_WAIT_MS;
  for (;;) {
    const now = new Set((await currentAcls(admin)).map(key));
    if (now.size === wanted.size && [...wanted].every((k) => now.has(k))) return;
    if (Date.now() > deadline) throw new Error(`the broker does not enforce the ACLs of the plan after ${ACL_WAIT_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

// Key prefixes the services' Redis users may use: the default one, and `o2c.<namespace>` for tests and demos.
const REDIS_PREFIXES = ['o2c', 'o2c.*'];
const REDIS_USERS = redisUsers(REDIS_PREFIXES);
const redisPasswordFile = (user: string) => join(need('SECURE_SECRETS_DIR'), `redis-${user}.password`);

/** The secure Redis as `user` (rediss with the stack's CA, the password in its file), and Postgres. */
function storeLines(user: string): string[] {
  const redis = REDIS_USERS.some((u) => u.name === user)
    ? [
        `REDIS_URL=${need('SECURE_REDIS_URL').replace('://', `://${user}@`)}`,
        `REDIS_PASSWORD_FILE=${redisPasswordFile(user)}`,
        `REDIS_TLS_CA_FILE=${need('SECURE_CA_FILE')}`,
      ]
    : [];
  // The sink writes as o2c_writer (it refuses a superuser) and migrates as the stack's owner, with the development
  // role passwords: this is the local stack.
  const database =
    user === 'reporting'
      ? [
          `DATABASE_URL=${urlAs(need('DATABASE_URL'), 'o2c_writer')}`,
          `MIGRATION_DATABASE_URL=${need('DATABASE_URL')}`,
          'O2C_DEV_ROLE_PASSWORDS=1',
        ]
      : [`DATABASE_URL=${need('DATABASE_URL')}`];
  return [...redis, ...database];
}

/** One env file per principal: what a service or tool needs to reach the secure broker (and Redis) as itself. */
function writeEnvFiles(): void {
  const dir = need('SECURE_ENV_DIR');
  mkdirSync(dir, { recursive: true });
  const common = [
    `KAFKA_BROKERS=${need('SECURE_KAFKA_BROKERS')}`,
    'KAFKA_SASL_MECHANISM=scram-sha-512',
    'KAFKA_TLS=true',
    `KAFKA_TLS_CA_FILE=${need('SECURE_CA_FILE')}`,
    `SCHEMA_REGISTRY_URL=${need('SCHEMA_REGISTRY_URL')}`,
  ];
  for (const user of [ADMIN, ...PRINCIPALS.map((p) => p.name)]) {
    const lines = [
      `# The secure broker as ${user}; generated by stack/up.sh (STACK_SECURE=1). The passwords stay in their files.`,
      ...common,
      `KAFKA_SASL_USERNAME=${user}`,
      `KAFKA_SASL_PASSWORD_FILE=${join(need('SECURE_SECRETS_DIR'), `${user}.password`)}`,
      ...storeLines(user),
    ];
    const file = join(dir, `${user}.env`);
    writeFileSync(`${file}.tmp`, `${lines.join('\n')}\n`, { mode: 0o644 });
    renameSync(`${file}.tmp`, file);
  }
}

async function apply(): Promise<void> {
  const logger = createLogger('stack-secure', { level: 'warn' });
  const password = readFileSync(join(need('SECURE_SECRETS_DIR'), `${ADMIN}.password`), 'utf8').trim();
  const kafka = createKafka(
    {
      KAFKA_BROKERS: need('SECURE_KAFKA_BROKERS').split(','),
      KAFKA_CLIENT_ID: 'stack-secure-setup',
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      KAFKA_SASL_USERNAME: ADMIN,
      KAFKA_SASL_PASSWORD: password,
      KAFKA_TLS: true,
      KAFKA_TLS_CA_FILE: need('SECURE_CA_FILE'),
    },
    logger,
  );
  const admin = kafka.admin();
  // The broker may still be loading its metadata (authorizer not ready, no leader yet): retry what kafkajs calls
  // retriable, up to the stack's start timeout.
  const withinMs = Number(process.env.SECURE_START_TIMEOUT_S ?? 120) * 1000;
  await retryKafkaStartup('connecting as the admin', () => admin.connect(), { withinMs });
  try {
    const partitions = Number(process.env.SECURE_KAFKA_PARTITIONS ?? 12);
    await retryKafkaStartup('creating the topics', () => ensureTopics(kafka, Object.values(Topics), { partitions }), { withinMs });
    const { added, removed } = await applyAcls(admin);
    writeEnvFiles();
    process.stderr.write(`[stack] secure broker: ${Object.values(Topics).length} topics, ACLs +${added} -${removed}\n`);
  } finally {
    await admin.disconnect();
  }
}

const command = process.argv[2];
if (command === 'users') {
  process.stdout.write(`${USERS.join('\n')}\n`);
} else if (command === 'redis-users') {
  process.stdout.write(`${REDIS_USERS.map((u) => u.name).join('\n')}\n`);
} else if (command === 'redis-acl') {
  const lines = aclFileLines(REDIS_USERS, (user) => readFileSync(redisPasswordFile(user), 'utf8').trim());
  process.stdout.write(`${lines.join('\n')}\n`);
} else if (command === 'apply') {
  await apply();
} else {
  process.stderr.write('usage: tsx stack/secure/setup.ts users|redis-users|redis-acl|apply\n');
  process.exit(2);
}
