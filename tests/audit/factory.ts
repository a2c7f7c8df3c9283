/**
 * Realistic stored screenings without the engine: rows shaped as ScreeningService writes them,
 * inserted through the real ScreeningWriter (shared audit-write lock, idempotency handling).
 */
import { randomUUID } from 'node:crypto';
import { canonicalJson } from '../../src/canonical-json.js';
import { sha256Hex } from '../../src/store/canonical.js';
import { openDatabase, type Database } from '../../src/store/db.js';
import type { ScreeningRow } from '../../src/store/screenings-repo.js';
import { raisedCategories } from '../../src/services/screening-row.js';
import { PG_URL, freshStorage } from '../helpers/storage.js';

export interface ScreeningSpec {
  reference?: string;
  decision?: 'CLEAR' | 'REVIEW' | 'LICENSE_REQUIRED' | 'BLOCK';
  createdAt?: string;
  destination?: string;
  via?: string[];
  parties?: Array<{ role: string; name: string; country: string }>;
  chip?: { model: string; catalogId: string; eccn: string | null };
  /** A flag's decision defaults to the screening's; a check is severity info, decision CLEAR. */
  flags?: Array<{ ruleId: string; category: string; severity?: string; decision?: string }>;
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
    decision: f.decision ?? spec.decision ?? 'LICENSE_REQUIRED',
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
    raisedCategories: raisedCategories(flags),
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

export { PG_URL, freshStorage } from '../helpers/storage.js';
export const onPostgres = !!PG_URL;

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

