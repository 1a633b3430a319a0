// A real SMTP server for the tests (npm smtp-server, nodemailer's), on a free loopback port: it keeps every message
// it accepted, parsed (mailparser), and refuses recipients as told: `refuse(address, 451, n)` answers 451 to the
// first n attempts, `refuse(address, 550)` always. `holdNext()` keeps the next message's DATA unanswered until the
// test releases it: the message is in the mailbox, the client does not know yet (the crash window).
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface Received {
  /** Envelope recipients. */
  to: string[];
  mail: ParsedMail;
  header(name: string): string | undefined;
}

interface Refusal {
  code: number;
  remaining: number;
}

export interface TestSmtpServer {
  readonly port: number;
  readonly received: Received[];
  /** RCPT attempts answered with a refusal, per address. */
  readonly refused: Map<string, number>;
  refuse(address: string, code: number, times?: number): void;
  /**
   * Resolves once the next message (that `which` accepts) arrived: it is in `received`, its answer waits for
   * `release()`.
   */
  holdNext(which?: (mail: ParsedMail) => boolean): Promise<{ release(): void }>;
  close(): Promise<void>;
}

/** On `port` (a free one when 0). */
export async function startSmtpServer(port = 0): Promise<TestSmtpServer> {
  const received: Received[] = [];
  const refusals = new Map<string, Refusal>();
  const refused = new Map<string, number>();
  let hold: { which: (mail: ParsedMail) => boolean; resolve: (held: { release(): void }) => void } | undefined;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onRcptTo(address, _session, callback) {
      const r = refusals.get(address.address);
      if (r && r.remaining > 0) {
        r.remaining--;
        refused.set(address.address, (refused.get(address.address) ?? 0) + 1);
        const error = Object.assign(new Error(r.code >= 500 ? 'mailbox unavailable' : 'try again later'), { responseCode: r.code });
        callback(error);
        return;
      }
      callback();
    },
    onData(stream, session, callback) {
      simpleParser(stream).then(
        (mail) => {
          received.push({
            to: session.envelope.rcptTo.map((a) => a.address),
            mail,
            header: (name) => {
              const v = mail.headers.get(name.toLowerCase());
              return v === undefined ? undefined : typeof v === 'string' ? v : JSON.stringify(v);
            },
          });
          const h = hold?.which(mail) ? hold : undefined;
          if (h) {
            hold = undefined;
            h.resolve({ release: () => callback() });
          } else {
            callback();
          }
        },
        (e: Error) => callback(e),
      );
    },
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()));
  return {
    port: (server.server.address() as AddressInfo).port,
    received,
    refused,
    refuse: (address, code, times = Number.POSITIVE_INFINITY) => refusals.set(address, { code, remaining: times }),
    holdNext: (which = () => true) => new Promise((resolve) => (hold = { which, resolve })),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
