/**
 * `chokepoint licences import licences.csv` — record the export licences an exporter holds from a file
 * (one licence a row; layout in the README), through the same validation as POST /v1/licences.
 * Fail closed: every row is checked first, and if any is bad nothing is recorded and each bad row is
 * named with its line and field. `chokepoint licences list` prints what is on record with balances.
 */
import { readFile } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';
import { Value } from 'typebox/value';
import type { Config } from './config.js';
import { AppError } from './errors.js';
import { loadRuleset } from './rules/index.js';
import { LicenceInput } from './schemas/licence.js';
import { LicenceService } from './services/licences.js';
import { openDatabase } from './store/db.js';
import { parseFlags } from './cli-args.js';

export const LICENCES_USAGE = 'usage: chokepoint licences import <licences.csv> | licences list';

export const LICENCE_CSV_COLUMNS = [
  'number', 'eccns', 'chips', 'destination', 'ultimate_consignee', 'ultimate_consignee_country', 'end_users',
  'intermediate_consignees', 'quantity', 'value_usd', 'valid_from', 'valid_to', 'conditions',
] as const;

/** "Name (CC); Other Name (CC)" → parties; a name may itself contain parentheses before the last one. */
function partiesOf(cell: string, role: 'end_user' | 'intermediate_consignee'): Array<{ role: typeof role; name: string; country: string }> {
  return cell
    .split(';')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => {
      const m = /^(.*)\(([^()]+)\)\s*$/.exec(s);
      return { role, name: (m ? m[1]! : s).trim(), country: m ? m[2]!.trim() : '' };
    });
}

/** One CSV row as the API body it stands for. */
export function licenceFromRow(row: Record<string, string>): unknown {
  const num = (v: string | undefined) => (v === undefined || v.trim() === '' ? undefined : Number(v.replace(/[,\s]/g, '')));
  const list = (v: string | undefined) => (v ?? '').split(/[;|]/).map((s) => s.trim()).filter(Boolean);
  const body: Record<string, unknown> = {
    number: (row.number ?? '').trim(),
    eccns: list(row.eccns),
    destination: (row.destination ?? '').trim(),
    parties: [
      { role: 'ultimate_consignee', name: (row.ultimate_consignee ?? '').trim(), country: (row.ultimate_consignee_country ?? '').trim() },
      ...partiesOf(row.end_users ?? '', 'end_user'),
      ...partiesOf(row.intermediate_consignees ?? '', 'intermediate_consignee'),
    ],
    validFrom: (row.valid_from ?? '').trim(),
    validTo: (row.valid_to ?? '').trim(),
  };
  const chips = list(row.chips);
  if (chips.length) body.chips = chips;
  if (num(row.quantity) !== undefined) body.quantity = num(row.quantity);
  if (num(row.value_usd) !== undefined) body.valueUsd = num(row.value_usd);
  if ((row.conditions ?? '').trim()) body.conditions = row.conditions!.trim();
  return body;
}

export async function licencesCommand(args: string[], config: Config): Promise<number> {
  // Flags are parsed like every command's: an unknown one is a usage error, not a file name ("--dry-run" was read as the CSV).
  const { positionals } = parseFlags(args, {});
  const [sub, file] = positionals;
  if (sub !== 'import' && sub !== 'list') {
    console.error(LICENCES_USAGE);
    return 64;
  }
  if ((sub === 'import' && (!file || positionals.length > 2)) || (sub === 'list' && positionals.length > 1)) {
    console.error(LICENCES_USAGE);
    return 64;
  }
  const ruleset = await loadRuleset(config.rulesDir);
  const database = await openDatabase(config.storage);
  try {
    if (config.migrateOnStart) await database.migrate();
    const service = new LicenceService(database.db, () => ruleset);
    if (sub === 'list') {
      for (const l of await service.list()) {
        const b = l.balance;
        console.log([l.number.padEnd(12), l.status.padEnd(8), l.destination, l.eccns.join(','), `${l.validFrom}..${l.validTo}`, `qty ${b.quantityRemaining ?? '-'} left`, `USD ${b.valueRemainingUsd ?? '-'} left`, ...(b.overdrawn ? [`OVERDRAWN by ${b.overdrawn.quantity} units, USD ${b.overdrawn.valueUsd}`] : []), l.id].join('  '));
      }
      return 0;
    }
    let rows: Array<Record<string, string>>;
    try {
      rows = parse(await readFile(file!, 'utf8'), { columns: true, skip_empty_lines: true, trim: false, bom: true, relax_column_count: false });
    } catch (err) {
      console.error(`${file}: not a readable CSV: ${(err as Error).message.split('\n')[0]}`);
      return 65;
    }
    const header = rows.length ? Object.keys(rows[0]!) : [];
    const missing = LICENCE_CSV_COLUMNS.filter((c) => !header.includes(c));
    if (rows.length === 0 || missing.length) {
      console.error(rows.length === 0 ? `${file}: no licence rows` : `${file}: missing columns ${missing.join(', ')} (expected ${LICENCE_CSV_COLUMNS.join(',')})`);
      return 65;
    }
    const bodies = rows.map(licenceFromRow);
    let bad = 0;
    const numbers = new Map<string, number>();
    // Numbers already on record (an active licence) are refused here with the rest, not when their row is reached.
    const onRecord = new Map((await service.list({ status: 'active' })).map((l) => [l.number.toUpperCase(), l.id]));
    bodies.forEach((b, i) => {
      const line = i + 2;
      const schemaErrors = [...Value.Errors(LicenceInput, b)].slice(0, 5);
      for (const e of schemaErrors) console.error(`line ${line}: ${e.instancePath || '/'}: ${e.message}`);
      bad += schemaErrors.length;
      if (schemaErrors.length) return;
      try {
        service.check(b as LicenceInput);
      } catch (err) {
        if (!(err instanceof AppError)) throw err;
        for (const e of err.errors ?? [{ field: '/', message: err.message }]) console.error(`line ${line}: ${e.field}: ${e.message}`);
        bad++;
      }
      const n = String((b as { number: string }).number).toUpperCase();
      if (numbers.has(n)) {
        console.error(`line ${line}: /number: licence ${n} is also on line ${numbers.get(n)}`);
        bad++;
      } else numbers.set(n, line);
      if (onRecord.has(n)) {
        console.error(`line ${line}: /number: licence ${n} is already on record as ${onRecord.get(n)}; amend or revoke it instead`);
        bad++;
      }
    });
    if (bad) {
      console.error(`nothing recorded: ${bad} problem(s) in ${file}`);
      return 65;
    }
    const now = new Date();
    let recorded = 0;
    for (const [i, b] of bodies.entries()) {
      try {
        const l = await service.issue(b as LicenceInput, null, now);
        recorded++;
        console.log(`line ${i + 2}: recorded ${l.number} (${l.id})`);
      } catch (err) {
        if (!(err instanceof AppError)) throw err;
        for (const e of err.errors ?? [{ field: '/', message: err.message }]) console.error(`line ${i + 2}: ${e.field}: ${e.message}`);
        // Only a licence recorded by someone else between the check and this row gets here.
        console.error(`stopped at line ${i + 2}: ${recorded} licence(s) recorded before it; fix the row and import the rest`);
        return 65;
      }
    }
    console.log(`${recorded} licence(s) recorded`);
    return 0;
  } finally {
    await database.close();
  }
}
