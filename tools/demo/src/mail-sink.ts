// The demo's SMTP sink: a local server (smtp-server, the notifications tests' dev dependency) on a free loopback port
// that accepts every mail the notifications service sends, keeps nothing but what the summary reports (the
// Message-ID, the notice type and customer its headers name, the recipient) and appends each to the run's
// mails.jsonl, so the customers' notices can be read without a mail client and nobody is mailed.
import { appendFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface AcceptedMail {
  /** The Message-ID without its angle brackets: `<notice id>@<SMTP_MESSAGE_ID_DOMAIN>`. */
  readonly messageId: string;
  readonly noticeType: string;
  readonly customerId: string;
  readonly to: readonly string[];
}

export interface MailSink {
  readonly port: number;
  readonly accepted: readonly AcceptedMail[];
  /** Accepted mails per notice type. */
  byType(): Record<string, number>;
  close(): Promise<void>;
}

const header = (v: unknown): string => (typeof v === 'string' ? v : '');

export async function startMailSink(file: string): Promise<MailSink> {
  const accepted: AcceptedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      simpleParser(stream).then(
        (mail) => {
          const m: AcceptedMail = {
            messageId: (mail.messageId ?? '').replace(/^<|>$/g, ''),
            noticeType: header(mail.headers.get('x-o2c-notice-type')),
            customerId: header(mail.headers.get('x-o2c-customer-id')),
            to: session.envelope.rcptTo.map((a) => a.address),
          };
          accepted.push(m);
          appendFileSync(file, `${JSON.stringify(m)}\n`);
          callback();
        },
        (e: Error) => callback(e),
      );
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.server.address() as AddressInfo).port,
    accepted,
    byType: () => {
      const out: Record<string, number> = {};
      for (const m of accepted) out[m.noticeType] = (out[m.noticeType] ?? 0) + 1;
      return out;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
