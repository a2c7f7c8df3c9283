/**
 * Reading the flag log: filtered pages of screenings by seq, newest first for listings and
 * oldest first for exports. Only summary columns are read (never the stored request/result
 * bodies), and every filter maps onto an index from migration 0003: GIN on the array columns,
 * trigrams on party names where pg_trgm exists, btree on reference and decision.
 */
import { and, arrayContains, arrayOverlaps, asc, desc, eq, gt, gte, inArray, like, lt, lte, max, min, sql, type SQL } from 'drizzle-orm';
import type { Db } from './db.js';
import { apiKeys, dispositions, screenings } from './schema.js';
import { FINAL_DISPOSITION_ACTIONS, OUT_OF_MONITORING_ACTION, QUEUE_DECISIONS } from '../schemas/audit.js';

export interface ScreeningFilter {
  /** ISO date-times: created_at ≥ from, created_at < to. */
  from?: string | undefined;
  to?: string | undefined;
  /** Any of these decisions. */
  decision?: readonly string[] | undefined;
  ruleId?: string | undefined;
  /** A flag of any of these categories. */
  category?: readonly string[] | undefined;
  /** The disposition in force is any of these actions; "none" = no disposition yet. */
  disposition?: readonly string[] | undefined;
  /** ISO alpha-2, any party or route country. */
  country?: string | undefined;
  /** Already normalised like the stored party names (see normaliseForSearch). */
  party?: string | undefined;
  chipModel?: string | undefined;
  eccn?: string | undefined;
  reference?: string | undefined;
  /** Export licence number (upper case) the screening drew on. */
  licence?: string | undefined;
  /** true: the work queue (a decision to act on, no final disposition yet, or a clearance awaiting approval); false: the rest. */
  open?: boolean | undefined;
  /** The decisions whose clearance waits for approval (FOUR_EYES_DECISIONS); DEFAULT_FOUR_EYES_DECISIONS when absent. */
  fourEyes?: readonly string[] | undefined;
  /** Submitters see only the screenings made with their own key. */
  apiKeyId?: string | undefined;
}

export const summaryColumns = {
  id: screenings.id,
  seq: screenings.seq,
  reference: screenings.reference,
  // Stored precision is milliseconds; render it the same way on every server time zone.
  screenedAt: sql<string>`to_char(${screenings.createdAt} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`.as('screened_at'),
  shipDate: screenings.shipDate,
  decision: screenings.decision,
  riskScore: screenings.riskScore,
  destination: screenings.destination,
  countries: screenings.countries,
  ruleIds: screenings.ruleIds,
  flagCategories: screenings.flagCategories,
  raisedCategories: screenings.raisedCategories,
  chipModels: screenings.chipModels,
  eccns: screenings.eccns,
  rulesetVersion: screenings.rulesetVersion,
  rulesetHash: screenings.rulesetHash,
  apiKeyId: screenings.apiKeyId,
};

export interface ScreeningSummaryRow {
  id: string;
  seq: number;
  reference: string;
  screenedAt: string;
  shipDate: string;
  decision: string;
  riskScore: number;
  destination: string;
  countries: string[];
  ruleIds: string[];
  flagCategories: string[];
  raisedCategories: string[];
  chipModels: string[];
  eccns: string[];
  rulesetVersion: string;
  rulesetHash: string;
  apiKeyId: string | null;
}

const inList = (xs: readonly string[]): SQL => sql.join(xs.map((x) => sql`${x}`), sql`, `);

/**
 * The decisions whose clearance waits for a second reviewer's approval when a filter does not say
 * (config FOUR_EYES_DECISIONS, whose default this is). Only decisions that queue count: a pending
 * clearance keeps a screening open.
 */
export const DEFAULT_FOUR_EYES_DECISIONS: readonly string[] = ['LICENSE_REQUIRED', 'BLOCK'];

