/**
 * Realistic stored screenings without the engine: rows shaped as ScreeningService writes them,
 * inserted through the real ScreeningWriter (shared audit-write lock, idempotency handling).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import { canonicalJson, sha256Hex } from '../../src/store/canonical.js';
import { openDatabase, type Database } from '../../src/store/db.js';
import type { ScreeningRow } from '../../src/store/screenings-repo.js';
import type { StorageConfig } from '../../src/config.js';

export interface ScreeningSpec {
  reference?: string;
  decision?: 'CLEAR' | 'REVIEW' | 'LICENSE_REQUIRED' | 'BLOCK';
  createdAt?: string;
  destination?: string;
  via?: string[];
  parties?: Array<{ role: string; name: string; country: string }>;
  chip?: { model: string; catalogId: string; eccn: string | null };
  flags?: Array<{ ruleId: string; category: string; severity?: string }>;
  apiKeyId?: string | null;
  idempotencyKey?: string | null;
}

const normalise = (s: string) =>
  s
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9\u00C0-\uFFFF]+/g, ' ')
    .trim();

export function screeningRow(spec: ScreeningSpec = {}): ScreeningRow {
  const id = randomUUID();
  const reference = spec.reference ?? `SO-${Math.floor(Math.random() * 1e6)}`;
  const createdAt = spec.createdAt ?? new Date().toISOString();
  const destination = spec.destination ?? 'SG';
  const via = spec.via ?? [];
  const parties = spec.parties ?? [{ role: 'buyer', name: 'Example Cloud Pte. Ltd.', country: destination }];
  const chip = spec.chip ?? { model: 'NVIDIA H800 SXM5 80GB', catalogId: 'nvidia-h800-sxm5', eccn: '3A090.a' };
  const flags = (spec.flags ?? [{ ruleId: 'ITEM-3A090A', category: 'item' }]).map((f) => ({
    ruleId: f.ruleId,
    category: f.category,
    severity: f.severity ?? 'high',
    decision: spec.decision ?? 'LICENSE_REQUIRED',
    message: `${f.ruleId} fired`,
    citation: '15 CFR 742.6(a)(6)(iii)',
    subject: 'items[0]',
    evidence: { destination },
  }));
  const input = {
    reference,
    shipDate: createdAt.slice(0, 10),
    items: [{ model: chip.model, quantity: 16 }],
    parties,
    route: { origin: 'US', via, destination },
  };
  const decision = spec.decision ?? 'LICENSE_REQUIRED';
  const ruleset = { version: '2026.11.0', hash: 'sha256:4f2a' };
  const countries = [...new Set(['US', destination, ...via, ...parties.map((p) => p.country)])].sort();
  return {
    id,
    reference,
    createdAt,
    shipDate: createdAt.slice(0, 10),
    decision,
    riskScore: decision === 'CLEAR' ? 0 : 70,
    destination,
    countries,
    ruleIds: [...new Set(flags.map((f) => f.ruleId))],
    flagCategories: [...new Set(flags.map((f) => f.category))],
    partyNames: parties.map((p) => normalise(p.name)).join(' | '),
    chipModels: [chip.catalogId, chip.model],
    eccns: chip.eccn ? [chip.eccn] : [],
    rulesetVersion: ruleset.version,
    rulesetHash: ruleset.hash,
    request: input,
    result: {
      id,
      reference,
      decision,
      riskScore: decision === 'CLEAR' ? 0 : 70,
      flags,
      items: [{ index: 0, model: chip.model, catalogId: chip.catalogId, eccn: chip.eccn, tpp: 15832, performanceDensity: 19.45, basis: 'catalog', licenseRequired: decision !== 'CLEAR' }],
      parties: parties.map((p, index) => ({ index, role: p.role, matches: [] })),
      ruleset,
      screenedAt: createdAt,
    },
    requestHash: sha256Hex(canonicalJson(input)),
    idempotencyScope: spec.apiKeyId ?? '',
    idempotencyKey: spec.idempotencyKey ?? null,
    apiKeyId: spec.apiKeyId ?? null,
  };
}

export const PG_URL = process.env.TEST_DATABASE_URL;
export const onPostgres = !!PG_URL;

/**
 * Same as tests/helpers/app.ts's freshStorage (a throwaway Postgres database or in-memory PGlite),
 * repeated here so store-level tests do not load the whole app.
 */
export async function freshStorage(): Promise<{ storage: StorageConfig; drop(): Promise<void> }> {
  if (!PG_URL) return { storage: { kind: 'pglite-memory' }, drop: async () => {} };
  const name = `${new URL(PG_URL).pathname.slice(1)}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const url = new URL(PG_URL);
  url.pathname = `/${name}`;
  return {
    storage: { kind: 'postgres', url: url.toString() },
    drop: async () => {
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await c.end();
    },
  };
}

export interface TestDb {
  database: Database;
  /** The Postgres URL of this test database (null on PGlite). */
  url: string | null;
  /** Another connection pool to the same database (Postgres), or the same handle (PGlite). */
  connect(): Promise<Database>;
  close(): Promise<void>;
}

/** A migrated database of its own: in-memory PGlite, or a fresh Postgres database. */
export async function testDb(): Promise<TestDb> {
  const store = await freshStorage();
  const database = await openDatabase(store.storage);
  await database.migrate();
  const extra: Database[] = [];
  return {
    database,
    url: store.storage.kind === 'postgres' ? store.storage.url : null,
    connect: async () => {
      if (store.storage.kind !== 'postgres') return database;
      const d = await openDatabase(store.storage);
      extra.push(d);
      return d;
    },
    close: async () => {
      for (const d of extra) await d.close();
      await database.close();
      await store.drop();
    },
  };
}

