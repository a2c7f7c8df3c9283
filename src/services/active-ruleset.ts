/**
 * The active ruleset, from files to decisions: load the rule table and the party lists from
 * RULES_DIR (fail closed), hold the one in force, record each activation in the audit log,
 * tell other replicas through LISTEN/NOTIFY and follow theirs, describe it (GET /v1/rules), and
 * run the pure engine over it. Nothing here knows HTTP.
 */
import { desc, eq, sql } from 'drizzle-orm';
import type { Config } from '../config.js';
import { unavailable } from '../errors.js';
import { classifyItems, screen } from '../engine/index.js';
import { listCacheDir, loadLists, type CacheLog } from '../lists/index.js';
import { loadRuleset, normaliseItems, normaliseShipment, type Ruleset } from '../rules/index.js';
import type { EngineResult, Flag, ItemResult, SuppressionRecord } from '../schemas/screening-result.js';
import type { NormalisedShipment, ShipmentInput, ShipmentItem } from '../schemas/shipment.js';
import type { LicenceCandidate } from '../schemas/licence.js';
import type { Database, Db } from '../store/db.js';
import { auditEvents } from '../store/schema.js';
import { recordRulesetActivation } from './audit.js';
import { canonicalJson } from '../canonical-json.js';
import { sha256Hex } from '../store/canonical.js';
import { encodeScreeningRow, type EncodedScreening } from '../store/screenings-repo.js';
import { screeningRow } from './screening-row.js';

// ---------------------------------------------------------------------------------------------
// Loading: any failure (invalid YAML, schema, hash mismatch, empty list) throws.

export interface RulesetLike {
  version: string;
  hash: string;
}

export type RulesetLoader<R extends RulesetLike> = () => Promise<R>;

/**
 * Loads the rule table and the party lists from RULES_DIR into one ruleset: the lists' sha256
 * values enter the ruleset hash and their publication dates the version, so every screening
 * records exactly which list data it met.
 */
export function createRulesetLoader(
  config: Pick<Config, 'rulesDir' | 'matchThreshold'>,
  /** Where lists/manifest.yaml lives when not in rulesDir (tests pin the shipped list this way). */
  opts: { listsDir?: string; cacheDir?: string | null; log?: CacheLog } = {},
): RulesetLoader<Ruleset> {
  const listsRoot = opts.listsDir ?? config.rulesDir;
  // The start cache of parsed lists + matcher index beside the data (LIST_CACHE_DIR, `off` for none).
  const cacheDir = opts.cacheDir !== undefined ? opts.cacheDir : listCacheDir(listsRoot);
  return async () => {
    const lists = await loadLists(listsRoot, { threshold: config.matchThreshold, cacheDir, log: opts.log });
    const rs = await loadRuleset(config.rulesDir, { lists: { sources: lists.sources, matcher: lists.matcher } });
    const listTag = lists.sources.map((s) => `${s.format.split('-')[0]}.${s.version ?? s.generatedAt ?? s.sha256.slice(0, 8)}`).join('+');
    return listTag ? { ...rs, version: `${rs.version}+${listTag}` } : rs;
  };
}

// ---------------------------------------------------------------------------------------------
// Holding: a ruleset that does not validate never becomes active; while none is active every
// screening answers 503.

/** A reload switched to `ruleset`, but what had to follow the switch (recording it) failed with `cause`. */
export class ActivationNotRecorded<R = unknown> extends Error {
  constructor(
    readonly ruleset: R,
    override readonly cause: unknown,
  ) {
    super(`the ruleset is active, but its activation could not be recorded: ${(cause as Error)?.message ?? String(cause)}`);
  }
}

export class RulesService<R extends RulesetLike> {
  private active: R | null = null;
  private lastError: string | null = null;
  /** The reload in progress (settled), which the next one waits for. */
  private reloading: Promise<unknown> = Promise.resolve();

  constructor(private readonly loader: RulesetLoader<R>) {}

  /**
   * Loads and activates a ruleset; on failure keeps the previous one and rethrows. Reloads run one at a time,
   * in the order they were asked for (an admin's POST /v1/rules/reload and another replica's NOTIFY can come
   * together): two loads running at once could finish out of order and leave the older table active. Each
   * load starts after the previous one ended, so the table that ends active is the one on disk when the last
   * reload started, or later.
   */
  reload(): Promise<R>;
  /**
   * `recordActivation` runs after the switch and before the next reload starts, so that activations are recorded
   * in the order they took effect (two admins' reloads at once used to be able to record the older table last). It
   * failing does not undo the switch: the promise rejects with an ActivationNotRecorded naming the active ruleset.
   */
  reload(recordActivation: (rs: R) => Promise<void>): Promise<R>;
  reload(recordActivation?: (rs: R) => Promise<void>): Promise<R> {
    const next = this.reloading.then(async () => {
      const rs = await this.loadAndActivate();
      if (recordActivation) {
        try {
          await recordActivation(rs);
        } catch (err) {
          throw new ActivationNotRecorded(rs, err);
        }
      }
      return rs;
    });
    this.reloading = next.catch(() => undefined);
    return next;
  }

