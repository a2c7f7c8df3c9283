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
      return {
        file: o.file as string,
        name: typeof o.name === 'string' ? o.name : String(o.file),
        format: o.format as ListSource['format'],
        sha256: o.sha256 as string,
        entryCount: o.entryCount as number,
        generatedAt: o.generatedAt == null ? null : String(o.generatedAt),
        importedAt: typeof o.importedAt === 'string' ? o.importedAt : undefined,
        origin: typeof o.origin === 'string' ? o.origin : undefined,
      };
    }),
  };
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
