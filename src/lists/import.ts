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
export function parseListBytes(bytes: Uint8Array, file: string, format?: ListFormat): ImportedList {
  const raw = maybeGunzip(bytes);
  const text = toText(raw);
  const fmt = format ?? detectFormat(text);
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
      entries = parseOfacLegacy({ main: text }, 'SDN');
      break;
  }
  let generatedAt = dateFromFileName(file);
  if (fmt === 'csl-json') {
    const m = /"(?:generated_at|last_updated|sources_used[^]*?last_imported)"\s*:\s*"([^"]+)"/.exec(text.slice(0, 20000));
    if (m?.[1]) generatedAt = m[1];
  }
  return {
    source: { name: NAMES[fmt], file: basename(file), format: fmt, entryCount: entries.length, sha256: sha256Hex(raw), generatedAt },
    entries,
  };
}

const OFAC_MAIN = ['sdn.csv', 'prim.csv'];
const OFAC_COMMENTS = ['sdn_comments.csv', 'comments.csv'];

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

export async function readOfacDirectory(dir: string): Promise<ImportedList> {
  const names = await readdir(dir);
  const find = (cands: string[]): string | undefined =>
    names.find((n) => cands.includes(n) || cands.includes(n.replace(/\.gz$/, '')));
  const mainName = find(OFAC_MAIN);
  if (!mainName) throw new ListParseError(`${dir}: no sdn.csv or prim.csv`);
  const read = async (n: string | undefined): Promise<Buffer | undefined> =>
    n ? maybeGunzip(await readFile(join(dir, n))) : undefined;
  const [main, add, alt, comments] = await Promise.all([
    read(mainName),
    read(find(['add.csv'])),
    read(find(['alt.csv'])),
    read(find(OFAC_COMMENTS)),
  ]);
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
    },
    entries,
  };
}

/** A list file or an OFAC directory on disk. */
export async function readListPath(path: string, format?: ListFormat): Promise<ImportedList> {
  if ((await stat(path)).isDirectory()) return readOfacDirectory(path);
  return parseListBytes(await readFile(path), path, format);
}
