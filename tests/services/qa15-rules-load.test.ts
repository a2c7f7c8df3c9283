/**
 * QA 15: loading and reloading the rule table.
 * - a rule file saved in Latin-1 loaded, its accented letters turned into U+FFFD ("T\uFFFDrkiye");
 * - an unknown (misspelt) field was reported as "schema is false";
 * - POST /v1/rules/reload switched the ruleset, then the database failed: 503, and the activation was never
 *   recorded — not even by a retry once the database was back (the retry saw the same hash and did nothing);
 * - and what holds already: after a refused reload the last good ruleset stays ready and screens; with no valid
 *   ruleset the service is not ready and makes no decision.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRuleset, RulesetError } from '../../src/rules/index.js';
import { auditEvents } from '../../src/store/schema.js';
import { bearer, makeKeyedApp, TEST_ADMIN_KEY, type KeyedTestApp } from '../helpers/keys.js';
import { RULES_DIR } from '../helpers/ruleset.js';

function copyRules(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'qa15-rules-'));
  cpSync(RULES_DIR, dir, { recursive: true, filter: (src) => path.basename(src) !== 'lists' });
  return dir;
}
const edit = (dir: string, file: string, fn: (text: string) => string) => writeFileSync(path.join(dir, file), fn(readFileSync(path.join(dir, file), 'utf8')));

const SHIPMENT = {
  reference: 'QA15-1',
  shipDate: '2026-12-20',
  items: [{ model: 'NVIDIA H100 SXM5 80GB', quantity: 8 }],
  parties: [{ role: 'buyer', name: 'Nordlicht Rechenzentrum GmbH', country: 'DE', businessType: 'datacenter' }],
  route: { origin: 'US', destination: 'DE' },
  endUse: 'AI model training',
};

describe('loading the rule table (QA 15)', () => {
  it('refuses a rule file that is not UTF-8, naming it, instead of loading mangled names', async () => {
    const dir = copyRules();
    try {
      const file = path.join(dir, 'countries.yaml');
      const text = readFileSync(file, 'utf8');
      expect(text).toMatch(/[^\x00-\x7f]/); // it has non-ASCII names (Türkiye, Curaçao …)
      writeFileSync(file, Buffer.from(text, 'latin1'));
      const err = await loadRuleset(dir).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RulesetError);
      expect((err as RulesetError).file).toBe('countries.yaml');
      expect((err as Error).message).toMatch(/not valid UTF-8/);
      // The twin: the same file as UTF-8 with a BOM and CRLF line ends loads, with the same ruleset hash.
      const plain = await loadRuleset(RULES_DIR);
      writeFileSync(file, `\ufeff${text.replace(/\n/g, '\r\n')}`);
      expect((await loadRuleset(dir)).hash).toBe(plain.hash);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names an unknown field as such, with its path', async () => {
    const dir = copyRules();
    try {
      edit(dir, 'embargoes.yaml', (t) => t.replace(/(\n\s+)severity:/, '$1severty: high$1severity:'));
      const err = await loadRuleset(dir).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RulesetError);
      expect((err as Error).message).toBe('embargoes.yaml at /rules/0/severty: unknown field "severty" (not in the schema, or a key of the wrong form; misspelt?)');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('POST /v1/rules/reload and the database (QA 15)', () => {
  let dir: string;
  let a: KeyedTestApp;
  beforeAll(async () => {
    dir = copyRules();
    a = await makeKeyedApp({}, { loadRuleset: () => loadRuleset(dir), sealIntervalMs: 0 });
  });
  afterAll(async () => {
    await a.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const reload = () => a.app.inject({ method: 'POST', url: '/v1/rules/reload', headers: bearer(TEST_ADMIN_KEY) });
  const active = async () => (await a.app.inject({ method: 'GET', url: '/v1/rules', headers: bearer(TEST_ADMIN_KEY) })).json() as { version: string; hash: string };
  const activations = async () =>
    (await a.app.database.db.select().from(auditEvents).where(eq(auditEvents.type, 'ruleset.activated'))).map((e) => (e.payload as { hash: string }).hash);
  const screen = () => a.app.inject({ method: 'POST', url: '/v1/screenings', headers: bearer(a.keys.submitter.key), payload: SHIPMENT });

  it('a reload whose activation could not be recorded says so (503), and a retry once the database is back records it', async () => {
    edit(dir, 'ruleset.yaml', (t) => t.replace(/^version: .*$/m, "version: '2099.2.2-qa15'"));
    // The database refuses the activation's write as a read-only database would (SQLSTATE 25006).
    await a.app.database.db.execute(
      sql.raw(`create or replace function qa15_refuse() returns trigger language plpgsql as $$ begin raise exception 'cannot execute INSERT in a read-only transaction' using errcode = '25006'; end $$`),
    );
    await a.app.database.db.execute(sql.raw(`create trigger qa15_refuse before insert on audit_events for each row when (new.type = 'ruleset.activated') execute function qa15_refuse()`));
    let hash: string;
    try {
      const res = await reload();
      expect(res.statusCode, res.body).toBe(503);
      hash = (await active()).hash;
      expect((await active()).version).toBe('2099.2.2-qa15');
      expect(res.json().detail).toContain(hash);
      expect(res.json().detail).toMatch(/not recorded in the audit log/);
      expect(await activations()).not.toContain(hash);
    } finally {
      await a.app.database.db.execute(sql.raw('drop trigger qa15_refuse on audit_events'));
    }
    const again = await reload();
    expect(again.statusCode, again.body).toBe(200);
    expect(await activations()).toContain(hash);
    // Recorded once: a further reload of the same files records nothing new.
    expect((await reload()).statusCode).toBe(200);
    expect((await activations()).filter((h) => h === hash)).toHaveLength(1);
  });

  it('after a refused reload the last good ruleset stays ready and screens; nothing of the refused one is used', async () => {
    const good = await active();
    edit(dir, 'hubs.yaml', (t) => t.slice(0, Math.floor(t.length / 2)));
    const res = await reload();
    expect(res.statusCode).toBe(422);
    expect(res.json().detail).toMatch(/hubs\.yaml/);
    const ready = await a.app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json().ruleset).toEqual({ version: good.version, hash: good.hash });
    // Ready, but it says the files on disk did not load (a restart would not come up); no file names on a public route.
    expect(ready.json().checks.ruleset).toEqual({ ok: true, detail: 'the last reload was refused; the previous ruleset stays active' });
    const s = await screen();
    expect(s.statusCode, s.body).toBe(201);
    expect(s.json().ruleset.hash).toBe(good.hash);
    // Fixed files: the next reload clears it.
    cpSync(path.join(RULES_DIR, 'hubs.yaml'), path.join(dir, 'hubs.yaml'));
    expect((await reload()).statusCode).toBe(200);
    expect((await a.app.inject({ method: 'GET', url: '/readyz' })).json().checks.ruleset).toEqual({ ok: true });
  });
});

describe('no valid rule table at start (QA 15)', () => {
  it('is not ready and makes no decision', async () => {
    const dir = copyRules();
    edit(dir, 'red-flags.yaml', () => '');
    const t = await makeKeyedApp({}, { loadRuleset: () => loadRuleset(dir), sealIntervalMs: 0 });
    try {
      const ready = await t.app.inject({ method: 'GET', url: '/readyz' });
      expect(ready.statusCode).toBe(503);
      expect(ready.json().checks.ruleset).toEqual({ ok: false, detail: 'ruleset invalid' });
      const s = await t.app.inject({ method: 'POST', url: '/v1/screenings', headers: bearer(t.keys.submitter.key), payload: SHIPMENT });
      expect(s.statusCode).toBe(503);
      expect(s.json()).not.toHaveProperty('decision');
    } finally {
      await t.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