const latestAction = (): SQL => sql`(select d.action from ${dispositions} d where d.screening_id = ${screenings.id} order by d.seq desc limit 1)`;

/**
 * Open = someone must act on the screening. Any of:
 * - its stored decision needs a person (QUEUE_DECISIONS) and its latest disposition (by seq, one probe
 *   of dispositions_screening_idx) is absent or not final (`escalated`);
 * - continuous monitoring last changed its decision to one that needs a person, no final
 *   disposition is the latest since that change (one probe of monitoring_results_changed_idx), and the
 *   disposition in force is not `cancelled` (the order will not ship: a change recorded before or after
 *   the cancellation does not keep it open; re-opened by a later disposition, it counts again) — the
 *   queue's "Changed by monitoring" list;
 * - its latest disposition is a clearance waiting for a second reviewer's approval (four eyes: the
 *   stored decision, or the one monitoring last changed it to, is in `fourEyes`): `cleared` is final
 *   only once approved, and someone — another reviewer — must still act.
 * A union, never a replacement: a re-screen that now says CLEAR does not close a stored BLOCK nobody
 * has disposed of (a person still decides it), and an old clearance does not close a change since.
 */
export const openCondition = (fourEyes: readonly string[] = DEFAULT_FOUR_EYES_DECISIONS): SQL => {
  const fe = fourEyes.filter((d) => (QUEUE_DECISIONS as readonly string[]).includes(d));
  const pending = fe.length
    ? sql` or (coalesce(${latestAction()}, '') = 'cleared' and (${inArray(screenings.decision, fe)}
      or exists (select 1 from (select m.decision from monitoring_results m where m.screening_id = ${screenings.id} and m.decision_changed order by m.created_at desc limit 1) p
        where p.decision in (${inList(fe)}))))`
    : sql``;
  return sql`((${inArray(screenings.decision, [...QUEUE_DECISIONS])} and coalesce(${latestAction()}, '') not in (${inList(
    FINAL_DISPOSITION_ACTIONS,
  )})) or exists (select 1 from (select m.decision, m.created_at from monitoring_results m where m.screening_id = ${screenings.id} and m.decision_changed order by m.created_at desc limit 1) c
    where c.decision in (${inList(QUEUE_DECISIONS)})
      and coalesce(${latestAction()}, '') <> ${OUT_OF_MONITORING_ACTION}
      and coalesce((select d.action from ${dispositions} d where d.screening_id = ${screenings.id} and d.created_at > c.created_at order by d.seq desc limit 1), '') not in (${inList(
        FINAL_DISPOSITION_ACTIONS,
      )}))${pending})`;
};

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

export function filterConditions(f: ScreeningFilter): SQL[] {
  const c: Array<SQL | undefined> = [
    f.from ? gte(screenings.createdAt, f.from) : undefined,
    f.to ? lt(screenings.createdAt, f.to) : undefined,
    f.decision?.length ? inArray(screenings.decision, [...f.decision]) : undefined,
    f.ruleId ? arrayContains(screenings.ruleIds, [f.ruleId]) : undefined,
    // Raised flags only: every screening records checks (LIST-CLEAR is a party check) — migration 0024.
    f.category?.length ? arrayOverlaps(screenings.raisedCategories, [...f.category]) : undefined,
    // The disposition in force is the latest one (dispositions_screening_idx); none yet reads as 'none'.
    f.disposition?.length
      ? sql`coalesce((select d.action from ${dispositions} d where d.screening_id = ${screenings.id} order by d.seq desc limit 1), 'none') in (${sql.join(
          f.disposition.map((a) => sql`${a}`),
          sql`, `,
        )})`
      : undefined,
    f.country ? arrayContains(screenings.countries, [f.country]) : undefined,
    f.party ? like(screenings.partyNames, `%${escapeLike(f.party)}%`) : undefined,
    f.chipModel ? arrayContains(screenings.chipModels, [f.chipModel]) : undefined,
    f.eccn ? arrayContains(screenings.eccns, [f.eccn]) : undefined,
    f.reference ? eq(screenings.reference, f.reference) : undefined,
    // Only screenings covered by a licence carry LIC-COVERED: the array index narrows before the JSON is read.
    f.licence
      ? and(arrayContains(screenings.ruleIds, ['LIC-COVERED']), sql`upper(${screenings.result}->'authorisation'->'licence'->>'number') = ${f.licence}`)
      : undefined,
    f.apiKeyId ? eq(screenings.apiKeyId, f.apiKeyId) : undefined,
    f.open === true ? openCondition(f.fourEyes) : f.open === false ? sql`not ${openCondition(f.fourEyes)}` : undefined,
  ];
  return c.filter((x): x is SQL => x !== undefined);
}

