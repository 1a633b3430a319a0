// The Kafka client and producers every service builds the same way: brokers, client id, SASL and TLS from config,
// logs through pino, and producers that never duplicate or reorder a record on retry.
//
// A broker that refuses the credentials, or a certificate the CA file does not verify, is a deployment mistake that
// no retry fixes: connect() then fails at once with a ConfigError naming the variable to fix (exit 2), instead of a
// kafkajs error retried for minutes. kafkajs itself fails SASL at once; a TLS failure it would retry like a broker
// that is down, hence one handshake of our own before a client's first connect.
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import kafkajs, {
  Partitioners,
  type Admin,
  type AdminConfig,
  type Consumer,
  type ConsumerConfig,
  type Kafka,
  type KafkaConfig,
  type Producer,
  type ProducerConfig,
  type SASLOptions,
} from 'kafkajs';
import { ConfigError, type SaslMechanism } from '../config.ts';
import type { Logger } from '../logger.ts';
import { kafkaLogCreator, kafkaLogLevel } from '../logger.ts';

export interface KafkaClientConfig {
  KAFKA_BROKERS: readonly string[];
  KAFKA_CLIENT_ID: string;
  KAFKA_SASL_MECHANISM?: SaslMechanism | undefined;
  KAFKA_SASL_USERNAME?: string | undefined;
  KAFKA_SASL_PASSWORD?: string | undefined;
  KAFKA_TLS?: boolean;
  KAFKA_TLS_CA_FILE?: string | undefined;
  KAFKA_TLS_CERT_FILE?: string | undefined;
  KAFKA_TLS_KEY_FILE?: string | undefined;
}

const TLS_CHECK_TIMEOUT_MS = 5000;

/** The TLS options of the config (file contents read now), or undefined for plaintext. */
export function kafkaTlsOptions(config: KafkaClientConfig): ConnectionOptions | undefined {
  if (!config.KAFKA_TLS) return undefined;
  return {
    ...(config.KAFKA_TLS_CA_FILE ? { ca: readFileSync(config.KAFKA_TLS_CA_FILE) } : {}),
    ...(config.KAFKA_TLS_CERT_FILE ? { cert: readFileSync(config.KAFKA_TLS_CERT_FILE) } : {}),
    ...(config.KAFKA_TLS_KEY_FILE ? { key: readFileSync(config.KAFKA_TLS_KEY_FILE) } : {}),
  };
}

function saslOptions(config: KafkaClientConfig): SASLOptions | undefined {
  const { KAFKA_SASL_MECHANISM: mechanism, KAFKA_SASL_USERNAME: username = '', KAFKA_SASL_PASSWORD: password = '' } = config;
  return mechanism === undefined ? undefined : { mechanism, username, password };
}

/** A Kafka whose admin, producers and consumers explain credential and certificate failures (see the header). */
class Client extends kafkajs.Kafka {
  private tlsChecked: Promise<void> | undefined;

  constructor(
    private readonly config: KafkaClientConfig,
    private readonly ssl: ConnectionOptions | undefined,
    options: KafkaConfig,
  ) {
    super(options);
  }

  override producer(config?: ProducerConfig): Producer {
    return this.explained(super.producer(config));
  }

  override consumer(config: ConsumerConfig): Consumer {
    return this.explained(super.consumer(config));
  }

  override admin(config?: AdminConfig): Admin {
    return this.explained(super.admin(config));
  }

  private explained<C extends { connect(): Promise<void> }>(client: C): C {
    const connect = client.connect.bind(client);
    client.connect = async () => {
      if (this.ssl) {
        // Once for all the clients of this Kafka; a failed check (a wrong CA) is made again at the next connect.
        this.tlsChecked ??= checkTls(this.config, this.ssl).catch((e: unknown) => {
          this.tlsChecked = undefined;
          throw e;
        });
        await this.tlsChecked;
      }
      try {
        await connect();
      } catch (e) {
        throw explainKafkaError(e, this.config) ?? e;
      }
    };
    return client;
  }
}

export function createKafka(config: KafkaClientConfig, logger: Logger): Kafka {
  const ssl = kafkaTlsOptions(config);
  const sasl = saslOptions(config);
  return new Client(config, ssl, {
    clientId: config.KAFKA_CLIENT_ID,
    brokers: [...config.KAFKA_BROKERS],
    ...(ssl ? { ssl } : {}),
    ...(sasl ? { sasl } : {}),
    logLevel: kafkaLogLevel(logger),
    logCreator: kafkaLogCreator(logger),
    // Connection-level retries: ride out a broker restart (~30 s) before an operation fails to the caller.
    retry: { initialRetryTime: 300, maxRetryTime: 10_000, retries: 8 },
  });
}

