import { parse } from 'csv-parse/sync';
import type { ListEntry } from './types.js';
import { uniqueCodes } from './countries.js';
import { blankToNull } from './import-util.js';
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

function rows(text: string | undefined, what: string): string[][] {
  if (!text) return [];
  try {
    return parse(text, { relax_column_count: true, relax_quotes: true, skip_empty_lines: true, record_delimiter: ['\r\n', '\n'] }) as string[][];
  } catch (err) {
    throw new ListParseError(`OFAC ${what} could not be parsed: ${(err as Error).message}`, { cause: err });
  }
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
  for (const r of main) {
    const id = (r[0] ?? '').trim();
    const name = val(r[1]);
    if (!id || !name) continue;
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
  for (const r of rows(files.add, 'add.csv')) {
    const e = byId.get((r[0] ?? '').trim());
    if (!e) continue;
    const parts = [val(r[2]), val(r[3]), val(r[4])].filter((p): p is string => !!p);
    if (parts.length) e.addresses.push(parts.join(', '));
    const c = val(r[4]);
    if (c) countryNames.set(e.id, [...(countryNames.get(e.id) ?? []), c]);
  }
  for (const r of rows(files.alt, 'alt.csv')) {
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
