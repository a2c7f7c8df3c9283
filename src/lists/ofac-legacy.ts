import { parse } from 'csv-parse/sync';
import type { ListEntry } from './types.js';
import { uniqueCodes } from './countries.js';
import { blankToNull, MAX_LIST_RECORD_CHARS } from './import-util.js';
import { ListParseError } from './csl.js';

/**
 * OFAC's legacy CSV set (sdn.csv or prim.csv, add.csv, alt.csv, sdn_comments.csv or comments.csv):
 * no header row, `-0-` for an empty value, joined on ent_num. The comments file continues the
 * Remarks column of long rows.
 */
export interface OfacLegacyFiles {
  main: string;
  add?: string | undefined;
  alt?: string | undefined;
  comments?: string | undefined;
}

const SOURCES: Record<string, { source: string; url: string }> = {
  SDN: { source: 'Specially Designated Nationals (SDN) - Treasury Department', url: 'https://sanctionslist.ofac.treas.gov/Home/SdnList' },
  NONSDN: { source: 'Non-SDN Consolidated Sanctions List - Treasury Department', url: 'https://sanctionslist.ofac.treas.gov/Home/ConsolidatedList' },
};

/** Fields of a row of each legacy file: a row with another count is a cut-off or foreign file, never read as a list. */
const MAIN_FIELDS = 12;
/** SDN_Type as published; `-0-` is an entity. */
const MAIN_TYPES = new Set(['-0-', 'individual', 'vessel', 'aircraft']);

function rows(text: string | undefined, what: string): string[][] {
  if (!text) return [];
  let out: string[][];
  try {
    out = parse(text, { relax_column_count: true, relax_quotes: true, skip_empty_lines: true, record_delimiter: ['\r\n', '\n'], max_record_size: MAX_LIST_RECORD_CHARS }) as string[][];
  } catch (err) {
    throw new ListParseError(`OFAC ${what} could not be parsed: ${(err as Error).message}`, { cause: err });
  }
  // The legacy files end with a DOS end-of-file mark (0x1A) on a line of its own.
  const last = out[out.length - 1];
  if (last && last.length === 1 && /^\s*\u001a?\s*$/.test(last[0] ?? '')) out.pop();
  return out;
}

function val(v: string | undefined): string | null {
  return blankToNull(v);
}

export function parseOfacLegacy(files: OfacLegacyFiles, list: 'SDN' | 'NONSDN'): ListEntry[] {
  const meta = SOURCES[list]!;
  const main = rows(files.main, 'main file');
  if (main.length > 0 && !/^\d+$/.test((main[0]![0] ?? '').trim())) {
    throw new ListParseError('OFAC main file does not start with a numeric ent_num (is this the legacy CSV?)');
  }
  const byId = new Map<string, ListEntry>();
  const remarks = new Map<string, string>();
  for (const [i, r] of main.entries()) {
    // Fail closed on a row that is not a whole SDN row: a file cut off mid-row, or add.csv/alt.csv given as the list
    // (their rows start with a number too, and were imported as thousands of "parties" named 1, 2, 3 …).
    const where = `OFAC main file row ${i + 1}`;
    if (r.length !== MAIN_FIELDS) {
      throw new ListParseError(`${where} has ${r.length} fields, a legacy SDN row has ${MAIN_FIELDS} (a cut-off file, or add.csv/alt.csv instead of sdn.csv/prim.csv?)`);
    }
    const id = (r[0] ?? '').trim();
    if (!/^\d+$/.test(id)) throw new ListParseError(`${where}: ent_num ${JSON.stringify(id)} is not a number`);
    const name = val(r[1]);
    if (!name) throw new ListParseError(`${where} (ent_num ${id}) has no name`);
    if (!MAIN_TYPES.has((r[2] ?? '').trim().toLowerCase())) throw new ListParseError(`${where} (ent_num ${id}): SDN_Type ${JSON.stringify((r[2] ?? '').trim())} is not -0-, individual, vessel or aircraft`);
    if (byId.has(id)) throw new ListParseError(`${where}: ent_num ${id} is repeated (the file would lose one of the two entries)`);
    const type = val(r[2]);
    const programs = (val(r[3]) ?? '')
      .split(/\]\s*\[/)
      .map((p) => p.replace(/[[\]]/g, '').trim())
      .filter(Boolean);
    byId.set(id, {
      id,
      list,
      source: meta.source,
      name,
      altNames: [],
      type: type ? type[0]!.toUpperCase() + type.slice(1).toLowerCase() : 'Entity',
      countries: [],
      addresses: [],
      programs,
      licenseRequirement: null,
      licensePolicy: null,
      federalRegisterNotice: null,
      startDate: null,
      sourceListUrl: meta.url,
    });
    const rem = val(r[11]);
    if (rem) remarks.set(id, rem);
  }
  const countryNames = new Map<string, string[]>();
  // add.csv or alt.csv of another list or download joins on (almost) none of the main file's ent_nums: its
  // addresses or aliases would be dropped without a word (the non-SDN alt.csv beside the SDN sdn.csv: 6 of 1,073
  // rows). In a real set every row joins; fewer than half is refused, naming the file.
  const joinsNone = (what: string, rs: string[][]) => {
    const joined = rs.filter((r) => byId.has((r[0] ?? '').trim())).length;
    if (rs.length > 0 && joined * 2 < rs.length) {
      throw new ListParseError(`OFAC ${what}: only ${joined} of its ${rs.length} rows name an ent_num of the main file (a file of another list or download?)`);
    }
  };
  const addRows = rows(files.add, 'add.csv');
  const altRows = rows(files.alt, 'alt.csv');
  joinsNone('add.csv', addRows);
  joinsNone('alt.csv', altRows);
  for (const r of addRows) {
    const e = byId.get((r[0] ?? '').trim());
    if (!e) continue;
    const parts = [val(r[2]), val(r[3]), val(r[4])].filter((p): p is string => !!p);
    if (parts.length) e.addresses.push(parts.join(', '));
    const c = val(r[4]);
    if (c) countryNames.set(e.id, [...(countryNames.get(e.id) ?? []), c]);
  }
  for (const r of altRows) {
    const e = byId.get((r[0] ?? '').trim());
    const alt = val(r[3]);
    if (e && alt && !e.altNames.includes(alt)) e.altNames.push(alt);
  }
  for (const r of rows(files.comments, 'comments')) {
    const id = (r[0] ?? '').trim();
    const more = val(r[1]);
    if (more && byId.has(id)) remarks.set(id, (remarks.get(id) ?? '') + more);
  }
  for (const e of byId.values()) {
    const rem = remarks.get(e.id) ?? '';
    const nat = [...rem.matchAll(/(?:nationality|citizen)\s+([A-Z][A-Za-z ,]+?)(?:;|\.|$)/g)].map((m) => m[1]);
    e.countries = uniqueCodes([...(countryNames.get(e.id) ?? []), ...nat]);
  }
  return [...byId.values()];
}