/** The ConfigError a connect failure means, naming the variable to fix; undefined when it is not a config problem. */
export function explainKafkaError(error: unknown, config: KafkaClientConfig): ConfigError | undefined {
  for (let e = error; e instanceof Error; e = (e as { cause?: unknown }).cause) {
    if (!(e instanceof kafkajs.KafkaJSSASLAuthenticationError)) continue;
    const mechanism = config.KAFKA_SASL_MECHANISM?.toUpperCase() ?? 'SASL';
    if (/not supported/i.test(e.message)) {
      return new ConfigError([`KAFKA_SASL_MECHANISM=${config.KAFKA_SASL_MECHANISM}: the broker does not offer ${mechanism} (${e.message})`]);
    }
    return new ConfigError([
      `KAFKA_SASL_PASSWORD: the broker refused ${mechanism} authentication as KAFKA_SASL_USERNAME=${JSON.stringify(config.KAFKA_SASL_USERNAME)} ` +
        '(a wrong password, or no such user)',
    ]);
  }
  return undefined;
}

// Node's codes for a certificate that does not verify.
const UNTRUSTED = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'UNABLE_TO_GET_ISSUER_CERT', 'CERT_SIGNATURE_FAILURE', 'CERT_UNTRUSTED',
  'CERT_REJECTED', 'CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID',
]);

type Handshake = { kind: 'ok' } | { kind: 'unreachable' } | { kind: 'refused'; problem: string };

function handshake(broker: string, ssl: ConnectionOptions, config: KafkaClientConfig): Promise<Handshake> {
  const at = broker.lastIndexOf(':');
  const host = broker.slice(0, at).replace(/^\[(.*)\]$/, '$1');
  const port = Number(broker.slice(at + 1));
  return new Promise((resolve) => {
    const socket = tlsConnect({ host, port, ...(isIP(host) ? {} : { servername: host }), ...ssl, timeout: TLS_CHECK_TIMEOUT_MS });
    const done = (outcome: Handshake) => {
      socket.destroy();
      resolve(outcome);
    };
    socket.once('secureConnect', () => done({ kind: 'ok' }));
    socket.once('timeout', () => done({ kind: 'unreachable' }));
    socket.once('error', (e: NodeJS.ErrnoException) => {
      const code = e.code ?? '';
      const why = `${code}: ${e.message}`;
      if (UNTRUSTED.has(code)) {
        done({
          kind: 'refused',
          problem: config.KAFKA_TLS_CA_FILE
            ? `KAFKA_TLS_CA_FILE=${JSON.stringify(config.KAFKA_TLS_CA_FILE)} does not verify the certificate of the broker at ${broker} (${why})`
            : `KAFKA_TLS_CA_FILE is not set and the system CAs do not verify the certificate of the broker at ${broker} (${why}): ` +
              'set KAFKA_TLS_CA_FILE to the CA that signed it',
        });
      } else if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
        done({ kind: 'refused', problem: `KAFKA_BROKERS: the certificate of the broker at ${broker} is not for that name (${why})` });
      } else if (/wrong version number|packet length too long|unknown protocol/i.test(e.message)) {
        done({ kind: 'refused', problem: `KAFKA_TLS=true but the broker at ${broker} does not speak TLS there (${why})` });
      } else {
        done({ kind: 'unreachable' });
      }
    });
  });
}

/**
 * One TLS handshake with the bootstrap brokers, in order, until one completes: a certificate refused is a
 * ConfigError; brokers that do not answer are left to kafkajs' own retries (they may be starting).
 */
async function checkTls(config: KafkaClientConfig, ssl: ConnectionOptions): Promise<void> {
  for (const broker of config.KAFKA_BROKERS) {
    const outcome = await handshake(broker, ssl, config);
    if (outcome.kind === 'ok') return;
    if (outcome.kind === 'refused') throw new ConfigError([outcome.problem]);
  }
}

/**
 * An idempotent producer: the broker de-duplicates its retries by sequence number, so a retried send is written
 * once. It retries without limit (a send given up on could be duplicated by the caller's retry), kafkajs rejects any
 * acks but -1 (send's default), and one request in flight keeps the sequence numbers in the order kafkajs assigned
 * them. The partitioner is the Java client's murmur2, so a customerId lands where any other Kafka client puts it.
 */
export function createIdempotentProducer(kafka: Kafka): Producer {
  return kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    retry: { retries: Number.MAX_SAFE_INTEGER },
    createPartitioner: Partitioners.DefaultPartitioner,
    allowAutoTopicCreation: false,
  });
}