/**
 * How many screenings with seq ≤ upTo match, counting no further than `cap` + 1: the answer is exact when it is
 * at most `cap`, else "more than cap". Bounded so that a filter matching millions costs what reading `cap` index
 * entries costs, not a scan of the log.
 */
export async function countScreenings(db: Db, f: ScreeningFilter, opts: { upTo: number; cap: number }): Promise<number> {
  const conds = [...filterConditions(f), lte(screenings.seq, opts.upTo)];
  const res = await db.execute(sql`select count(*)::int as n from (select 1 from ${screenings} where ${and(...conds)} limit ${opts.cap + 1}) x`);
  const [row] = ((res as unknown as { rows?: Array<{ n: number }> }).rows ?? (res as unknown as Array<{ n: number }>)) as Array<{ n: number }>;
  return Number(row?.n ?? 0);
}

/** Newest first: seq < before (exclusive) and ≤ upTo. */
export async function pageScreeningsDesc(db: Db, f: ScreeningFilter, opts: { before: number | null; upTo: number; limit: number }): Promise<ScreeningSummaryRow[]> {
  const conds = [...filterConditions(f), lte(screenings.seq, opts.upTo)];
  if (opts.before !== null) conds.push(lt(screenings.seq, opts.before));
  return (await db
    .select(summaryColumns)
    .from(screenings)
    .where(and(...conds))
    .orderBy(desc(screenings.seq))
    .limit(opts.limit)) as ScreeningSummaryRow[];
}

/**
 * The seq range that can hold screenings created in [from, to): exact bounds (min and max seq of
 * the rows in the time range), so an export of last month does not walk the years before it.
 */
export async function seqRangeForTime(db: Db, f: Pick<ScreeningFilter, 'from' | 'to'>): Promise<{ after: number; upTo: number | null }> {
  if (!f.from && !f.to) return { after: 0, upTo: null };
  const conds = [f.from ? gte(screenings.createdAt, f.from) : undefined, f.to ? lt(screenings.createdAt, f.to) : undefined].filter((x): x is SQL => !!x);
  const [r] = await db.select({ lo: min(screenings.seq), hi: max(screenings.seq) }).from(screenings).where(and(...conds));
  if (r?.lo === null || r?.lo === undefined) return { after: 0, upTo: 0 };
  return { after: Number(r.lo) - 1, upTo: Number(r.hi) };
}

export interface DispositionSummary {
  action: string;
  at: string;
  by: string | null;
  byName: string | null;
  count: number;
}

/** Latest disposition and how many there are, for each of a page of screenings. */
export async function latestDispositions(db: Db, screeningIds: readonly string[]): Promise<Map<string, DispositionSummary>> {
  const out = new Map<string, DispositionSummary>();
  if (screeningIds.length === 0) return out;
  const found = await db
    .select({
      screeningId: dispositions.screeningId,
      action: dispositions.action,
      by: dispositions.apiKeyId,
      byName: sql<string | null>`coalesce(${apiKeys.holder}, ${apiKeys.name})`,
      at: sql<string>`to_char(${dispositions.createdAt} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`,
    })
    .from(dispositions)
    .leftJoin(apiKeys, eq(apiKeys.id, dispositions.apiKeyId))
    .where(inArray(dispositions.screeningId, [...screeningIds]))
    .orderBy(asc(dispositions.seq));
  for (const d of found) {
    const prev = out.get(d.screeningId);
    out.set(d.screeningId, { action: d.action, at: d.at, by: d.by, byName: d.byName, count: (prev?.count ?? 0) + 1 });
  }
  return out;
}

