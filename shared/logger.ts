// pino JSON logs for every service, kafkajs' own logs included. Conventions: no payloads at info, no secrets: fields
// named like secrets are censored, and passwords inside URLs and every secret the config loaded (see maskSecrets)
// are masked wherever they appear in a log line, a library's error message included.
import { pino, type Logger, type LevelWithSilent } from 'pino';
import { logLevel as KafkaLogLevel, type logCreator } from 'kafkajs';
import { LOG_LEVELS, maskSecrets } from './config.ts';

export type { Logger } from 'pino';

const SECRET_KEYS = ['password', 'passwd', 'secret', 'token', 'apiKey', 'authorization', 'sasl'];

/** Masks secrets in every string of a logged object (bounded depth: log objects are small). */
function maskDeep(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return maskSecrets(value);
  if (depth > 5 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => maskDeep(v, depth + 1));
  if (value instanceof Error || Buffer.isBuffer(value)) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskDeep(v, depth + 1)]));
}

/**
 * The default level: LOG_LEVEL when it is a level, silent under vitest (tests run quiet unless asked), else info.
 * A bad LOG_LEVEL must not stop the logger that reports it: loadConfig names it in the ConfigError.
 */
function defaultLevel(): LevelWithSilent {
  const fromEnv = process.env.LOG_LEVEL as LevelWithSilent | undefined;
  if (fromEnv && LOG_LEVELS.includes(fromEnv)) return fromEnv;
  return process.env.VITEST ? 'silent' : 'info';
}

export interface LoggerOptions {
  level?: LevelWithSilent;
  /** Where JSON lines go; stdout by default. Tests pass a stream to read them. */
  destination?: pino.DestinationStream;
}

export function createLogger(service: string, opts: LoggerOptions = {}): Logger {
  const options: pino.LoggerOptions = {
    level: opts.level ?? defaultLevel(),
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: SECRET_KEYS.flatMap((k) => [k, `*.${k}`]),
      censor: '[redacted]',
    },
    formatters: {
      level: (label) => ({ level: label }),
      log: (obj) => maskDeep(obj) as Record<string, unknown>,
    },
    hooks: {
      logMethod(args, method) {
        const masked = args.map((a: unknown) => (typeof a === 'string' ? maskSecrets(a) : a));
        method.apply(this, masked as Parameters<typeof method>);
      },
    },
    serializers: {
      err: (e: unknown) => maskDeep(pino.stdSerializers.err(e as Error)),
    },
  };
  return opts.destination ? pino(options, opts.destination) : pino(options);
}

const fromKafka: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [KafkaLogLevel.ERROR]: 'error',
  [KafkaLogLevel.WARN]: 'warn',
  [KafkaLogLevel.INFO]: 'info',
  [KafkaLogLevel.DEBUG]: 'debug',
};

/** The kafkajs level that emits exactly what the pino logger would keep, so kafkajs does no wasted work. */
export function kafkaLogLevel(logger: Logger): KafkaLogLevel {
  if (logger.isLevelEnabled('debug')) return KafkaLogLevel.DEBUG;
  if (logger.isLevelEnabled('info')) return KafkaLogLevel.INFO;
  if (logger.isLevelEnabled('warn')) return KafkaLogLevel.WARN;
  if (logger.isLevelEnabled('error')) return KafkaLogLevel.ERROR;
  return KafkaLogLevel.NOTHING;
}

/** Routes kafkajs' logs through pino, keeping kafkajs' namespace (Consumer, Producer, Connection, ...). */
export function kafkaLogCreator(logger: Logger): logCreator {
  const kafkaLogger = logger.child({ component: 'kafkajs' });
  return () =>
    ({ namespace, level, log }) => {
      const method = fromKafka[level];
      if (!method) return;
      const { message, timestamp: _timestamp, ...fields } = log as { message: string; timestamp: string };
      kafkaLogger[method]({ namespace, ...fields }, message);
    };
}
