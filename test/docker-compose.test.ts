// docker-compose.yml and the Grafana provisioning, checked against what the services and tools read (Docker does not
// run here): each container's environment through the config spec of the program it runs, every file the compose
// file names, the data sources the dashboards use, the ports published, the healthchecks and the simulator's pace.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Registry } from 'prom-client';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadConfig, type Spec } from '../shared/config.ts';
import { startHealthServer } from '../shared/health.ts';
import { dayOf, MS_PER_DAY } from '../shared/time.ts';
import { delinquencySpec, loadDelinquencyConfig } from '../services/delinquency/src/config.ts';
import { exposureSpec, loadExposureConfig, policyOf } from '../services/exposure/src/config.ts';
import { loadReportingConfig, reportingSpec } from '../services/reporting/src/config.ts';
import { loadScoringConfig, scoringSpec } from '../services/scoring/src/config.ts';
import { loadNotificationsConfig, notificationsSpec } from '../services/notifications/src/config.ts';
import { consoleSpec, loadConsoleConfig } from '../services/console/src/config.ts';
import { toolSpec } from '../tools/lib/tool-config.ts';
import { parseSimulatorArgs } from '../tools/simulator/src/options.ts';
import { buildsSource, sourceOfBuilt } from './packaging.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

interface ComposeService {
  image?: string;
  build?: string | { context?: string; dockerfile?: string };
  command?: string[];
  environment?: Record<string, string | number | boolean>;
  volumes?: string[];
  ports?: (string | { published?: string | number; target?: number })[];
  healthcheck?: { test?: string[] | string };
  depends_on?: Record<string, { condition?: string }> | string[];
}

/**
 * Compose's variable substitution with an empty environment (a fresh machine without .env): `${VAR:-default}` and
 * `${VAR-default}` give their default, `$$` is a literal `$`; a variable without a default would be an empty value
 * and a warning, so it is reported.
 */
function interpolate(value: unknown, unset: string[]): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (m, braced, op, arg, bare) => {
      if (m === '$$') return '$';
      if (op === ':-' || op === '-') return arg as string;
      unset.push((braced ?? bare) as string);
      return '';
    });
  }
  if (Array.isArray(value)) return value.map((v) => interpolate(v, unset));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolate(v, unset)]));
  }
  return value;
}

const unsetVariables: string[] = [];
const compose = interpolate(parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }), unsetVariables) as {
  services: Record<string, ComposeService>;
};
const svc = (name: string): ComposeService => {
  const s = compose.services[name];
  if (!s) throw new Error(`docker-compose.yml has no service ${name}`);
  return s;
};
/** A container's environment as the process sees it: every value a string. */
const envOf = (name: string): Record<string, string> =>
  Object.fromEntries(Object.entries(svc(name).environment ?? {}).map(([k, v]) => [k, String(v)]));

/** A container's environment with every path inside a bind mount replaced by the host file it mounts, to read it here. */
const hostEnvOf = (name: string): Record<string, string> =>
  Object.fromEntries(Object.entries(envOf(name)).map(([k, v]) => {
    const mount = bindMounts(svc(name)).find((m) => v === m.container || v.startsWith(`${m.container}/`));
    return [k, mount ? join(mount.host, posix.relative(mount.container, v)) : v];
  }));

/** What each container built from this repository runs: its config spec and the loader that checks it fully. */
const PROGRAMS: Record<string, { spec: Spec; load: (env: Record<string, string>) => unknown }> = {
  exposure: { spec: exposureSpec(), load: (env) => policyOf(loadExposureConfig(env)) },
  delinquency: { spec: delinquencySpec, load: (env) => loadDelinquencyConfig(env) },
  reporting: { spec: reportingSpec, load: (env) => loadReportingConfig(env) },
  scoring: { spec: scoringSpec, load: (env) => loadScoringConfig(env) },
  notifications: { spec: notificationsSpec, load: (env) => loadNotificationsConfig(env) },
  console: { spec: consoleSpec, load: (env) => loadConsoleConfig(env) },
  simulator: { spec: toolSpec('simulator'), load: (env) => loadConfig(toolSpec('simulator'), env) },
};
const SERVICES = ['exposure', 'delinquency', 'reporting', 'scoring', 'notifications', 'console'] as const;