  private async loadAndActivate(): Promise<R> {
    try {
      const next = await this.loader();
      this.active = next;
      this.lastError = null;
      return next;
    } catch (err) {
      this.lastError = err instanceof Error ? err.message : String(err);
      throw err;
    }
  }

  get loaded(): boolean {
    return this.active !== null;
  }

  get error(): string | null {
    return this.lastError;
  }

  /** The active ruleset, or 503: no decision without rules. */
  get(): R {
    if (!this.active) throw unavailable('No valid ruleset is loaded; no screening decision can be made');
    return this.active;
  }

  peek(): R | null {
    return this.active;
  }
}

// ---------------------------------------------------------------------------------------------
// Recording: every decision cites a ruleset version and hash, and the log shows from when each
// ruleset (rule files + party-list versions) was in force. An activation is recorded when the
// hash differs from the last one recorded.

export async function recordActivationIfNew(db: Db, rs: Ruleset, apiKeyId: string | null = null): Promise<boolean> {
  const [last] = await db
    .select({ payload: auditEvents.payload })
    .from(auditEvents)
    .where(eq(auditEvents.type, 'ruleset.activated'))
    .orderBy(desc(auditEvents.seq))
    .limit(1);
  if ((last?.payload as { hash?: string } | undefined)?.hash === rs.hash) return false;
  await recordRulesetActivation(
    db,
    {
      version: rs.version,
      hash: rs.hash,
      sources: {
        files: rs.files,
        lists: rs.listSources.map((l) => ({ name: l.name, file: l.file, format: l.format, entryCount: l.entryCount, sha256: l.sha256, generatedAt: l.generatedAt })),
      },
    },
    apiKeyId,
  );
  return true;
}

// ---------------------------------------------------------------------------------------------
// Replicas: the activating replica announces the new hash, every other replica reloads RULES_DIR
// (a shared volume or the same deployment). A replica whose files do not produce the announced
// hash keeps what it loaded and says so loudly: the hash recorded with each screening shows
// which it used.

export const RULES_CHANNEL = 'chokepoint_rules';

type LogFn = (obj: object, msg: string) => void;
/** The logging this module needs: pino's and Fastify's loggers both fit. */
export interface RulesLog {
  info: LogFn;
  warn: LogFn;
  error: LogFn;
}

export async function announceRuleset(db: Db, hash: string): Promise<void> {
  await db.execute(sql`select pg_notify(${RULES_CHANNEL}, ${hash})`);
}

