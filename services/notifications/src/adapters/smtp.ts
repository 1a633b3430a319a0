// Sending one notice by SMTP (nodemailer): the notice id is the Message-ID, so a mail client or an archive can drop
// the copy a crash may cause; the e-mail's Date is the notice's event time, so that copy is identical too.
import nodemailer, { type Transporter } from 'nodemailer';
import type { NoticeEvent } from './emit.ts';

export interface SmtpSettings {
  host: string;
  port: number;
  secure: boolean;
  username?: string | undefined;
  password?: string | undefined;
  from: string;
  messageIdDomain: string;
  timeoutMs: number;
}

/** How an attempt failed: the server refused it for good, refused it for now, or could not be reached at all. */
export type SendFailure = 'permanent' | 'transient' | 'unavailable';

export class SendError extends Error {
  constructor(
    readonly failure: SendFailure,
    message: string,
  ) {
    super(message);
    this.name = 'SendError';
  }
}

/** An SMTP reply code decides: 5xx permanent, 4xx transient; no reply (refused, reset, timed out) unavailable. */
export function classify(error: unknown): SendError {
  const e = error as { responseCode?: number; message?: string; code?: string };
  const message = (e.message ?? String(error)).slice(0, 500);
  if (typeof e.responseCode === 'number') return new SendError(e.responseCode >= 500 ? 'permanent' : 'transient', message);
  return new SendError('unavailable', `${e.code ?? 'error'}: ${message}`);
}

export const messageIdOf = (noticeId: string, domain: string): string => `<${noticeId}@${domain}>`;

export class SmtpSender {
  private readonly transport: Transporter;

  constructor(private readonly s: SmtpSettings) {
    this.transport = nodemailer.createTransport({
      host: s.host,
      port: s.port,
      secure: s.secure,
      ...(s.username !== undefined ? { auth: { user: s.username, pass: s.password ?? '' } } : {}),
      connectionTimeout: s.timeoutMs,
      greetingTimeout: s.timeoutMs,
      socketTimeout: s.timeoutMs,
    });
  }

  /** Resolves once the server accepted the message; throws a SendError otherwise. */
  async send(n: NoticeEvent): Promise<void> {
    const p = n.payload;
    if (p.recipient === null) throw new SendError('permanent', 'no recipient');
    try {
      await this.transport.sendMail({
        from: this.s.from,
        to: p.recipient,
        subject: p.subject,
        text: p.body,
        messageId: messageIdOf(n.eventId, this.s.messageIdDomain),
        date: new Date(n.occurredAt),
        headers: {
          'Content-Language': p.language,
          'X-O2C-Notice-Id': n.eventId,
          'X-O2C-Notice-Type': p.noticeType,
          'X-O2C-Customer-Id': n.customerId,
        },
      });
    } catch (error) {
      throw classify(error);
    }
  }

  close(): void {
    this.transport.close();
  }
}
