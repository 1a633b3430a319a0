// The registry client against an https registry that wants basic auth (a local server with a certificate from a CA
// made for the test): both of its paths, the schema-registry client's (register) and its own (PUT /config), carry
// the credentials and trust the CA; wrong credentials or an untrusted certificate are ConfigErrors naming the
// variable, never retried.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../config.ts';
import { registryClientOf } from '../registry.ts';

const USER = 'exposure';
const PASSWORD = 'registry-pass-4711';
const SCHEMA = JSON.stringify({ type: 'record', name: 'Probe', namespace: 'o2c.test', fields: [{ name: 'id', type: 'string' }] });

const dir = mkdtempSync(join(tmpdir(), 'o2c-registry-tls-'));
const caFile = join(dir, 'ca.pem');
let server: Server;
let url: string;
const seen: Array<{ method: string; path: string; authorized: boolean }> = [];

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { stdio: 'ignore' });
}

beforeAll(async () => {
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=test CA', '-keyout', join(dir, 'ca.key'), '-out', caFile);
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=registry', '-keyout', join(dir, 'server.key'), '-out', join(dir, 'server.csr'));
  writeFileSync(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1\n');
  openssl('x509', '-req', '-days', '1', '-in', join(dir, 'server.csr'), '-CA', caFile, '-CAkey', join(dir, 'ca.key'),
    '-CAcreateserial', '-extfile', join(dir, 'server.ext'), '-out', join(dir, 'server.pem'));
  const expected = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;
  server = createServer({ key: readFileSync(join(dir, 'server.key')), cert: readFileSync(join(dir, 'server.pem')) }, (req, res) => {
    const authorized = req.headers.authorization === expected;
    const path = req.url ?? '';
    seen.push({ method: req.method ?? '', path, authorized });
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/vnd.schemaregistry.v1+json' });
      res.end(JSON.stringify(body));
    };
    if (!authorized) return json(401, { error_code: 401, message: 'Unauthorized' });
    req.resume();
    req.on('end', () => {
      if (path.startsWith('/config/')) return json(200, req.method === 'PUT' ? { compatibility: 'BACKWARD' } : { compatibilityLevel: 'BACKWARD' });
      if (req.method === 'POST' && path.endsWith('/versions')) return json(200, { id: 7 });
      return json(404, { error_code: 40401, message: 'not found' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const failureOf = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e as Error);

describe('RegistryClient over https with basic auth', () => {
  it('sends the credentials on both paths and trusts the configured CA', async () => {
    const client = registryClientOf({
      SCHEMA_REGISTRY_URL: url, SCHEMA_REGISTRY_USERNAME: USER, SCHEMA_REGISTRY_PASSWORD: PASSWORD, SCHEMA_REGISTRY_CA_FILE: caFile,
    });
    seen.length = 0;
    await client.setCompatibility('probe-value', 'BACKWARD');
    expect(await client.register('probe-value', SCHEMA)).toBe(7);
    expect(seen.map((r) => [r.method, r.path.split('?')[0], r.authorized])).toEqual([
      ['PUT', '/config/probe-value', true],
      ['GET', '/config/probe-value', true],
      ['POST', '/subjects/probe-value/versions', true],
    ]);
  });

  it('names the credential variables on a 401, without the password', async () => {
    const client = registryClientOf({
      SCHEMA_REGISTRY_URL: url, SCHEMA_REGISTRY_USERNAME: USER, SCHEMA_REGISTRY_PASSWORD: 'not-the-password', SCHEMA_REGISTRY_CA_FILE: caFile,
    });
    for (const error of [await failureOf(client.setCompatibility('s-value', 'BACKWARD')), await failureOf(client.register('s-value', SCHEMA))]) {
      expect(error).toBeInstanceOf(ConfigError);
      expect(error!.message).toMatch(/SCHEMA_REGISTRY_USERNAME\/SCHEMA_REGISTRY_PASSWORD: the registry at .* answered 401/);
      expect(error!.message).not.toContain('not-the-password');
    }
  });

  it('names SCHEMA_REGISTRY_CA_FILE when the certificate is not trusted', async () => {
    const client = registryClientOf({ SCHEMA_REGISTRY_URL: url, SCHEMA_REGISTRY_USERNAME: USER, SCHEMA_REGISTRY_PASSWORD: PASSWORD });
    for (const error of [await failureOf(client.setCompatibility('s-value', 'BACKWARD')), await failureOf(client.register('s-value', SCHEMA))]) {
      expect(error).toBeInstanceOf(ConfigError);
      expect(error!.message).toMatch(/SCHEMA_REGISTRY_CA_FILE: the certificate of the registry at .* is not trusted/);
    }
  });
});
