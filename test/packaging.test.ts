// The build and the image, checked by reading them (Docker does not run here): the start scripts run node on modules
// the build makes, the run-time files the code opens are copied into dist/, every package the shipped code imports is
// a production dependency, and the Dockerfile builds in two stages and runs node under tini as the node user.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ASSETS } from '../tools/build/dist.ts';
import { buildConfig, buildsSource, ROOT, sourceOfBuilt, sourcesUnder } from './packaging.ts';
import { SERVICE_NODE_FLAGS } from '../shared/node-flags.ts';

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

/** Code that ships or runs in production: everything but tests, their helpers and benchmarks. */
// The demo runs from the repository with the dev dependencies (npm run demo, through tsx; its SMTP sink is the
// notifications tests' smtp-server) and is not built: not shipped.
const isRuntimeSource = (path: string): boolean =>
  !/(^|\/)(test|bench)\//.test(path) && !/\.(test|bench)\.ts$/.test(path) && path !== 'shared/pg/testing.ts' && !path.startsWith('tools/demo/');
const runtimeSources = sourcesUnder('services', 'shared', 'tools').filter(isRuntimeSource);

/** The packages a module loads at run time: static and dynamic imports and re-exports, not `import type`. */
function importedPackages(text: string): string[] {
  const specifiers = [
    ...text.matchAll(/^\s*(?:import|export)(?!\s+type\s)[^'";]*?\sfrom\s*['"]([^'"]+)['"]/gm),
    ...text.matchAll(/^\s*import\s*['"]([^'"]+)['"]/gm),
    ...text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g),
  ].map((m) => m[1]!);
  return specifiers
    .filter((s) => !s.startsWith('.') && !s.startsWith('node:'))
    .map((s) => (s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : s.split('/')[0]!));
}

describe('npm run build', () => {
  it('compiles with the .ts imports rewritten to .js, into dist/, without the tests', () => {
    const o = buildConfig.compilerOptions;
    expect(o.rewriteRelativeImportExtensions).toBe(true);
    expect(o.noEmit).toBe(false);
    expect(o.outDir).toBe('dist');
    expect(o.rootDir).toBe('.');
    expect(pkg.scripts.build).toContain('tsc -p tsconfig.build.json');
    for (const test of ['services/exposure/test/exposure.property.test.ts', 'shared/test/config.test.ts', 'test/docker-compose.test.ts']) {
      expect(buildsSource(test), test).toBe(false);
    }
  });

  it('has a start script per service and shipped tool, running plain node on a module the build makes', () => {
    const starts = Object.entries(pkg.scripts).filter(([name]) => name.startsWith('start:'));
    expect(starts.map(([name]) => name)).toEqual(expect.arrayContaining(['start:exposure', 'start:delinquency', 'start:reporting', 'start:simulator']));
    for (const [name, script] of starts) {
      const m = /^node ((?:--\S+ )*)(dist\/\S+\.js)$/.exec(script);
      expect(m, `${name}: ${script}`).not.toBeNull();
      // A service runs with the services' Node flags; a tool with none.
      const flags = m![1]!.trim().split(' ').filter((f) => f !== '');
      expect(flags, name).toEqual(m![2]!.startsWith('dist/services/') ? SERVICE_NODE_FLAGS : []);
      const source = sourceOfBuilt(m![2]!);
      expect(existsSync(join(ROOT, source)), `${name}: ${source}`).toBe(true);
      expect(buildsSource(source), `${name}: ${source} is not in tsconfig.build.json`).toBe(true);
    }
  });

  it('copies every file the shipped code opens next to its module (new URL(…, import.meta.url))', () => {
    const opened: string[] = [];
    for (const file of runtimeSources.filter(buildsSource)) {
      const text = readFileSync(join(ROOT, file), 'utf8');
      for (const m of text.matchAll(/new URL\(\s*['"`]([^'"`$]+)['"`]\s*,\s*import\.meta\.url\s*\)/g)) {
        opened.push(posix.normalize(posix.join(dirname(file), m[1]!)).replace(/\/$/, ''));
      }
    }
    expect(opened.length).toBeGreaterThan(0);
    for (const path of opened) {
      expect(ASSETS.some((a) => path === a.dir || path.startsWith(`${a.dir}/`)), `${path} is opened at run time but not copied to dist/`).toBe(true);
    }
    for (const a of ASSETS) expect(existsSync(join(ROOT, a.readBy)), a.readBy).toBe(true);
  });

  it('has every package that shipped code imports in dependencies, not only in devDependencies', () => {
    expect(runtimeSources.length).toBeGreaterThan(20);
    const missing = new Set<string>();
    for (const file of runtimeSources) {
      for (const name of importedPackages(readFileSync(join(ROOT, file), 'utf8'))) {
        if (!(name in pkg.dependencies)) missing.add(`${name} (${file})`);
      }
    }
    expect([...missing]).toEqual([]);
  });
});

describe('Dockerfile', () => {
  const stages = readFileSync(join(ROOT, 'Dockerfile'), 'utf8')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.trimStart().startsWith('#'))
    .reduce<string[][]>((acc, line) => {
      if (/^FROM\s/i.test(line)) acc.push([]);
      acc.at(-1)?.push(line.trim());
      return acc;
    }, []);
  const build = stages[0] ?? [];
  const runtime = stages.at(-1) ?? [];
  const has = (stage: string[], re: RegExp) => stage.some((l) => re.test(l));

  it('builds in a stage with the dev dependencies', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(build[0]).toMatch(/^FROM node:22\S* AS (\w+)$/i);
    expect(has(build, /^RUN npm ci(?!.*--omit=dev)/)).toBe(true);
    expect(has(build, /^RUN npm run build$/)).toBe(true);
    expect(has(build, /^ENV NODE_ENV=production/)).toBe(false);
  });

  it('runs the build with production dependencies only, as the node user, under tini', () => {
    const buildName = /AS (\w+)$/i.exec(build[0]!)![1]!;
    expect(runtime[0]).toMatch(/^FROM node:22/);
    expect(has(runtime, /^RUN npm ci --omit=dev/)).toBe(true);
    expect(has(runtime, new RegExp(`^COPY --from=${buildName} /app/dist \\./dist$`))).toBe(true);
    expect(has(runtime, /apt-get install .*\btini\b/)).toBe(true);
    expect(has(runtime, /^USER node$/)).toBe(true);
    expect(runtime.find((l) => l.startsWith('ENTRYPOINT'))).toBe('ENTRYPOINT ["/usr/bin/tini", "--"]');
    expect(runtime.find((l) => l.startsWith('ENV NODE_OPTIONS='))).toBe(`ENV NODE_OPTIONS=${SERVICE_NODE_FLAGS.join(' ')}`);
    const cmd = JSON.parse(runtime.find((l) => l.startsWith('CMD'))!.slice(3)) as string[];
    expect(cmd[0]).toBe('node');
    expect(buildsSource(sourceOfBuilt(cmd[1]!))).toBe(true);
  });

  it('copies only what exists and what .dockerignore lets into the build context', () => {
    const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#'));
    expect(ignored).toEqual(expect.arrayContaining(['node_modules', 'dist', '.git']));
    for (const line of build.filter((l) => l.startsWith('COPY '))) {
      const sources = line.split(/\s+/).slice(1, -1);
      for (const s of sources) {
        expect(existsSync(join(ROOT, s)), s).toBe(true);
        expect(ignored, s).not.toContain(s.replace(/^\.\//, ''));
      }
    }
  });
});
