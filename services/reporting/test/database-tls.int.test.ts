// A real TLS session from the sink's Postgres client with sslmode=verify-full and the CA from PGSSLROOTCERT. The
// machine's Postgres speaks plaintext on loopback, so TLS is terminated in front of it by a small proxy that answers
// Postgres' SSLRequest like a TLS server would, with a certificate for 127.0.0.1 from the secure stack's CA: the
// client side (verification of the chain and the host name, then the protocol inside TLS) is what is tested here,
// not Postgres' own TLS configuration.
import { readFileSync } from 'node:fs';
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, withRootCert } from '../../../shared/pg/pool.ts';
import { ensureSecureStack, getStack } from '../../../test/stack.ts';
import { closePool, reportingDatabase, writerUrl, type ReportingDb } from './support.ts';

// The first message of a client that wants TLS: length 8, code 80877103.
const SSL_REQUEST = Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]);

/** Accepts TLS the way Postgres does (SSLRequest, 'S', handshake) and forwards the plaintext inside to `target`. */
async function tlsTerminator(target: URL, key: Buffer, cert: Buffer, host = '127.0.0.1'): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    sockets.add(client);
    client.on('error', () => client.destroy());
    client.once('data', (first: Buffer) => {
      if (!first.subarray(0, 8).equals(SSL_REQUEST)) {
        client.destroy();
        return;
      }
      client.write('S');
      const secure = new TLSSocket(client, { isServer: true, key, cert });
      const upstream = connect({ host: target.hostname, port: Number(target.port || 5432) });
      sockets.add(upstream);
      for (const s of [secure, upstream]) s.on('error', () => s.destroy());
      secure.pipe(upstream).pipe(secure);
      secure.on('close', () => upstream.destroy());
      upstream.on('close', () => secure.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

let rdb: ReportingDb;
let proxy: Awaited<ReturnType<typeof tlsTerminator>>;
let caFile: string;
let keyPair: [key: Buffer, cert: Buffer];
let databaseUrl: URL;
/** The test database as o2c_writer through the TLS proxy, asking for verify-full. */
let viaTls: string;

beforeAll(async () => {
  const [stack, secure] = await Promise.all([getStack(), ensureSecureStack()]);
  caFile = secure.caFile;
  rdb = await reportingDatabase();
  // The secure Redis' certificate is for 127.0.0.1 and localhost, from the stack's CA: any TLS server may present it.
  const tls = dirname(caFile);
  keyPair = [readFileSync(join(tls, 'redis.key')), readFileSync(join(tls, 'redis.pem'))];
  databaseUrl = new URL(stack.databaseUrl);
  proxy = await tlsTerminator(databaseUrl, ...keyPair);
  const url = new URL(writerUrl(rdb.db.url));
  url.host = `127.0.0.1:${proxy.port}`;
  url.searchParams.set('sslmode', 'verify-full');
  viaTls = url.toString();
});

afterAll(async () => {
  await proxy?.close();
  await rdb?.close();
});

describe('the sink over TLS to Postgres', () => {
  it('connects with sslmode=verify-full and the CA from PGSSLROOTCERT, and works inside TLS', async () => {
    const pool = createPool(withRootCert(viaTls, caFile), { max: 1 });
    try {
      const client = await pool.connect();
      try {
        const stream = (client as unknown as { connection: { stream: unknown } }).connection.stream;
        expect(stream).toBeInstanceOf(TLSSocket);
        expect((stream as TLSSocket).authorized).toBe(true);
        const { rows } = await client.query('SELECT current_user AS user');
        expect(rows).toEqual([{ user: 'o2c_writer' }]);
      } finally {
        client.release();
      }
    } finally {
      await closePool(pool);
    }
  });

  it('refuses a server whose certificate the CA does not verify (no PGSSLROOTCERT: the system CAs)', async () => {
    const pool = createPool(withRootCert(viaTls, undefined), { max: 1 });
    try {
      await expect(pool.query('SELECT 1')).rejects.toThrow(/self.signed|unable to (verify|get)|certificate/i);
    } finally {
      await pool.end();
    }
  });

  it('refuses a host name the certificate does not name', async () => {
    // Loopback too, but not an address the certificate names.
    const elsewhere = await tlsTerminator(databaseUrl, ...keyPair, '127.0.0.2');
    const other = new URL(withRootCert(viaTls, caFile));
    other.host = `127.0.0.2:${elsewhere.port}`;
    const pool = createPool(other.toString(), { max: 1 });
    try {
      await expect(pool.query('SELECT 1')).rejects.toThrow(/altnames|does not match|IP: 127\.0\.0\.2/i);
    } finally {
      await pool.end();
      await elsewhere.close();
    }
  });
});
