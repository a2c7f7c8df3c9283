import { parse } from 'csv-parse/sync';
import type { ListEntry } from './types.js';
import { toCountryCode, uniqueCodes } from './countries.js';
import { listCodeFor } from './list-codes.js';
import { blankToNull, contentId, isoDate, MAX_LIST_RECORD_CHARS, splitMulti, uniqueHeader } from './import-util.js';

/** One CSL row with the columns both the current (29, `_id` first) and the 2019 (28) layouts share. */
export type CslRow = Record<string, string | undefined>;

const REQUIRED_COLUMNS = ['source', 'name', 'alt_names', 'addresses'];

export class ListParseError extends Error {
  override readonly name = 'ListParseError';
}

/**
 * The trade.gov CSV. The current layout starts with `_id`; the c. 2019 layout has no `_id`
 * (and a different `ids` order, which we do not read). Columns are taken by header name, so
 * both layouts go through the same mapping.
 */
export function parseCslCsv(text: string): ListEntry[] {
  let rows: CslRow[];
  try {
    // Fail closed on a row whose field count differs from the header's: rows appended with other line endings
    // than the file's were merged into one (csv-parse keeps the first line ending it sees), and a denied party
    // vanished from an import that reported success. Both CRLF and LF end a record.
    rows = parse(text, {
      columns: uniqueHeader('CSL CSV', (m) => new ListParseError(m)),
      skip_empty_lines: true,
      relax_column_count: false,
      record_delimiter: ['\r\n', '\n'],
      trim: false,
      max_record_size: MAX_LIST_RECORD_CHARS,
    }) as CslRow[];
  } catch (err) {
    throw new ListParseError(`CSL CSV could not be parsed: ${(err as Error).message}`, { cause: err });
  }
  const header = rows[0] ? Object.keys(rows[0]) : [];
  const missing = REQUIRED_COLUMNS.filter((c) => !header.includes(c));
  if (rows.length > 0 && missing.length > 0) throw new ListParseError(`CSL CSV lacks column(s) ${missing.join(', ')}`);
  return rows.map((row) => cslRowToEntry(row));
}

/** The trade.gov JSON API shape: `{ results: [...] }` with arrays for multi-value fields. */
export function parseCslJson(text: string): ListEntry[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new ListParseError(`CSL JSON could not be parsed: ${(err as Error).message}`, { cause: err });
  }
  const results = Array.isArray(doc) ? doc : (doc as { results?: unknown } | null)?.results;
  if (!Array.isArray(results)) throw new ListParseError('CSL JSON has no `results` array');
  return results.map((r: unknown, i: number) => {
    if (!r || typeof r !== 'object') throw new ListParseError(`CSL JSON results[${i}] is not an object`);
    const o = r as Record<string, unknown>;
    const addresses = Array.isArray(o.addresses) ? o.addresses : [];
    const addrText: string[] = [];
    const addrCountries: string[] = [];
    for (const a of addresses) {
      if (typeof a === 'string') {
        addrText.push(a);
        continue;
      }
      if (!a || typeof a !== 'object') continue;
      const ao = a as Record<string, unknown>;
      const parts = ['address', 'city', 'state', 'postal_code', 'country'].map((k) => str(ao[k]) ?? '');
      addrText.push(parts.join(', '));
      if (str(ao.country)) addrCountries.push(str(ao.country)!);
    }
    const row: CslRow = {
      _id: str(o._id) ?? str(o.id) ?? undefined,
      source: str(o.source) ?? '',
      entity_number: str(o.entity_number) ?? undefined,
      type: str(o.type) ?? undefined,
      programs: multi(o.programs),
      name: str(o.name) ?? '',
      addresses: addrText.join('; '),
      federal_register_notice: str(o.federal_register_notice) ?? undefined,
      start_date: str(o.start_date) ?? undefined,
      license_requirement: str(o.license_requirement) ?? undefined,
      license_policy: str(o.license_policy) ?? undefined,
      source_list_url: str(o.source_list_url) ?? undefined,
      alt_names: multi(o.alt_names),
      citizenships: multi(o.citizenships),
      nationalities: multi(o.nationalities),
    };
    const entry = cslRowToEntry(row);
    for (const c of uniqueCodes(addrCountries)) if (!entry.countries.includes(c)) entry.countries.push(c);
    return entry;
  });
}

function str(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return v.trim() || null;
  if (typeof v === 'number') return String(v);
  return null;
}

function multi(v: unknown): string {
  if (Array.isArray(v)) return v.map((x) => str(x)).filter((x): x is string => !!x).join('; ');
  return str(v) ?? '';
}

export function cslRowToEntry(row: CslRow): ListEntry {
  const source = (row.source ?? '').trim();
  const name = (row.name ?? '').trim();
  const addresses = splitMulti(row.addresses).filter((a) => a.replace(/[,\s]/g, '').length > 0);
  // The country is the last comma-separated part of each address ("…, Yerevan, Armenia, AM").
  const countries = uniqueCodes([
    ...addresses.map((a) => a.split(',').pop()),
    ...splitMulti(row.citizenships),
    ...splitMulti(row.nationalities),
  ]);
  const id = blankToNull(row._id) ?? blankToNull(row.entity_number) ?? contentId(source, name, row.addresses ?? '');
  return {
    id,
    list: listCodeFor(source),
    source,
    name,
    altNames: splitMulti(row.alt_names).filter((a) => a !== name),
    type: blankToNull(row.type),
    countries,
    addresses,
    programs: splitMulti(row.programs),
    licenseRequirement: blankToNull(row.license_requirement),
    licensePolicy: blankToNull(row.license_policy),
    federalRegisterNotice: blankToNull(row.federal_register_notice),
    startDate: isoDate(row.start_date),
    sourceListUrl: blankToNull(row.source_list_url),
  };
}

export { toCountryCode };
