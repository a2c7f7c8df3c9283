/**
 * The layers' one direction of dependency (DESIGN.md): services know nothing of HTTP, the engine
 * does no I/O and knows neither services, store nor HTTP, the store knows neither rules logic nor
 * HTTP. Read from the source's import statements, so a new file is covered the day it is added.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = resolve(__dirname, '../../src');

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? filesUnder(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** Every module specifier a file imports: static, re-exported or dynamic. */
export function importsOf(source: string): string[] {
  const out: string[] = [];
  const re = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|(?:^|\n)\s*import\s*['"]([^'"]+)['"]/g;
  for (const m of source.matchAll(re)) out.push((m[1] ?? m[2] ?? m[3])!);
  return out;
}

/** A relative import resolved to its folder under src/ ('http', 'store', …); a package stays as it is. */
function target(file: string, spec: string): string {
  if (!spec.startsWith('.')) return spec;
  const rel = relative(SRC, resolve(dirname(file), spec));
  return rel.startsWith('..') ? rel : rel.split(/[\\/]/)[0]!;
}

interface Wall {
  layer: string;
  forbidden: (t: string) => boolean;
  why: string;
}

const NODE_IO = /^(node:)?(fs|fs\/promises|net|http|https|child_process|worker_threads|dgram|dns|tls|cluster)$/;
const walls: Wall[] = [
  { layer: 'services', forbidden: (t) => t === 'http' || t.startsWith('fastify') || t.startsWith('@fastify/'), why: 'services know nothing of HTTP' },
  {
    layer: 'engine',
    forbidden: (t) =>
      ['services', 'store', 'http', 'console', 'jobs'].includes(t) ||
      NODE_IO.test(t) ||
      /^(fastify|@fastify\/|drizzle-orm|pg$|pg\/|@electric-sql\/|pino)/.test(t),
    why: 'the engine is pure: no I/O, no services, store or HTTP',
  },
  { layer: 'store', forbidden: (t) => ['engine', 'http', 'services', 'console'].includes(t) || /^(fastify|@fastify\/)/.test(t), why: 'the store knows no rules logic and no HTTP' },
];

describe('layer walls', () => {
  it('the import scanner sees static, type, re-export and dynamic imports', () => {
    const src = [
      "import type { A } from '../http/access.js';",
      "import { b } from 'fastify';",
      "export { c } from './c.js';",
      "const d = await import('../store/db.js');",
      "import 'node:fs';",
    ].join('\n');
    expect(new Set(importsOf(src))).toEqual(new Set(['../http/access.js', 'fastify', './c.js', 'node:fs', '../store/db.js']));
  });

  for (const wall of walls) {
    it(`${wall.layer}: ${wall.why}`, () => {
      const files = filesUnder(join(SRC, wall.layer));
      expect(files.length).toBeGreaterThan(0);
      const breaches = files.flatMap((file) =>
        importsOf(readFileSync(file, 'utf8'))
          .filter((spec) => wall.forbidden(target(file, spec)))
          .map((spec) => `${relative(SRC, file)} imports ${spec}`),
      );
      expect(breaches).toEqual([]);
    });
  }

  it('a breach is caught: an http import from a services file would fail the wall', () => {
    const file = join(SRC, 'services', 'example.ts');
    expect(walls[0]!.forbidden(target(file, '../http/access.js'))).toBe(true);
    expect(walls[1]!.forbidden(target(join(SRC, 'engine', 'x.ts'), 'node:fs/promises'))).toBe(true);
    expect(walls[2]!.forbidden(target(join(SRC, 'store', 'x.ts'), '../engine/index.js'))).toBe(true);
  });
});
