import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';

interface ComposeService {
  image?: string;
  build?: unknown;
  command?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
}
const compose = parse(readFileSync(new URL('../docker-compose.yml', import.meta.url), 'utf8'), { merge: true }) as {
  services: Record<string, ComposeService>;
};
const svc = (name: string): ComposeService => {
  const s = compose.services[name];
  if (!s) throw new Error(`docker-compose.yml has no service ${name}`);
  return s;
};

describe('docker-compose.yml', () => {
  it('runs Kafka in KRaft mode as broker and controller', () => {
    const kafka = svc('kafka');
    expect(kafka.image).toMatch(/^apache\/kafka:3\.9/);
    expect(kafka.environment?.KAFKA_PROCESS_ROLES).toBe('broker,controller');
    expect(kafka.environment?.KAFKA_CONTROLLER_QUORUM_VOTERS).toMatch(/^1@kafka:9093$/);
  });

  it('runs a Confluent-compatible schema registry, Redis with persistence, Postgres, Prometheus and Grafana', () => {
    expect(svc('schema-registry').image).toMatch(/apicurio-registry/);
    expect(svc('redis').command).toContain('--appendonly');
    expect(svc('postgres').image).toMatch(/^postgres:/);
    expect(svc('prometheus').volumes?.some((v) => v.includes('prometheus.yml'))).toBe(true);
    const grafana = svc('grafana').volumes ?? [];
    expect(grafana.some((v) => v.startsWith('./grafana/provisioning'))).toBe(true);
    expect(grafana.some((v) => v.startsWith('./grafana/dashboards'))).toBe(true);
  });

  it.each(['exposure', 'delinquency', 'reporting'])('runs the %s service with the environment it needs', (name) => {
    const s = svc(name);
    expect(s.build).toBeDefined();
    expect(s.command?.join(' ')).toContain(`services/${name}/src/main.ts`);
    for (const v of ['KAFKA_BROKERS', 'SCHEMA_REGISTRY_URL', 'REDIS_URL', 'DATABASE_URL', 'HTTP_PORT']) {
      expect(s.environment?.[v], `${name} ${v}`).toBeTruthy();
    }
    expect(s.environment?.SCHEMA_REGISTRY_URL).toMatch(/\/apis\/ccompat\/v7$/);
    expect(s.environment?.KAFKA_BROKERS).toBe('kafka:9092');
  });

  it('scrapes every service that Prometheus is told about', () => {
    const prom = readFileSync(new URL('../stack/docker/prometheus.yml', import.meta.url), 'utf8');
    for (const name of ['exposure', 'delinquency', 'reporting']) {
      expect(prom).toContain(`${name}:${svc(name).environment?.HTTP_PORT}`);
    }
  });
});
