import { readFile, readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { ListEntry, ListSource } from './types.js';
import { ListParseError, parseCslCsv, parseCslJson } from './csl.js';
import { parseOfacLegacy } from './ofac-legacy.js';
import { parseBisDpl } from './bis-dpl.js';
import { dateFromFileName, maybeGunzip, sha256Hex, toText } from './import-util.js';

export type ListFormat = ListSource['format'];

/** What every importer returns: the entries and the record of the file they came from. */
export interface ImportedList {
  source: ListSource;
  entries: ListEntry[];
}

/** Which list a file replaces when imported: a new CSL replaces the CSL, a new DPL file the DPL file. */
export function listSlot(source: Pick<ListSource, 'format' | 'name'>): string {
  if (source.format === 'csl-csv' || source.format === 'csl-json') return 'csl';
  if (source.format === 'bis-dpl-tsv') return 'bis-dpl';
  return /non-sdn/i.test(source.name) ? 'ofac-nonsdn' : 'ofac-sdn';
}

/** Format from the content, not the name: the first bytes say what the file is. */
export function detectFormat(text: string): ListFormat {
  const head = text.slice(0, 4096).trimStart();
  if (head.startsWith('{') || head.startsWith('[')) return 'csl-json';
  const firstLine = head.split(/\r?\n/, 1)[0] ?? '';
  if (/^"?_id"?,"?source"?,/.test(firstLine) || /^"?source"?,"?entity_number"?,/.test(firstLine)) return 'csl-csv';
  if (firstLine.includes('\t') && /^"?Name"?\t/i.test(firstLine)) return 'bis-dpl-tsv';
  if (/^\d+,\s*"/.test(firstLine)) return 'ofac-legacy-csv';
  // The trade.gov header in another column order (a spreadsheet re-export): columns are read by name, so it is the
  // same list; it used to be refused as "unrecognised" unless --format csl-csv was given.
  const cols = new Set(firstLine.split(',').map((c) => c.trim().replace(/^"(.*)"$/, '$1')));
  if (['source', 'name', 'alt_names', 'addresses'].every((c) => cols.has(c))) return 'csl-csv';
  throw new ListParseError(`unrecognised list format (first line: ${JSON.stringify(firstLine.slice(0, 80))})`);
}

const NAMES: Record<ListFormat, string> = {
  'csl-csv': 'Consolidated Screening List (trade.gov)',
  'csl-json': 'Consolidated Screening List (trade.gov)',
  'bis-dpl-tsv': 'Denied Persons List (BIS)',
  'ofac-legacy-csv': 'OFAC SDN List',
};

/**
 * One list file's bytes (gzip allowed) → entries. `file` is recorded as given; sha256 is over the
 * uncompressed bytes, so it equals the hash of the file as the agency published it.
 */
export function parseListBytes(bytes: Uint8Array, file: string, format?: ListFormat, opts: ReadListOptions = {}): ImportedList {
  const raw = maybeGunzip(bytes);
  refuseArchive(raw);
  const text = toText(raw);
  const fmt = format ?? detectFormat(text);
  let incomplete: string[] | undefined;
  let entries: ListEntry[];
  switch (fmt) {
    case 'csl-csv':
      entries = parseCslCsv(text);
      break;
    case 'csl-json':
      entries = parseCslJson(text);
      break;
    case 'bis-dpl-tsv':
      entries = parseBisDpl(text);
      break;
    case 'ofac-legacy-csv':
      // One file of the legacy set alone: the aliases (alt.csv) and addresses (add.csv) are missing, and screening
      // would silently miss every alias. Refused unless overridden (--allow-incomplete-ofac).
      // (Parsed first: add.csv or alt.csv given as the list is refused as what it is.)
      entries = parseOfacLegacy({ main: text }, 'SDN');
      incomplete = [...OFAC_REQUIRED_WITH_MAIN['sdn.csv']!];
      if (!opts.allowIncompleteOfac) throw new ListParseError(incompleteMessage(`${basename(file)} (one file of it, alone)`, incomplete));
      break;
  }
  let generatedAt = dateFromFileName(file);
  if (fmt === 'csl-json') {
    const m = /"(?:generated_at|last_updated|sources_used[^]*?last_imported)"\s*:\s*"([^"]+)"/.exec(text.slice(0, 20000));
    if (m?.[1]) generatedAt = m[1];
  }
  return {
    source: { name: NAMES[fmt], file: basename(file), format: fmt, entryCount: entries.length, sha256: sha256Hex(raw), generatedAt, ...(incomplete ? { incomplete } : {}) },
    entries,
  };
}

const OFAC_MAIN = ['sdn.csv', 'prim.csv'];
const OFAC_COMMENTS = ['sdn_comments.csv', 'comments.csv'];
/**
 * The files of the legacy set required besides the main file: alt.csv carries the aliases (9,680 in the real SDN
 * set), add.csv the addresses and their countries. A set without one of them imported "successfully" with every
 * alias (or address) missing — screening silently weaker — so it is refused (fail closed). The comments file only
 * continues long Remarks, read for nationalities; without it no entry of the real SDN set changes, and OFAC
 * publishes it separately, so it stays optional.
 */
const OFAC_REQUIRED_WITH_MAIN: Record<string, readonly string[]> = {
  'sdn.csv': ['add.csv', 'alt.csv'],
  'prim.csv': ['add.csv', 'alt.csv'],
};

/** What the caller allows when reading a list. */
export interface ReadListOptions {
  /**
   * Read an OFAC legacy set that lacks add.csv or alt.csv (or a lone sdn.csv): the operator's
   * explicit `--allow-incomplete-ofac`, recorded in the manifest (`incomplete`) and in the list's version. Default: refused.
   */
  allowIncompleteOfac?: boolean;
}