/** Host paths of the bind mounts (`./host:/container[:ro]`), by container path. */
function bindMounts(s: ComposeService): { host: string; container: string }[] {
  return (s.volumes ?? [])
    .map((v) => v.split(':'))
    .filter(([host]) => host!.startsWith('./') || host!.startsWith('../'))
    .map(([host, container]) => ({ host: join(ROOT, host!), container: container! }));
}

/** The host ports a service publishes (short syntax `[ip:]host:container` or the long syntax). */
function publishedPorts(s: ComposeService): { host: number; container: number }[] {
  return (s.ports ?? []).map((p) => {
    if (typeof p === 'object') return { host: Number(p.published), container: Number(p.target) };
    const parts = p.split(':');
    return { host: Number(parts.at(-2)), container: Number(parts.at(-1)!.split('/')[0]) };
  });
}

describe('docker-compose.yml', () => {
  it('substitutes no variable that has no default', () => {
    expect(unsetVariables).toEqual([]);
  });

  it('runs Kafka in KRaft mode as broker and controller, with a listener for the host', () => {
    const kafka = svc('kafka');
    const env = envOf('kafka');
    expect(kafka.image).toMatch(/^apache\/kafka:3\.9/);
    expect(env.KAFKA_PROCESS_ROLES).toBe('broker,controller');
    expect(env.KAFKA_CONTROLLER_QUORUM_VOTERS).toMatch(/^1@kafka:9093$/);

    const listeners = new Map(env.KAFKA_LISTENERS!.split(',').map((l) => [l.split('://')[0]!, Number(l.split(':').at(-1))]));
    const protocols = new Map(env.KAFKA_LISTENER_SECURITY_PROTOCOL_MAP!.split(',').map((l) => l.split(':') as [string, string]));
    const advertised = env.KAFKA_ADVERTISED_LISTENERS!.split(',').map((l) => {
      const m = /^(\w+):\/\/(.+):(\d+)$/.exec(l)!;
      return { name: m[1]!, host: m[2]!, port: Number(m[3]) };
    });
    for (const a of advertised) {
      expect(listeners.get(a.name), `${a.name} is advertised but does not listen`).toBeDefined();
      expect(protocols.has(a.name), `${a.name} has no security protocol`).toBe(true);
    }
    // The containers reach the broker by its service name, the laptop's tools on a published loopback port.
    const inside = advertised.find((a) => a.host === 'kafka');
    expect(inside).toBeDefined();
    for (const name of [...SERVICES, 'simulator']) expect(envOf(name).KAFKA_BROKERS).toBe(`kafka:${inside!.port}`);
    const host = advertised.find((a) => a.host === '127.0.0.1' || a.host === 'localhost');
    expect(host, 'no listener advertised to the host').toBeDefined();
    expect(publishedPorts(kafka)).toContainEqual({ host: host!.port, container: listeners.get(host!.name) });
  });

  it('keeps the registry schemas in the compose Postgres, in a database and role of their own', () => {
    const registry = envOf('schema-registry');
    expect(svc('schema-registry').image).toMatch(/apicurio-registry/);
    expect(registry.APICURIO_STORAGE_KIND).toBe('sql');
    expect(registry.APICURIO_STORAGE_SQL_KIND).toBe('postgresql');
    const m = /^jdbc:postgresql:\/\/postgres:5432\/(\w+)$/.exec(registry.APICURIO_DATASOURCE_URL ?? '');
    expect(m, registry.APICURIO_DATASOURCE_URL).not.toBeNull();
    const database = m![1]!;
    const user = registry.APICURIO_DATASOURCE_USERNAME!;
    expect(database).not.toBe(envOf('postgres').POSTGRES_DB);
    expect(user).not.toBe(envOf('postgres').POSTGRES_USER);
    expect(svc('schema-registry').depends_on).toMatchObject({ postgres: { condition: 'service_healthy' } });

    // The postgres image runs docker-entrypoint-initdb.d on its first start: that script makes the role and database.
    const init = bindMounts(svc('postgres')).find((b) => b.container === '/docker-entrypoint-initdb.d');
    expect(init, 'postgres mounts no init scripts').toBeDefined();
    const scripts = readdirSync(init!.host).map((f) => readFileSync(join(init!.host, f), 'utf8')).join('\n');
    expect(scripts).toMatch(new RegExp(`CREATE ROLE ${user} LOGIN PASSWORD :'pw'`));
    expect(scripts).toMatch(new RegExp(`CREATE DATABASE ${database} OWNER ${user}`));
    expect(scripts).toContain('-v pw="$APICURIO_DB_PASSWORD"');
    expect(envOf('postgres').APICURIO_DB_PASSWORD).toBe(registry.APICURIO_DATASOURCE_PASSWORD);
  });

  it('runs Redis with persistence, Postgres, Prometheus and Grafana', () => {
    expect(svc('redis').command).toContain('--appendonly');
    expect(svc('postgres').image).toMatch(/^postgres:/);
    expect(svc('prometheus').volumes?.some((v) => v.includes('prometheus.yml'))).toBe(true);
    const grafana = svc('grafana').volumes ?? [];
    expect(grafana.some((v) => v.startsWith('./grafana/provisioning'))).toBe(true);
    expect(grafana.some((v) => v.startsWith('./grafana/dashboards'))).toBe(true);
  });

  it('publishes no port 5432 (Postgres stays inside the compose network)', () => {
    for (const [name, s] of Object.entries(compose.services)) {
      for (const p of publishedPorts(s)) expect(p.host, `${name} publishes ${p.host}`).not.toBe(5432);
    }
    expect(svc('postgres').ports ?? []).toEqual([]);
  });

  it.each(Object.keys(PROGRAMS))('gives %s every variable its config requires, and none it does not read', (name) => {
    const { spec, load } = PROGRAMS[name]!;
    const env = envOf(name);
    expect(() => load(hostEnvOf(name))).not.toThrow();
    expect(Object.keys(env).filter((v) => !(v in spec))).toEqual([]);
  });

  it('runs exposure under the example credit policy file, mounted read-only, its version on every decision', () => {
    const env = envOf('exposure');
    const mount = bindMounts(svc('exposure')).find((m) => m.container === env.CREDIT_POLICY_FILE);
    expect(mount?.host).toBe(join(ROOT, 'services/exposure/credit-policy.example.json'));
    expect(svc('exposure').volumes).toContain('./services/exposure/credit-policy.example.json:/config/credit-policy.json:ro');
    const policy = policyOf(loadExposureConfig(hostEnvOf('exposure')));
    const example = JSON.parse(readFileSync(mount!.host, 'utf8')) as { version: string };
    expect(policy.policyVersion).toBe(example.version);
    expect(policy.classes.E?.holdAll).toBe(true);
    expect(policy.classes.C?.maxDocumentValue).toBeGreaterThan(0);
  });

  it.each(SERVICES)('runs the %s service with node on the build, behind the Kafka, registry, Redis and Postgres health', (name) => {
    const s = svc(name);
    expect(s.build).toBeDefined();
    expect(s.command).toEqual(['node', `dist/services/${name}/src/main.js`]);
    expect(envOf(name).SCHEMA_REGISTRY_URL).toMatch(/^http:\/\/schema-registry:8080\/apis\/ccompat\/v7$/);
    for (const dep of ['kafka', 'schema-registry', 'redis', 'postgres']) {
      expect(s.depends_on, `${name} on ${dep}`).toMatchObject({ [dep]: { condition: 'service_healthy' } });
    }
  });

  it('starts the simulator once every service is ready, so no service misses the first events', () => {
    for (const name of SERVICES) {
      expect(svc('simulator').depends_on, `simulator on ${name}`).toMatchObject({ [name]: { condition: 'service_healthy' } });
    }
  });

  it('mails the notices to a compose service that runs, started before notifications', () => {
    const smtp = loadNotificationsConfig(envOf('notifications'));
    expect(smtp.SMTP_HOST).toBe('mailpit');
    expect(svc(smtp.SMTP_HOST!).image).toMatch(/^axllent\/mailpit:/);
    expect(smtp.SMTP_PORT).toBe(1025); // mailpit's SMTP port
    expect(svc('notifications').depends_on).toMatchObject({ mailpit: { condition: 'service_started' } });
  });

  it('runs every program built from the repository from a module the build produces', () => {
    for (const [name, s] of Object.entries(compose.services)) {
      if (!s.build) continue;
      expect(s.command?.[0], name).toBe('node');
      const script = s.command![1]!;
      expect(existsSync(join(ROOT, sourceOfBuilt(script))), `${name}: ${script} has no source`).toBe(true);
      expect(buildsSource(sourceOfBuilt(script)), `${name}: ${script} is not built`).toBe(true);
    }
  });

  it('sets the reporting migrations and Grafana to the same grafana_reader password', () => {
    const reporting = loadReportingConfig(envOf('reporting'));
    const grafana = envOf('grafana');
    expect(reporting.GRAFANA_READER_PASSWORD).toBeTruthy();
    expect(grafana.GRAFANA_READER_PASSWORD).toBe(reporting.GRAFANA_READER_PASSWORD);

    const { datasources } = parse(readFileSync(join(ROOT, 'grafana/provisioning/datasources/o2c.yaml'), 'utf8')) as {
      datasources: { type: string; url: string; user?: string; jsonData?: { database?: string }; secureJsonData?: { password?: string } }[];
    };
    const pg = datasources.find((d) => d.type === 'grafana-postgresql-datasource')!;
    expect(pg.user).toBe('grafana_reader');
    expect(pg.secureJsonData?.password).toBe('$GRAFANA_READER_PASSWORD');
    const db = new URL(reporting.DATABASE_URL);
    expect(pg.url).toBe(`${db.hostname}:${db.port}`);
    expect(pg.jsonData?.database).toBe(db.pathname.slice(1));
  });

  it('starts the console after the reporting migrations, as o2c_console with the password its migration sets', () => {
    expect(svc('console').depends_on).toMatchObject({ reporting: { condition: 'service_healthy' } });
    const config = loadConsoleConfig(envOf('console'));
    const db = new URL(config.DATABASE_URL);
    expect(db.username).toBe('o2c_console');
    expect(decodeURIComponent(db.password)).toBe(config.O2C_CONSOLE_PASSWORD);
    expect(new URL(config.MIGRATION_DATABASE_URL).username).toBe(new URL(loadReportingConfig(envOf('reporting')).MIGRATION_DATABASE_URL).username);
    expect(config.CONSOLE_ADMIN_PASSWORD).toBeTruthy();
    expect(publishedPorts(svc('console')).map((p) => p.container)).toEqual([config.HTTP_PORT]);
  });

  it('names only files that exist: build, bind mounts, and the container paths inside them', () => {
    for (const [name, s] of Object.entries(compose.services)) {
      if (s.build) {
        const build = typeof s.build === 'string' ? { context: s.build } : s.build;
        const context = join(ROOT, build.context ?? '.');
        expect(existsSync(join(context, build.dockerfile ?? 'Dockerfile')), `${name} build`).toBe(true);
      }
      const mounts = bindMounts(s);
      for (const m of mounts) expect(existsSync(m.host), `${name} mounts ${m.host}`).toBe(true);
      // An absolute path in the environment must be inside a mount and exist there (e.g. Grafana's home dashboard).
      for (const [variable, value] of Object.entries(envOf(name))) {
        if (!value.startsWith('/')) continue;
        const mount = mounts.find((m) => value === m.container || value.startsWith(`${m.container}/`));
        expect(mount, `${name} ${variable}=${value} is in no mounted folder`).toBeDefined();
        expect(existsSync(join(mount!.host, posix.relative(mount!.container, value))), `${name} ${variable}=${value}`).toBe(true);
      }
    }
  });

  it('opens Grafana on a dashboard file that exists', () => {
    const path = envOf('grafana').GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH!;
    const mount = bindMounts(svc('grafana')).find((m) => path.startsWith(`${m.container}/`))!;
    const file = join(mount.host, posix.relative(mount.container, path));
    expect(file.startsWith(join(ROOT, 'grafana/dashboards'))).toBe(true);
    expect((JSON.parse(readFileSync(file, 'utf8')) as { uid?: string }).uid).toBeTruthy();
  });

  it.each(SERVICES)('checks the health of %s on /readyz, with a probe that answers for ready and not ready', async (name) => {
    const test = svc(name).healthcheck?.test;
    expect(Array.isArray(test) && test[0] === 'CMD', 'exec form, the image has no shell utilities to rely on').toBe(true);
    const [, program, ...args] = test as string[];
    expect(program).toBe('node');
    expect(args.join(' ')).toContain('/readyz');
    expect(await runProbe(args, true)).toBe(0);
    expect(await runProbe(args, false)).not.toBe(0);
  });

  it('paces the simulator at most one business day per day from today, so business dates never pass today', () => {
    const sim = svc('simulator');
    expect(sim.command?.slice(0, 2)).toEqual(['node', 'dist/tools/simulator/main.js']);
    const parsed = parseSimulatorArgs(sim.command!.slice(2));
    if (parsed.help) throw new Error('the simulator command asks for help');
    const { daysPerSecond, startDay } = parsed.options;
    expect(daysPerSecond).toBeGreaterThan(0);
    expect(daysPerSecond).toBeLessThanOrEqual(1000 / MS_PER_DAY);
    expect(startDay === undefined || startDay <= dayOf(Date.now())).toBe(true);
  });

  it('scrapes every service on the port it listens on', () => {
    const prom = readFileSync(join(ROOT, 'stack/docker/prometheus.yml'), 'utf8');
    for (const name of SERVICES) expect(prom).toContain(`${name}:${envOf(name).HTTP_PORT}`);
  });
});