const ISO_MS = `'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'`;

/**
 * RFC 4180 in SQL. Fields a caller or reviewer can write (reference, models, ECCNs, party names,
 * route, messages, justification, names) are always quoted, quotes doubled; NULL becomes empty.
 * The rest are codes, numbers and timestamps this service generates, which never hold a quote,
 * comma or newline.
 *
 * Formula injection (OWASP "CSV Injection"): a spreadsheet runs a cell that begins with =, +, -, @,
 * tab or carriage return as a formula — a party named `=HYPERLINK(…)` would run on the auditor's
 * machine. Such a cell gets a leading apostrophe, which makes it text (the value stays readable).
 */
const FORMULA_START = `(E'=', E'+', E'-', E'@', E'\\t', E'\\r')`;
const quoted = (expr: string) =>
  `coalesce('"' || replace(case when left(${expr}, 1) in ${FORMULA_START} then '''' || ${expr} else ${expr} end, '"', '""') || '"', '')`;
const plain = (expr: string) => `coalesce(${expr}, '')`;

/** CSV columns of the export, in order, as SQL over the chunk row `x`. */
export const CSV_EXPORT_COLUMNS: ReadonlyArray<readonly [string, string]> = [
  ['id', plain('x.id')],
  ['seq', 'x.seq::text'],
  ['screened_at', 'x.screened_at'],
  ['reference', quoted('x.reference')],
  ['decision', 'x.decision'],
  ['risk_score', 'x.risk_score::text'],
  ['destination', plain('x.destination')],
  ['countries', `array_to_string(x.countries, ';')`],
  ['rule_ids', `array_to_string(x.rule_ids, ';')`],
  ['flag_categories', `array_to_string(x.flag_categories, ';')`],
  ['eccns', quoted(`array_to_string(x.eccns, ';')`)],
  ['chip_models', quoted(`array_to_string(x.chip_models, ';')`)],
  ['ruleset_version', plain('x.ruleset_version')],
  ['ruleset_hash', plain('x.ruleset_hash')],
  ['seal', `coalesce(x.seal_no::text, 'unsealed')`],
  ['screened_by', quoted('x.screened_by')],
  ['parties', quoted('x.parties_text')],
  ['route', quoted('x.route_text')],
  ['flag_messages', quoted('x.flag_messages')],
  ['licence', quoted('x.licence_number')],
  ['disposition_count', 'coalesce(x.disposition_count, 0)::text'],
  ['disposition_action', plain('x.last_action')],
  ['disposition_at', plain('x.last_at')],
  ['disposition_by', quoted('x.last_by_name')],
  ['disposition_by_key', plain('x.last_by')],
  ['disposition_justification', quoted('x.last_justification')],
  ['disposition_history', quoted('x.history_text')],
  // Added columns go last, so a reader that counts columns keeps working.
  ['raised_categories', `array_to_string(x.raised_categories, ';')`],
];

const CSV_LINE = CSV_EXPORT_COLUMNS.map(([, e]) => e).join(` || ',' || `);