export const ALLOW_INCOMPLETE_OFAC_FLAG = '--allow-incomplete-ofac';

function incompleteMessage(what: string, missing: readonly string[]): string {
  const why = missing.map((f) => (f === 'alt.csv' ? 'alt.csv (aliases)' : f === 'add.csv' ? 'add.csv (addresses, countries)' : f));
  return (
    `the OFAC legacy set ${what} is incomplete: ${why.join(', ')} ${missing.length === 1 ? 'is' : 'are'} missing; ` +
    `without ${missing.length === 1 ? 'it' : 'them'} screening would silently miss those names. Import the whole folder ` +
    `(sdn.csv or prim.csv with add.csv and alt.csv, and the comments file if published), or give ${ALLOW_INCOMPLETE_OFAC_FLAG} to import it anyway`
  );
}

/** A zip archive (PK\x03\x04) or another container given where a list file belongs: named, not read as bad text. */
function refuseArchive(raw: Uint8Array): void {
  const b = raw;
  const kind =
    b[0] === 0x50 && b[1] === 0x4b && (b[2] === 0x03 || b[2] === 0x05 || b[2] === 0x07) ? 'a zip archive'
    : b[0] === 0x1f && b[1] === 0x8b ? 'a gzip file inside a gzip file'
    : b[0] === 0x42 && b[1] === 0x5a && b[2] === 0x68 ? 'a bzip2 file'
    : b[0] === 0xfd && b[1] === 0x37 && b[2] === 0x7a && b[3] === 0x58 ? 'an xz file'
    : b[0] === 0x37 && b[1] === 0x7a && b[2] === 0xbc && b[3] === 0xaf ? 'a 7-zip archive'
    : null;
  if (kind) throw new ListParseError(`the file is ${kind}, not a list: extract the list file (CSV, JSON or the BIS text file) and import that (a single gzip layer is read)`);
}

/**
 * OFAC's legacy set from a directory: sdn.csv (SDN) or prim.csv (non-SDN consolidated) with
 * add.csv, alt.csv and the comments file; each may be gzipped (`.csv.gz`). sha256 is over the
 * uncompressed files concatenated in the order main, add, alt, comments.
 */
/** The files of an OFAC directory listing that readOfacDirectory reads: main, add, alt and comments (each at most once). */
export function ofacDirectoryFiles(names: readonly string[]): string[] {
  const find = (cands: string[]): string | undefined =>
    names.find((n) => cands.includes(n) || cands.includes(n.replace(/\.gz$/, '')));
  return [find(OFAC_MAIN), find(['add.csv']), find(['alt.csv']), find(OFAC_COMMENTS)].filter((n): n is string => !!n);
}

/** The required files of the OFAC set (named as for its main file) that a directory listing lacks. */
export function ofacMissingFiles(names: readonly string[]): string[] {
  const has = (f: string) => names.some((n) => n === f || n.replace(/\.gz$/, '') === f);
  const main = OFAC_MAIN.find(has);
  if (!main) return [...OFAC_MAIN];
  return OFAC_REQUIRED_WITH_MAIN[main]!.filter((f) => !has(f));
}

export async function readOfacDirectory(dir: string, opts: ReadListOptions = {}): Promise<ImportedList> {
  const names = await readdir(dir);
  const find = (cands: string[]): string | undefined =>
    names.find((n) => cands.includes(n) || cands.includes(n.replace(/\.gz$/, '')));
  const mainName = find(OFAC_MAIN);
  if (!mainName) throw new ListParseError(`${dir}: no sdn.csv or prim.csv`);
  const missing = ofacMissingFiles(names);
  const read = async (n: string | undefined): Promise<Buffer | undefined> =>
    n ? maybeGunzip(await readFile(join(dir, n))) : undefined;
  const [main, add, alt, comments] = await Promise.all([
    read(mainName),
    read(find(['add.csv'])),
    read(find(['alt.csv'])),
    read(find(OFAC_COMMENTS)),
  ]);
  // A required file that is there but empty (a failed download saved as 0 bytes) is missing just the same.
  const blank = (b: Buffer | undefined) => !!b && toText(b).replace(/[\s\u001a]/g, '') === '';
  if (blank(add)) missing.push('add.csv');
  if (blank(alt)) missing.push('alt.csv');
  missing.sort();
  if (missing.length > 0 && !opts.allowIncompleteOfac) throw new ListParseError(incompleteMessage(`in ${basename(dir)}`, missing));
  const list = mainName.startsWith('prim') ? 'NONSDN' : 'SDN';
  const entries = parseOfacLegacy(
    { main: toText(main!), add: add && toText(add), alt: alt && toText(alt), comments: comments && toText(comments) },
    list,
  );
  const all = Buffer.concat([main!, add ?? Buffer.alloc(0), alt ?? Buffer.alloc(0), comments ?? Buffer.alloc(0)]);
  return {
    source: {
      name: list === 'SDN' ? 'OFAC SDN List' : 'OFAC Non-SDN Consolidated List',
      file: basename(dir),
      format: 'ofac-legacy-csv',
      entryCount: entries.length,
      sha256: sha256Hex(all),
      generatedAt: dateFromFileName(dir),
      ...(missing.length > 0 ? { incomplete: missing } : {}),
    },
    entries,
  };
}

/** A list file or an OFAC directory on disk. */
export async function readListPath(path: string, format?: ListFormat, opts: ReadListOptions = {}): Promise<ImportedList> {
  if ((await stat(path)).isDirectory()) return readOfacDirectory(path, opts);
  return parseListBytes(await readFile(path), path, format, opts);
}