export function followRulesets(database: Database, rules: RulesService<Ruleset>, log: RulesLog): Promise<() => Promise<void>> {
  let reloading: Promise<unknown> = Promise.resolve();
  return database.listen(RULES_CHANNEL, (announced) => {
    reloading = reloading.then(async () => {
      if (rules.peek()?.hash === announced) return;
      try {
        const rs = await rules.reload();
        if (rs.hash === announced) log.info({ rulesetVersion: rs.version, rulesetHash: rs.hash }, 'ruleset activated by another replica');
        else log.warn({ rulesetHash: rs.hash, announced }, 'reloaded after another replica activated a ruleset, but the files here hash differently');
      } catch (err) {
        log.error({ err: { message: (err as Error).message }, announced }, 'another replica activated a ruleset that does not load here; the active one stays');
      }
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Describing: the public description of a ruleset (GET /v1/rules, audit events on activation).

interface Dated {
  id: string;
  effectiveFrom?: string | undefined;
  effectiveTo?: string | undefined;
}

export function describeRuleset(rs: Ruleset) {
  const dated: Dated[] = [
    ...rs.thresholds.regimes,
    ...rs.licence,
    ...rs.embargoes,
    ...rs.hubRules,
    ...rs.redFlags,
    ...rs.itemRules.values(),
  ];
  return {
    name: rs.name,
    version: rs.version,
    hash: rs.hash,
    mode: rs.mode,
    asOf: rs.asOf,
    counts: rs.counts,
    files: rs.files,
    lists: rs.listSources.map((l) => ({ ...l, generatedAt: l.generatedAt ?? null })),
    sources: rs.sources,
    effectiveDates: dated
      .filter((d) => d.effectiveFrom || d.effectiveTo)
      .map((d) => ({ ruleId: d.id, effectiveFrom: d.effectiveFrom ?? null, effectiveTo: d.effectiveTo ?? null })),
  };
}

// ---------------------------------------------------------------------------------------------
// Deciding: what the services need from the rules + engine — normalise a shipment's countries
// and screen it against the active ruleset, classify items.

export type ScreenAttempt =
  | { ok: true; shipment: NormalisedShipment; result: EngineResult }
  | { ok: false; errors: Array<{ path: string; message: string }> };

export type ClassifyAttempt =
  | { ok: true; items: ItemResult[]; flags: Flag[]; ruleset: { version: string; hash: string } }
  | { ok: false; errors: Array<{ path: string; message: string }> };

/**
 * Asynchronous because the engine may run on worker threads (engine-pool.ts): callers always
 * await, whichever engine is behind it.
 */
export interface ScreeningEngine {
  screen(input: ShipmentInput, now: Date, extras?: ScreenExtras): Promise<ScreenAttempt>;
  classify(items: ShipmentItem[], shipDate: string): Promise<ClassifyAttempt>;
  /** Lines of a batch, screened and serialised into the rows to store (screenLinesWith). */
  screenLines(lines: readonly LineTask[], apiKeyId: string | null): Promise<ScreenedLine[]>;
}

/** One line of a batch to screen: its input, its screening time and the suppressions that apply to it. */
export interface LineTask {
  lineNo: number;
  input: ShipmentInput;
  /** ISO timestamp: the line's screening time. */
  at: string;
  suppressions?: readonly SuppressionRecord[];
}

/**
 * A screened line: the row to store, encoded (its object trees and JSON strings stay where the
 * engine ran), or the engine's refusal.
 */
export type ScreenedLine = { lineNo: number; row: EncodedScreening } | { lineNo: number; errors: Array<{ field: string; message: string }> };

/** The pure engine over one ruleset, synchronous: what the in-process engine and each worker run. */
/**
 * What the engine must know from the database besides the ruleset (DESIGN.md: the engine stays pure;
 * the service passes it in). Plain data, so it crosses to a worker thread as it is.
 */
export interface ScreenExtras {
  /** Reviewed false positives that could apply (SuppressionService.forShipment). */
  suppressions?: readonly SuppressionRecord[];
  /** The exporter's licences with their balances (src/services/licences.ts). */
  licences?: readonly LicenceCandidate[];
}

export function screenWith(ruleset: Ruleset, input: ShipmentInput, now: Date, extras: ScreenExtras = {}): ScreenAttempt {
  const normalised = normaliseShipment(input, ruleset, now.toISOString().slice(0, 10));
  if (!normalised.ok) return { ok: false, errors: normalised.errors };
  const result = screen(normalised.shipment, ruleset, { now: now.toISOString(), ...extras });
  return { ok: true, shipment: normalised.shipment, result };
}

/**
 * Screens lines of a batch and builds each one's audit row — the request's canonical JSON and hash, the
 * result's JSON, the search columns — where the engine runs. On an engine worker the main thread then
 * receives strings instead of each result's object tree to clone (on two cores, cloning the trees back
 * made a batch with ENGINE_WORKERS=2 slower than with none); on the main thread it is the same work.
 */
export function screenLinesWith(ruleset: Ruleset, lines: readonly LineTask[], apiKeyId: string | null): ScreenedLine[] {
  return lines.map((line) => {
    const at = new Date(line.at);
    const screened = screenWith(ruleset, line.input, at, { suppressions: line.suppressions ?? [] });
    if (!screened.ok) return { lineNo: line.lineNo, errors: screened.errors.map((e) => ({ field: e.path, message: e.message })) };
    const requestJson = canonicalJson(line.input);
    const row = screeningRow({
      input: line.input,
      shipment: screened.shipment,
      result: screened.result,
      requestHash: sha256Hex(requestJson),
      requestJson,
      apiKeyId,
      idempotencyScope: '',
      idempotencyKey: null,
      now: at,
    });
    // Only the row's bytes leave: the rows wait for their group's commit, and object trees or JSON
    // strings kept that long would outlive the young generation (promoted, collected only by a full
    // GC); encoded now, the strings die young and the bytes live outside the JavaScript heap.
    return { lineNo: line.lineNo, row: encodeScreeningRow(row) };
  });
}

export function classifyWith(ruleset: Ruleset, items: ShipmentItem[], shipDate: string): ClassifyAttempt {
  const normalised = normaliseItems(items, ruleset);
  if (normalised.errors.length) return { ok: false, errors: normalised.errors };
  return { ok: true, ...classifyItems(normalised.items, ruleset, { shipDate }), ruleset: { version: ruleset.version, hash: ruleset.hash } };
}

/** The engine on the calling thread (tests, the CLI, ENGINE_WORKERS=0). */
export function createEngine(rules: RulesService<Ruleset>): ScreeningEngine {
  return {
    screen: async (input, now, extras) => screenWith(rules.get(), input, now, extras),
    classify: async (items, shipDate) => classifyWith(rules.get(), items, shipDate),
    screenLines: async (lines, apiKeyId) => screenLinesWith(rules.get(), lines, apiKeyId),
  };
}
