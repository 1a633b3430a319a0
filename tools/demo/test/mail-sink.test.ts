// The demo's SMTP sink on loopback: it accepts what a client sends and keeps the Message-ID, notice type, customer and
// recipient of each, in memory and as one JSON line per mail in the run's file.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { afterEach, describe, expect, it } from 'vitest';
import { startMailSink, type MailSink } from '../src/mail-sink.ts';

let dir: string | undefined;
let sink: MailSink | undefined;

afterEach(async () => {
  await sink?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the demo mail sink', () => {
  it('accepts every mail and counts them by notice type, each a line of its file', async () => {
    dir = await mkdtemp(join(tmpdir(), 'o2c-mail-sink-'));
    const file = join(dir, 'mails.jsonl');
    sink = await startMailSink(file);
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: sink.port, secure: false, ignoreTLS: true });
    const send = (id: string, type: string, customer: string) => transport.sendMail({
      from: 'Credit control <credit-control@demo.o2c.invalid>', to: `ap@${customer}.example`, subject: type, text: 'body',
      messageId: `<${id}@notifications.o2c.invalid>`,
      headers: { 'X-O2C-Notice-Id': id, 'X-O2C-Notice-Type': type, 'X-O2C-Customer-Id': customer },
    });
    await send('n-1', 'PAYMENT_REMINDER', 'c1');
    await send('n-2', 'PROMISE_BROKEN', 'c2');
    await send('n-3', 'PAYMENT_REMINDER', 'c2');
    transport.close();
    expect(sink.byType()).toEqual({ PAYMENT_REMINDER: 2, PROMISE_BROKEN: 1 });
    const lines = (await readFile(file, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as unknown);
    expect(lines).toEqual([
      { messageId: 'n-1@notifications.o2c.invalid', noticeType: 'PAYMENT_REMINDER', customerId: 'c1', to: ['ap@c1.example'] },
      { messageId: 'n-2@notifications.o2c.invalid', noticeType: 'PROMISE_BROKEN', customerId: 'c2', to: ['ap@c2.example'] },
      { messageId: 'n-3@notifications.o2c.invalid', noticeType: 'PAYMENT_REMINDER', customerId: 'c2', to: ['ap@c2.example'] },
    ]);
    expect(sink.accepted).toEqual(lines);
  });
});
