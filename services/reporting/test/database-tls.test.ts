// The sink's TLS to Postgres as libpq has it: `sslmode=verify-full` (or verify-ca) in the URL, the CA from its
// `sslrootcert` or from PGSSLROOTCERT; what pg makes of the URL is the connection's ssl options, checked without a server.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../shared/config.ts';
import { loadReportingConfig } from '../src/config.ts';
import { urlAs, withRootCert } from '../../../shared/pg/pool.ts';

const dir = mkdtempSync(join(tmpdir(), 'o2c-pg-tls-'));
const caFile = join(dir, 'ca.pem');
const CA = '-----BEGIN CERTIFICATE-----\nMIIBtest\n-----END CERTIFICATE-----\n';
writeFileSync(caFile, CA);
const otherCa = join(dir, 'other.pem');
writeFileSync(otherCa, 'other');

/** The ssl options pg derives from a connection string. */
const sslOf = (connectionString: string): unknown =>
  (new pg.Client({ connectionString }) as unknown as { connectionParameters: { ssl: unknown } }).connectionParameters.ssl;

describe('Postgres TLS', () => {
  it('verify-full with PGSSLROOTCERT: the CA is the file, the certificate and host name are verified', () => {
    const url = withRootCert('postgres://o2c_writer@db.example:5432/o2c?sslmode=verify-full', caFile);
    expect(new URL(url).searchParams.get('sslrootcert')).toBe(caFile);
    const ssl = sslOf(url) as { ca?: string; rejectUnauthorized?: boolean };
    expect(ssl.ca).toBe(CA);
    expect(ssl.rejectUnauthorized).not.toBe(false);
  });

  it('keeps a CA the URL names, and adds none where sslmode verifies nothing', () => {
    const own = `postgres://u@db/o2c?sslmode=verify-full&sslrootcert=${encodeURIComponent(otherCa)}`;
    expect(withRootCert(own, caFile)).toBe(own);
    expect((sslOf(withRootCert(own, caFile)) as { ca?: string }).ca).toBe('other');
    for (const plain of ['postgres://u@db/o2c', 'postgres://u@db/o2c?sslmode=disable']) {
      expect(withRootCert(plain, caFile)).toBe(plain);
      expect(sslOf(plain)).toBeFalsy();
    }
    expect(withRootCert('postgres://u@db/o2c?sslmode=verify-full', undefined)).toBe('postgres://u@db/o2c?sslmode=verify-full');
  });

  it('urlAs changes the role and keeps server, database and options', () => {
    expect(urlAs('postgres://postgres@db:5433/o2c_x?sslmode=verify-full', 'o2c_writer', 'p@ss')).toBe(
      'postgres://o2c_writer:p%40ss@db:5433/o2c_x?sslmode=verify-full',
    );
  });

  it('the reporting config checks sslmode and PGSSLROOTCERT at start-up, naming the variable', () => {
    const base = { KAFKA_BROKERS: 'k:9092', SCHEMA_REGISTRY_URL: 'http://r:8081' };
    const ok = loadReportingConfig({ ...base, DATABASE_URL: 'postgres://o2c_writer@db/o2c?sslmode=verify-full', PGSSLROOTCERT: caFile });
    expect(ok.PGSSLROOTCERT).toBe(caFile);
    expect(ok.MIGRATION_DATABASE_URL).toBe('postgres://postgres@127.0.0.1:5432/o2c');
    expect(loadReportingConfig(base).DATABASE_URL).toBe('postgres://o2c_writer@127.0.0.1:5432/o2c');
    const problems = (env: Record<string, string>) => {
      try {
        loadReportingConfig({ ...base, ...env });
      } catch (e) {
        if (e instanceof ConfigError) return e.message;
        throw e;
      }
      return '';
    };
    expect(problems({ MIGRATION_DATABASE_URL: 'postgres://owner:s3cret-pw@db/o2c?sslmode=verify-al' })).toContain(
      'MIGRATION_DATABASE_URL: sslmode=verify-al is not one of disable, prefer, require, verify-ca, verify-full',
    );
    expect(problems({ PGSSLROOTCERT: join(dir, 'missing.pem') })).toContain('PGSSLROOTCERT=');
  });
});