const NDJSON_LINE = `json_build_object('id', x.id, 'seq', x.seq, 'screenedAt', x.screened_at, 'reference', x.reference,
  'decision', x.decision, 'riskScore', x.risk_score, 'destination', x.destination, 'countries', x.countries, 'ruleIds', x.rule_ids,
  'flagCategories', x.flag_categories, 'raisedCategories', x.raised_categories, 'eccns', x.eccns, 'chipModels', x.chip_models,
  'ruleset', json_build_object('version', x.ruleset_version, 'hash', x.ruleset_hash),
  'seal', coalesce(to_json(x.seal_no), '"unsealed"'::json), 'screenedBy', x.screened_by,
  'parties', x.parties_j, 'route', x.route_j, 'flags', x.flags_j, 'authorisation', x.authorisation_j, 'dispositions', coalesce(x.all_j, '[]'::json))::text`;

/** Who a key belongs to, for people reading the log: its holder, else its name. */
const KEY_NAME = (alias: string) => `coalesce(${alias}.holder, ${alias}.name)`;

/**
 * Where the export chunk starting after `after` ends: the seq of its `limit`-th matching
 * screening, or null when fewer remain before upTo. Read on the seq index alone when unfiltered,
 * so chunks can be rendered in parallel once their bounds are known.
 */
export async function exportChunkEdge(db: Db, f: ScreeningFilter, after: number, upTo: number, limit: number): Promise<number | null> {
  const [r] = await db
    .select({ seq: screenings.seq })
    .from(screenings)
    .where(and(...filterConditions(f), gt(screenings.seq, after), lte(screenings.seq, upTo)))
    .orderBy(asc(screenings.seq))
    .offset(limit - 1)
    .limit(1);
  return r ? Number(r.seq) : null;
}

export interface ExportChunk {
  /** The rendered lines, each terminated (CRLF for CSV, LF for NDJSON); '' when empty. */
  text: string;
  rows: number;
  lastSeq: number;
}

/**
 * A chunk of the export, oldest first, seq in (after, through], rendered by Postgres into one text
 * value: fields quoted, arrays joined by ";", dispositions up to upTo aggregated per row through
 * dispositions_screening_idx, the covering seal found through audit_seals_to_seq_idx. Node gets
 * one value per chunk instead of parsing thousands of rows, which is what makes ≥100k rows/s.
 * Dispositions are those with seq ≤ upTo (the export's cut).
 */
