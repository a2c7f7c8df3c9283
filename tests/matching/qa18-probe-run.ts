/** Prints the QA18 probe table against the shipped list: `npx tsx tests/matching/qa18-probe-run.ts [--all]`. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseListBytes } from '../../src/lists/import.js';
import { buildMatcher } from '../../src/matching/matcher.js';
import { CLEAN, LISTED } from './qa18-probe-names.js';

const root = join(import.meta.dirname, '..', '..');
const REVIEW = 0.75;
const entries = parseListBytes(readFileSync(join(root, 'rules/lists/consolidated-2026-07-31.csv.gz')), 'consolidated-2026-07-31.csv').entries;
const m = buildMatcher(entries, { cacheSize: 0 });
const all = process.argv.includes('--all');
const t = { matched: 0, review: 0, missed: 0, blocked: 0, asked: 0, clear: 0 };
for (const [name, country, want] of LISTED) {
  const c = m.search({ name, country: country || undefined, limit: 10 }).find((x) => x.entry.name === want);
  const k = c?.match ? 'matched' : c && c.score >= REVIEW ? 'review' : 'missed';
  t[k]++;
  if (all || k !== 'matched') console.log(`LISTED ${k.padEnd(7)} ${c ? c.score.toFixed(3) : '  -  '} ${name} (${country}) → ${want}${c ? ' [' + c.explanation.pieces.map((p) => p.name).join(',') + ']' : ''}`);
}
for (const [name, country] of CLEAN) {
  const r = m.search({ name, country: country || undefined, limit: 10 });
  const top = r[0];
  const k = top?.match ? 'blocked' : top && top.score >= REVIEW ? 'asked' : 'clear';
  t[k]++;
  if (all || k !== 'clear') console.log(`CLEAN  ${k.padEnd(7)} ${top ? top.score.toFixed(3) : '  -  '} ${name} (${country})${top ? ` ~ ${top.matchedName} (${top.entry.list}) [${top.explanation.pieces.map((p) => p.name).join(',')}]` : ''}`);
}
console.log(`listed ${LISTED.length}: matched ${t.matched}, review only ${t.review}, missed ${t.missed}; clean ${CLEAN.length}: matched outright ${t.blocked}, review ${t.asked}, clear ${t.clear}`);
