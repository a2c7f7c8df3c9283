/**
 * Loads a realistic flag log into a Postgres database for the benchmarks (bench/audit.ts,
 * bench/dashboard.ts): a year of screenings generated server-side in chunks (45 % not CLEAR,
 * routes through the usual hubs), a reviewer's disposition on 5 % of them, then VACUUM ANALYZE.
 */
import { sql } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import pg from 'pg';

const CHUNK = 50_000;

/** One chunk of rows [lo, hi) generated server-side; `now` anchors the year of history. */
export const loadChunk = (lo: number, hi: number, total: number, now: string) => sql`
with words as (
  select array['alpha','apex','aurora','bright','cedar','delta','eagle','ember','falcon','harbor','helix','jade','lotus','meridian','nova',
               'orion','pacific','quantum','radiant','sable','summit','titan','unity','vertex','zenith','lion','merlion','golden','silver','blue'] as w,
         array['compute','cloud','tech','systems','logistics','trading','data','ai','semiconductor','networks'] as k,
         array['pte ltd','sdn bhd','limited','llc','fze','co ltd','gmbh','inc'] as f,
         array['SG','MY','HK','AE','TH','CN','DE','JP','US','IN','VN','KR','TW','NL','GB','FR','IL','SA','TR','BR',
               'MX','CA','AU','ID','PH','RU','IR','KZ','AM','GE'] as dest,
         array['SG','MY','HK','AE','TH'] as hubs,
         array['nvidia-h100-sxm5','nvidia-h800-sxm5','nvidia-h200','nvidia-b200','amd-mi300x','nvidia-a100','nvidia-l40s','nvidia-rtx-4090',
               'amd-mi250x','intel-gaudi2','nvidia-h20','nvidia-l20','nvidia-a800','nvidia-gh200','amd-mi325x','nvidia-rtx-6000-ada'] as chips,
         array['3A090.a','4A090.a','3A090.a','3A090.b','5A992.c','3A090.a','4A090.b','EAR99'] as eccn
), base as (
  select i,
    (abs(hashint4(i)) % 100) as d100,
    abs(hashint4(i * 7 + 1)) as h1, abs(hashint4(i * 13 + 2)) as h2, abs(hashint4(i * 17 + 3)) as h3, abs(hashint4(i * 19 + 5)) as h4
  from generate_series(${lo}::int, ${hi - 1}::int) i
), shaped as (
  select b.*, w.*,
    case when d100 < 55 then 'CLEAR' when d100 < 80 then 'REVIEW' when d100 < 95 then 'LICENSE_REQUIRED' else 'BLOCK' end as decision,
    (${now}::timestamptz - interval '365 days' + (interval '365 days' * i / ${total}::int) ) as created_at,
    w.dest[1 + h1 % 30] as destination,
    case when h2 % 4 = 0 then array[w.hubs[1 + h2 % 5]] when h2 % 9 = 1 then array[w.hubs[1 + h2 % 5], w.hubs[1 + h3 % 5]] else array[]::text[] end as via,
    w.w[1 + h3 % 30] || ' ' || w.w[1 + (h3 / 30) % 30] || ' ' || w.k[1 + (h3 / 900) % 10] || ' ' || w.f[1 + h4 % 8] as buyer,
    w.w[1 + h4 % 30] || ' ' || w.k[1 + (h4 / 30) % 10] || ' ' || w.f[1 + (h4 / 300) % 8] as forwarder,
    w.chips[1 + h2 % 16] as chip,
    w.eccn[1 + h2 % 8] as item_eccn
  from base b cross join words w
), flagged as (
  select s.*,
    case s.decision
      when 'CLEAR' then array['INFO-CHECKED']
      when 'REVIEW' then array['REDFLAG-' || (1 + h3 % 12), 'ROUTE-HUB-' || coalesce(via[1], destination)]
      when 'LICENSE_REQUIRED' then array['DEST-' || replace(item_eccn, '.', '') || '-D' || (1 + h1 % 5), 'PARTY-HQ-' || (1 + h4 % 4)]
      else array['EMBARGO-' || destination, 'PARTY-SDN']
    end as rule_ids,
    case s.decision
      when 'CLEAR' then array['data_quality']
      when 'REVIEW' then array['red_flag', 'route']
      when 'LICENSE_REQUIRED' then array['destination', 'party']
      else array['destination', 'party']
    end as flag_categories
  from shaped s
)
insert into screenings (id, reference, created_at, ship_date, decision, risk_score, destination, countries, rule_ids, flag_categories,
  raised_categories, party_names, chip_models, eccns, ruleset_version, ruleset_hash, request, result, request_hash, idempotency_scope, idempotency_key, api_key_id)
select
  md5('s' || i)::uuid::text,
  'SO-' || i,
  created_at,
  (created_at + interval '10 days')::date,
  decision,
  case decision when 'CLEAR' then 0 when 'REVIEW' then 40 when 'LICENSE_REQUIRED' then 70 else 100 end,
  destination,
  (select array_agg(distinct c order by c) from unnest(array['US', destination] || via) c),
  rule_ids,
  flag_categories,
  -- A CLEAR screening's INFO-CHECKED is a check: nothing raised. Each flag in the result below carries its rule's
  -- category, so this is what verify recomputes from the sealed result (the arrays are sorted, as the service stores them).
  case when decision = 'CLEAR' then array[]::text[] else flag_categories end,
  buyer || ' | ' || forwarder,
  array[chip, upper(replace(chip, '-', ' '))],
  case when item_eccn = 'EAR99' then array[]::text[] else array[item_eccn] end,
  '2026.11.0',
  'sha256:9c1f4e0b7d2a',
  jsonb_build_object('reference', 'SO-' || i, 'shipDate', (created_at + interval '10 days')::date,
    'items', jsonb_build_array(jsonb_build_object('model', upper(replace(chip, '-', ' ')), 'quantity', 8 + h1 % 2000, 'unitPriceUsd', 25000 + h2 % 10000,
      'hsCode', '8473.30', 'description', 'GPU accelerator module for data-centre servers')),
    'parties', jsonb_build_array(
      jsonb_build_object('role', 'buyer', 'name', initcap(buyer), 'country', destination, 'address', (h3 % 900) || ' Industrial Park Road, Unit ' || (h4 % 50)),
      jsonb_build_object('role', 'freight_forwarder', 'name', initcap(forwarder), 'country', coalesce(via[1], destination))),
    'route', jsonb_build_object('origin', 'US', 'via', to_jsonb(via), 'destination', destination),
    'endUse', 'AI model training and inference'),
  jsonb_build_object('id', md5('s' || i)::uuid::text, 'reference', 'SO-' || i, 'decision', decision, 'riskScore', 40,
    'flags', (select jsonb_agg(jsonb_build_object('ruleId', r, 'category', c, 'severity', case when decision = 'CLEAR' then 'info' else 'high' end, 'decision', decision,
      'message', 'Rule ' || r || ' applies to this shipment; see citation for the controlling provision',
      'citation', '15 CFR 742.6(a)(6)(iii)', 'subject', 'items[0]', 'evidence', jsonb_build_object('destination', destination, 'eccn', item_eccn)))
      from unnest(rule_ids, flag_categories) x(r, c)),
    'items', jsonb_build_array(jsonb_build_object('index', 0, 'model', upper(replace(chip, '-', ' ')), 'catalogId', chip, 'eccn', item_eccn,
      'tpp', 4000 + h1 % 16000, 'performanceDensity', round(((h2 % 3000) / 100.0)::numeric, 2), 'basis', 'catalog', 'licenseRequired', decision <> 'CLEAR')),
    'parties', jsonb_build_array(jsonb_build_object('index', 0, 'role', 'buyer', 'matches', '[]'::jsonb)),
    'ruleset', jsonb_build_object('version', '2026.11.0', 'hash', 'sha256:9c1f4e0b7d2a'),
    'screenedAt', created_at),
  md5('r' || i) || md5('q' || i),
  'key-erp-' || (h4 % 4),
  case when h1 % 3 = 0 then 'idem-' || i end,
  'key-erp-' || (h4 % 4)
from flagged`;