export async function exportChunk(db: Db, f: ScreeningFilter, opts: { after: number; through: number; upTo: number; format: 'csv' | 'ndjson' }): Promise<ExportChunk> {
  const where = and(...filterConditions(f), gt(screenings.seq, opts.after), lte(screenings.seq, opts.through));
  const line = sql.raw(opts.format === 'csv' ? `${CSV_LINE} || E'\r\n'` : `${NDJSON_LINE} || E'\n'`);
  // Dispositions of the chunk's screenings are found by index probes and aggregated only where
  // they exist (a few percent of rows), not by an aggregate per row.
  const res = (await db.execute(sql`
    with s as (
      select id, seq, created_at, reference, decision, risk_score, destination, countries, rule_ids, flag_categories, raised_categories, eccns,
             chip_models, ruleset_version, ruleset_hash, api_key_id, request, result
      from ${screenings} where ${where}
    ), seals as materialized (
      -- Seal ranges are contiguous: the few seals that reach into this chunk, by audit_seals_to_seq_idx.
      select a.seal_no, a.from_seq, a.to_seq from audit_seals a
      where a.to_seq > ${opts.after}
        and a.to_seq <= coalesce((select min(to_seq) from audit_seals where to_seq >= ${opts.through}), ${opts.through})
    ), d as (
      select dd.screening_id, count(*) as n,
             (array_agg(dd.action order by dd.seq desc))[1] as last_action,
             (array_agg(to_char(dd.created_at at time zone 'UTC', ${sql.raw(ISO_MS)}) order by dd.seq desc))[1] as last_at,
             (array_agg(dd.api_key_id order by dd.seq desc))[1] as last_by,
             (array_agg(${sql.raw(KEY_NAME('k'))} order by dd.seq desc))[1] as last_by_name,
             (array_agg(dd.justification order by dd.seq desc))[1] as last_justification,
             json_agg(json_build_object('id', dd.id, 'action', dd.action, 'justification', dd.justification, 'by', dd.api_key_id,
                      'byName', ${sql.raw(KEY_NAME('k'))},
                      'at', to_char(dd.created_at at time zone 'UTC', ${sql.raw(ISO_MS)})) order by dd.seq) as all_j,
             string_agg(to_char(dd.created_at at time zone 'UTC', ${sql.raw(ISO_MS)}) || ' ' || dd.action
                        || coalesce(' by ' || ${sql.raw(KEY_NAME('k'))}, '') || ': ' || dd.justification, E'\n' order by dd.seq) as history_text
      from s join ${dispositions} dd on dd.screening_id = s.id
      left join api_keys k on k.id = dd.api_key_id
      where dd.seq <= ${opts.upTo}
      group by dd.screening_id
    )
    select coalesce(string_agg(${line}, '' order by x.seq), '') as text, count(*)::int as rows, coalesce(max(x.seq), 0)::text as last_seq
    from (
      select s.id, s.seq, to_char(s.created_at at time zone 'UTC', ${sql.raw(ISO_MS)}) as screened_at, s.reference, s.decision,
             s.risk_score, s.destination, s.countries, s.rule_ids, s.flag_categories, s.raised_categories, s.eccns, s.chip_models, s.ruleset_version, s.ruleset_hash,
             (select a.seal_no from seals a where a.to_seq >= s.seq and a.from_seq < s.seq) as seal_no,
             d.n as disposition_count, d.last_action, d.last_at, d.last_by, d.last_by_name, d.last_justification, d.all_j, d.history_text,
             ${sql.raw(KEY_NAME('sk'))} as screened_by,
             -- What was screened, as submitted: "role: name (country)" per party, the route in order,
             -- and the message of every flag above info (info flags only say what was checked).
             (select string_agg(concat(p->>'role', ': ', p->>'name', ' (' || (p->>'country') || ')'), '; ' order by o)
                from json_array_elements(rq.parties) with ordinality as t(p, o)) as parties_text,
             (select json_agg(json_build_object('role', p->'role', 'name', p->'name', 'country', p->'country') order by o)
                from json_array_elements(rq.parties) with ordinality as t(p, o)) as parties_j,
             concat_ws(' > ', rq.route->>'origin',
               (select string_agg(v, ' > ' order by o) from json_array_elements_text(rq.route->'via') with ordinality as t(v, o)),
               rq.route->>'destination') as route_text,
             rq.route as route_j,
             (select string_agg(concat(f->>'ruleId', ': ', f->>'message'), E'\n' order by o)
                from json_array_elements(rs.flags) with ordinality as t(f, o) where f->>'severity' <> 'info') as flag_messages,
             rs.authorisation->'licence'->>'number' as licence_number,
             rs.authorisation as authorisation_j,
             (select json_agg(json_build_object('ruleId', f->'ruleId', 'severity', f->'severity', 'decision', f->'decision', 'message', f->'message', 'subject', f->'subject') order by o)
                from json_array_elements(rs.flags) with ordinality as t(f, o) where f->>'severity' <> 'info') as flags_j
      -- Request and result are json (the text stored): each is read once per row for the fields the
      -- export shows, not once per field (every -> reads the whole text again).
      from s cross join lateral json_to_record(s.request) as rq(parties json, route json)
      cross join lateral json_to_record(s.result) as rs(flags json, authorisation json)
      left join d on d.screening_id = s.id
      left join api_keys sk on sk.id = s.api_key_id
    ) x`)) as unknown as { rows: Array<{ text: string; rows: number; last_seq: string }> };
  const r = res.rows[0];
  return { text: r?.text ?? '', rows: r?.rows ?? 0, lastSeq: Number(r?.last_seq ?? 0) };
}
