import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import type { ListSource } from './types.js';
import { ListValidationError } from './validate.js';

/** One active list file in `rules/lists/manifest.yaml`. */
export interface ManifestList {
  /** Path relative to rules/lists/ (a file, or a directory for the OFAC legacy set). */
  file: string;
  name: string;
  format: ListSource['format'];
  /** sha256 of the uncompressed content, as published. */
  sha256: string;
  entryCount: number;
  generatedAt: string | null;
  importedAt?: string | undefined;
  /** Where it was imported from. */
  origin?: string | undefined;
  /** Unique, ordered version among the imports of its kind (see ListSource.version); absent in older manifests. */
  version?: string | undefined;
  /** OFAC set files missing at import (`--allow-incomplete-ofac`): the loader accepts the set without exactly these. */
  incomplete?: string[] | undefined;
}

export interface ListManifest {
  lists: ManifestList[];
}

const FORMATS = new Set(['csl-csv', 'csl-json', 'ofac-legacy-csv', 'bis-dpl-tsv']);

export function manifestPath(rulesDir: string): string {
  return join(rulesDir, 'lists', 'manifest.yaml');
}

export async function readManifest(rulesDir: string): Promise<ListManifest> {
  const path = manifestPath(rulesDir);
  let doc: unknown;
  try {
    doc = parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new ListValidationError(`list manifest ${path} cannot be read: ${(err as Error).message}`, { cause: err });
  }
  const lists = (doc as { lists?: unknown } | null)?.lists;
  if (!Array.isArray(lists) || lists.length === 0) throw new ListValidationError(`list manifest ${path} names no lists`);
  const files = new Set<string>();
  return {
    lists: lists.map((l: unknown, i: number) => {
      const o = (l ?? {}) as Record<string, unknown>;
      const bad = (f: string): never => {
        throw new ListValidationError(`list manifest ${path}: lists[${i}].${f} is missing or invalid`);
      };
      if (typeof o.file !== 'string' || !o.file || o.file.includes('..')) bad('file');
      // The same file twice would load every entry twice (and an import would replace only one of them).
      if (files.has(o.file as string)) throw new ListValidationError(`list manifest ${path}: lists[${i}].file "${String(o.file)}" is named twice`);
      files.add(o.file as string);
      if (typeof o.format !== 'string' || !FORMATS.has(o.format)) bad('format');
      if (typeof o.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(o.sha256)) bad('sha256');
      if (typeof o.entryCount !== 'number' || !Number.isInteger(o.entryCount) || o.entryCount <= 0) bad('entryCount');
      if (o.version != null && (typeof o.version !== 'string' || !o.version.trim())) bad('version');
      if (o.incomplete != null && (!Array.isArray(o.incomplete) || o.incomplete.length === 0 || !o.incomplete.every((f) => typeof f === 'string' && f))) bad('incomplete');
      return {
        file: o.file as string,
        name: typeof o.name === 'string' ? o.name : String(o.file),
        format: o.format as ListSource['format'],
        sha256: o.sha256 as string,
        entryCount: o.entryCount as number,
        generatedAt: o.generatedAt == null ? null : String(o.generatedAt),
        importedAt: typeof o.importedAt === 'string' ? o.importedAt : undefined,
        origin: typeof o.origin === 'string' ? o.origin : undefined,
        version: typeof o.version === 'string' ? o.version : undefined,
        incomplete: Array.isArray(o.incomplete) ? (o.incomplete as string[]) : undefined,
      };
    }),
  };
}

/**
 * The version of a manifest entry: as recorded, or for an entry written before versions were recorded, its
 * publication date, the date in its file name (an undated list was stored under its import date), else its hash.
 */
export function manifestListVersion(l: Pick<ManifestList, 'version' | 'generatedAt' | 'file' | 'sha256'>): string {
  if (l.version) return l.version;
  const day = (l.generatedAt ?? '').match(/^\d{4}-\d{2}-\d{2}/)?.[0] ?? /(\d{4}-\d{2}-\d{2})/.exec(l.file)?.[1];
  return day ?? l.sha256.slice(0, 8);
}

/** `2026-12-07`, `2026-12-07.3`, `2026-12-07.3-incomplete` → day and sequence (a bare date is 1); null for another shape. */
export function parseListVersion(v: string): { day: string; seq: number } | null {
  const m = /^(\d{4}-\d{2}-\d{2})(?:\.(\d+))?(?:-incomplete)?$/.exec(v);
  return m ? { day: m[1]!, seq: m[2] ? Number(m[2]) : 1 } : null;
}

/**
 * The version of a list imported on `day` (its publication date, or the import date for an undated list) after
 * `active`: the day itself, or the day with the next sequence number when the active list has that day (or a later
 * one, as an undated list imported after a list dated tomorrow); `-incomplete` for an OFAC set missing files. Unique
 * among the imports of a kind and ordered (compareListVersions), so two imports of an undated list on one day differ.
 */
export function nextListVersion(day: string, active: Pick<ManifestList, 'version' | 'generatedAt' | 'file' | 'sha256'> | null, incomplete = false): string {
  const prev = active ? parseListVersion(manifestListVersion(active)) : null;
  const v = prev && prev.day >= day ? `${prev.day}.${prev.seq + 1}` : day;
  return incomplete ? `${v}-incomplete` : v;
}

/** Orders versions as nextListVersion makes them (day, then sequence as a number: .10 after .9); others by text. */
export function compareListVersions(a: string, b: string): number {
  const pa = parseListVersion(a);
  const pb = parseListVersion(b);
  if (!pa || !pb) return a < b ? -1 : a > b ? 1 : 0;
  return pa.day < pb.day ? -1 : pa.day > pb.day ? 1 : pa.seq - pb.seq;
}

/** Written to a temporary file and renamed, so a crash never leaves half a manifest. */
export async function writeManifest(rulesDir: string, manifest: ListManifest): Promise<void> {
  const path = manifestPath(rulesDir);
  const header =
    '# Party lists active in this ruleset. Written by `chokepoint lists import` after validation;\n' +
    '# sha256 is over the uncompressed file as published and is checked at every load.\n';
  const clean = { lists: manifest.lists.map((l) => Object.fromEntries(Object.entries(l).filter(([, v]) => v !== undefined))) };
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, header + stringify(clean), 'utf8');
  await rename(tmp, path);
}

/** Puts back a manifest as it was (an import whose ruleset did not load is undone); temporary file and rename. */
export async function writeManifestBytes(rulesDir: string, bytes: Uint8Array): Promise<void> {
  const path = manifestPath(rulesDir);
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, bytes);
  await rename(tmp, path);
}