/** Returns the load time in seconds (without the vacuum). Runs on its own connection, without the pool's statement timeout. */
export async function loadFlagLog(url: string, rows: number, now: string, log: (msg: string) => void): Promise<number> {
  const loader = new pg.Client({ connectionString: url });
  await loader.connect();
  const dialect = new PgDialect();
  const exec = async (q: ReturnType<typeof sql>) => {
    const { sql: text, params } = dialect.sqlToQuery(q);
    await loader.query(text, params as unknown[]);
  };
  try {
    const t0 = performance.now();
    for (let lo = 1; lo <= rows; lo += CHUNK) {
      const hi = Math.min(rows + 1, lo + CHUNK);
      await exec(loadChunk(lo, hi, rows, now));
      if (((lo - 1) / CHUNK) % 4 === 3) log(`  ${(hi - 1).toLocaleString()} rows`);
    }
    // A reviewer's disposition on 5 % of the screenings.
    await exec(sql`insert into dispositions (id, screening_id, action, justification, api_key_id, created_at)
      select md5('d' || s.seq)::uuid::text, s.id, (array['cleared','escalated','license_applied','blocked'])[1 + s.seq % 4],
             'Reviewed against end-use statement and licence records', 'key-reviewer', s.created_at + interval '2 hours'
      from screenings s where s.seq % 20 = 0`);
    const seconds = (performance.now() - t0) / 1000;
    await exec(sql`vacuum analyze screenings`);
    await exec(sql`vacuum analyze dispositions`);
    return seconds;
  } finally {
    await loader.end();
  }
}