describe('Grafana provisioning', () => {
  const provisioned = (parse(readFileSync(join(ROOT, 'grafana/provisioning/datasources/o2c.yaml'), 'utf8')) as {
    datasources: { uid: string; type: string }[];
  }).datasources;
  const dashboardsDir = join(ROOT, 'grafana/dashboards');

  it('provisions the folder the dashboards are mounted at', () => {
    const { providers } = parse(readFileSync(join(ROOT, 'grafana/provisioning/dashboards/o2c.yaml'), 'utf8')) as {
      providers: { options: { path: string } }[];
    };
    const mount = bindMounts(svc('grafana')).find((m) => m.host === dashboardsDir);
    expect(providers.map((p) => p.options.path)).toContain(mount?.container);
  });

  it.each(readdirSync(dashboardsDir).filter((f) => f.endsWith('.json')))('%s uses only provisioned data sources', (file) => {
    const refs: unknown[] = [];
    const walk = (o: unknown): void => {
      if (Array.isArray(o)) o.forEach(walk);
      else if (o && typeof o === 'object') {
        for (const [k, v] of Object.entries(o)) {
          if (k === 'datasource') refs.push(v);
          walk(v);
        }
      }
    };
    walk(JSON.parse(readFileSync(join(dashboardsDir, file), 'utf8')));
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) {
      // A bare uid string and a {type, uid} object are both Grafana references; template variables are not used here.
      const { uid, type } = typeof ref === 'string' ? { uid: ref, type: undefined } : (ref as { uid?: string; type?: string });
      const ds = provisioned.find((d) => d.uid === uid);
      expect(ds, `${file}: data source ${JSON.stringify(ref)}`).toBeDefined();
      if (type !== undefined) expect(type).toBe(ds!.type);
    }
  });
});

/** Runs a healthcheck's node arguments against a health server whose one check is ready or not; the exit code. */
async function runProbe(args: string[], ready: boolean): Promise<number> {
  const server = await startHealthServer({
    port: 0,
    host: '127.0.0.1',
    registry: new Registry(),
    checks: [{ name: 'consumer', status: () => ({ healthy: true, ready }) }],
  });
  try {
    await promisify(execFile)(process.execPath, args, { env: { ...process.env, HTTP_PORT: String(server.port) }, timeout: 10_000 });
    return 0;
  } catch (e) {
    return (e as { code?: number }).code ?? -1;
  } finally {
    await server.close();
  }
}

describe('stack/docker/postgres-init', () => {
  // The postgres image executes an executable init script and sources one that is not, in its entrypoint's shell.
  it('holds only executable scripts', () => {
    const dir = join(ROOT, 'stack/docker/postgres-init');
    for (const f of readdirSync(dir)) expect(statSync(join(dir, f)).mode & 0o111, f).not.toBe(0);
  });
});
