/**
 * For the person at the terminal (issue #9): `npm install` on the supported Node without engine
 * warnings, `.env` loaded when present (the environment still wins), readable logs on a TTY.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDotEnv } from '../../src/config.js';
import { loggerOptions } from '../../src/logger.js';

const root = path.resolve(import.meta.dirname, '../..');
const semver = createRequire(import.meta.url)('semver') as { satisfies(v: string, range: string): boolean };

describe('the terminal', () => {
  it('every locked package runs on the Node the project supports (no EBADENGINE on npm install)', () => {
    // What npm checks: the running Node (CI runs the supported one, Node 20), within package.json's range.
    const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { engines: { node: string } };
    const supported = process.versions.node;
    expect(semver.satisfies(supported, pkg.engines.node)).toBe(true);
    const lock = JSON.parse(readFileSync(path.join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version?: string; engines?: { node?: string } | string[] }> };
    const refusing = Object.entries(lock.packages)
      .filter(([, p]) => p.engines && !Array.isArray(p.engines) && p.engines.node && !semver.satisfies(supported, p.engines.node))
      .map(([name, p]) => `${name}@${p.version}: node ${(p.engines as { node: string }).node}`);
    expect(refusing).toEqual([]);
  });

  it('.env is loaded when present, without overriding the environment', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'chokepoint-dotenv-'));
    expect(loadDotEnv(dir)).toBeNull();
    writeFileSync(path.join(dir, '.env'), 'CHOKEPOINT_T_FROM_FILE=file\nCHOKEPOINT_T_PRESET=file\n');
    process.env.CHOKEPOINT_T_PRESET = 'environment';
    try {
      expect(loadDotEnv(dir)).toBe(path.join(dir, '.env'));
      expect(process.env.CHOKEPOINT_T_FROM_FILE).toBe('file');
      expect(process.env.CHOKEPOINT_T_PRESET).toBe('environment');
    } finally {
      delete process.env.CHOKEPOINT_T_FROM_FILE;
      delete process.env.CHOKEPOINT_T_PRESET;
    }
  });

  it('logs are pretty on a TTY and JSON otherwise', () => {
    expect(loggerOptions({ logLevel: 'info' }, true)).toMatchObject({ transport: { target: 'pino-pretty' } });
    expect(loggerOptions({ logLevel: 'info' }, false)).not.toHaveProperty('transport');
    expect(loggerOptions({ logLevel: 'silent' }, true)).toBe(false);
  });
});
