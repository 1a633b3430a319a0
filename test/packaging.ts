// What the build makes of the repository, for the tests that check the start scripts, the Dockerfile and
// docker-compose.yml against it: which sources tsconfig.build.json compiles, and the source of a built module.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));

const buildConfig = JSON.parse(readFileSync(join(ROOT, 'tsconfig.build.json'), 'utf8')) as {
  compilerOptions: Record<string, unknown>;
  include: string[];
  exclude: string[];
};
export { buildConfig };

/** tsconfig's wildcards: `**` any folders, `*` within one path segment; an entry also matches what is under it. */
function pattern(glob: string): RegExp {
  const body = glob
    .split('/')
    .map((seg) => (seg === '**' ? '(?:.+/)?' : `${seg.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')}/`))
    .join('')
    .replace(/\(\?:\.\+\/\)\?$/, '.*');
  return new RegExp(`^${body.replace(/\/$/, '')}(?:/.*)?$`);
}
const includes = buildConfig.include.map(pattern);
const excludes = buildConfig.exclude.map(pattern);

/** Whether `npm run build` compiles this repository-relative .ts file (as a root; imports are compiled too). */
export function buildsSource(path: string): boolean {
  return path.endsWith('.ts') && includes.some((r) => r.test(path)) && !excludes.some((r) => r.test(path));
}

/** `dist/services/x/src/main.js` → `services/x/src/main.ts`. */
export function sourceOfBuilt(script: string): string {
  const m = /^dist\/(.+)\.js$/.exec(script);
  if (!m) throw new Error(`${script} is not a module of dist/`);
  return `${m[1]}.ts`;
}

/** Every .ts file under the given repository folders, repository-relative with `/`. */
export function sourcesUnder(...dirs: string[]): string[] {
  return dirs.flatMap((dir) =>
    readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.ts') && !f.split(sep).includes('node_modules'))
      .map((f) => relative(ROOT, join(ROOT, dir, f)).split(sep).join('/')),
  );
}
