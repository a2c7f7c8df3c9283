import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { basename, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { ListEntry, ListSource, PartyMatcher } from './types.js';
import { buildMatcher, IndexedPartyMatcher, type MatcherOptions } from '../matching/matcher.js';
import { compactEntries, listCacheKey, readListCache, stderrCacheLog, writeListCache, type CacheLog } from './cache.js';
import { listSlot, ofacDirectoryFiles, parseListBytes, readListPath, type ImportedList, type ListFormat } from './import.js';
import { manifestListVersion, manifestPath, nextListVersion, readManifest, writeManifest, writeManifestBytes, type ManifestList } from './manifest.js';
import { countByList, ListValidationError, validateListUpdate } from './validate.js';

export interface LoadedLists {
  sources: ListSource[];
  entries: ListEntry[];
  matcher: PartyMatcher;
}

export interface LoadListsOptions extends MatcherOptions {
  /** Check each file's sha256 and entry count against the manifest (default true). */
  verify?: boolean;
  /**
   * Folder of the start cache (parsed entries + matcher index, `src/lists/cache.ts`), or null/absent
   * for none. The service passes `listCacheDir(rulesDir)`.
   */
  cacheDir?: string | null;
  /** Where cache hits, misses and rebuilds are reported (default: a JSON line on stderr). */
  log?: CacheLog;
}

/**
 * The lists named in `<rulesDir>/lists/manifest.yaml`, verified, with the matcher built over
 * all of them. Any unreadable file, hash mismatch or count mismatch throws: fail closed.
 *
 * With `cacheDir`, a cache keyed by the manifest and the bytes of every list file (plus matcher
 * options and code version) is used when it fits the files on disk now; otherwise the lists are
 * loaded and verified as above and the cache is rewritten. A cache is only ever written after a
 * load that passed verification, so a hit stands for verified lists.
 */
export async function loadLists(rulesDir: string, opts: LoadListsOptions = {}): Promise<LoadedLists> {
  const log = opts.log ?? stderrCacheLog;
  const matcherOptions: MatcherOptions = { threshold: opts.threshold, minScore: opts.minScore, limit: opts.limit, cacheSize: opts.cacheSize };
  let cache: { dir: string; key: string } | null = null;
  if (opts.cacheDir) {
    const manifestBytes = await readFile(manifestPath(rulesDir)).catch(() => null);
    if (manifestBytes) {
      const manifest = await readManifest(rulesDir);
      const key = await listCacheKey(rulesDir, manifestBytes, manifest.lists, { ...matcherOptions, verify: opts.verify }).catch(() => null);
      if (key) {
        cache = { dir: opts.cacheDir, key };
        const hit = await readListCache(opts.cacheDir, key, matcherOptions, log);
        if (hit) return hit;
      }
    }
  }
  const loaded = await loadListsFromFiles(rulesDir, opts);
  if (cache && loaded.matcher instanceof IndexedPartyMatcher) await writeListCache(cache.dir, cache.key, { ...loaded, matcher: loaded.matcher }, log);
  return loaded;
}

async function loadListsFromFiles(rulesDir: string, opts: LoadListsOptions): Promise<LoadedLists> {
  const manifest = await readManifest(rulesDir);
  const sources: ListSource[] = [];
  const entries: ListEntry[] = [];
  for (const item of manifest.lists) {
    const path = join(rulesDir, 'lists', item.file);
    let imported: ImportedList;
    try {
      // An OFAC set imported with --allow-incomplete-ofac loads without exactly the files its manifest entry names.
      imported = await readListPath(path, item.format, { allowIncompleteOfac: !!item.incomplete?.length });
      const missing = [...(imported.source.incomplete ?? [])].sort().join(', ');
      if (missing !== [...(item.incomplete ?? [])].sort().join(', ')) {
        throw new Error(`its files lack ${missing || 'nothing'}, the manifest records ${item.incomplete?.join(', ') || 'a complete set'}`);
      }
    } catch (err) {
      throw new ListValidationError(`list ${item.file} cannot be loaded: ${(err as Error).message}`, { cause: err });
    }
    if (opts.verify !== false) {
      if (imported.source.sha256 !== item.sha256) {
        throw new ListValidationError(`list ${item.file} does not match its manifest: sha256 ${imported.source.sha256}, expected ${item.sha256}`);
      }
      if (imported.entries.length !== item.entryCount) {
        throw new ListValidationError(`list ${item.file} has ${imported.entries.length} entries, the manifest says ${item.entryCount}`);
      }
    }
    sources.push({ ...imported.source, name: item.name, file: item.file, generatedAt: item.generatedAt ?? imported.source.generatedAt, version: manifestListVersion(item) });
    entries.push(...imported.entries);
  }
  compactEntries(entries);
  return { sources, entries, matcher: buildMatcher(entries, { threshold: opts.threshold, minScore: opts.minScore, limit: opts.limit, cacheSize: opts.cacheSize }) };
}

export interface ImportListOptions {
  /** The ruleset folder holding lists/manifest.yaml (e.g. "rules"). */
  rulesDir: string;
  /** Called as bytes arrive (total 0 when unknown) and once more when parsing is done. */
  onProgress?: (done: number, total: number) => void;
  maxShrink?: number;
  format?: ListFormat;
  /** Name to store the file under in rules/lists/ (default: from the path or URL, dated if undated). */
  storeAs?: string;
  /** Clock for the manifest's importedAt and for naming an undated download. */
  now?: () => Date;
  fetch?: typeof fetch;
  /**
   * Run once the manifest names the new list (the CLI loads the whole ruleset with it). If it throws, the
   * previous manifest is put back, the stored file removed, and the import refused: a list that is stored and
   * named in the manifest but with which the ruleset does not load would stop every service at its next start.
   */
  check?: () => Promise<unknown>;
  /**
   * Accept an OFAC legacy set without add.csv or alt.csv (or a lone sdn.csv): the CLI's
   * `--allow-incomplete-ofac`. The missing files are recorded in the manifest (`incomplete`) and the version ends
   * in `-incomplete`. Default: refused, naming the missing files.
   */
  allowIncompleteOfac?: boolean;
}

export interface ImportListResult {
  source: ListSource;
  /** The manifest entry it replaced, if any. */
  replaced: ManifestList | null;
  storedAs: string;
  /** The file is the active list of its kind already (same sha256): nothing was stored or changed. */
  unchanged?: boolean;
}

const DAY_MS = 86_400_000;

/**
 * A list dated after tomorrow (UTC; time zones aside) is a wrong date or a wrong file, and one dated before the
 * active list of its kind would take back delistings' opposites — parties listed since: both refused.
 */
export function checkListDate(source: Pick<ListSource, 'file' | 'generatedAt'>, active: Pick<ManifestList, 'file' | 'generatedAt'> | null, now: Date): void {
  const day = (d: string | null | undefined) => (d && /^\d{4}-\d{2}-\d{2}/.test(d) ? d.slice(0, 10) : null);
  const dated = day(source.generatedAt);
  if (!dated) return;
  const latest = new Date(now.getTime() + DAY_MS).toISOString().slice(0, 10);
  if (dated > latest) {
    throw new ListValidationError(`list refused: ${source.file} is dated ${dated}, in the future (today is ${now.toISOString().slice(0, 10)} UTC); check the file and its name`);
  }
  const activeDay = day(active?.generatedAt);
  if (active && activeDay && dated < activeDay) {
    throw new ListValidationError(`list refused: ${source.file} is dated ${dated}, older than the active ${active.file} (${activeDay}); an older list would drop parties listed since`);
  }
}

/**
 * `chokepoint lists import <path|url>`: read, parse, validate against the active list of the same
 * kind (empty, unparsable or shrunk by more than maxShrink — in all, or in one of its list codes —
 * → ListValidationError, nothing written), then store the file gzipped in rules/lists/ under a name
 * no other file has, read the stored copy back (it must give the same sha256 and entries), and
 * point the manifest at it. A file already in rules/lists/ (the active one among them) is never
 * overwritten.
 */
export async function importListFile(pathOrUrl: string, opts: ImportListOptions): Promise<ImportListResult> {
  const now = opts.now ?? (() => new Date());
  const isUrl = /^https?:\/\//i.test(pathOrUrl);
  const manifestBytes = await readFile(manifestPath(opts.rulesDir)).catch(() => null);
  const manifest = await readManifest(opts.rulesDir);
  const listsDir = join(opts.rulesDir, 'lists');
  const readOpts = { allowIncompleteOfac: opts.allowIncompleteOfac === true };

  let candidate: ImportedList | Error;
  let bytes: Buffer | null = null;
  let dirFiles: string[] | null = null;
  try {
    if (!isUrl && (await stat(pathOrUrl)).isDirectory()) {
      if (opts.format && opts.format !== 'ofac-legacy-csv') throw new Error(`${pathOrUrl} is a folder (the OFAC legacy CSV set), not ${opts.format}`);
      dirFiles = ofacDirectoryFiles(await readdir(pathOrUrl));
      candidate = await readListPath(pathOrUrl, undefined, readOpts);
      opts.onProgress?.(1, 1);
    } else {
      bytes = isUrl ? await download(pathOrUrl, opts) : await readWithProgress(pathOrUrl, opts.onProgress);
      candidate = parseListBytes(bytes, isUrl ? new URL(pathOrUrl).pathname : pathOrUrl, opts.format, readOpts);
    }
  } catch (err) {
    candidate = err instanceof Error ? err : new Error(String(err));
  }
  const slot = candidate instanceof Error ? null : listSlot(candidate.source);
  const active = slot ? (manifest.lists.find((l) => listSlot(l) === slot) ?? null) : null;
  const activeByList = active ? await activeListCounts(listsDir, active) : undefined;
  validateListUpdate(active ? { ...active, generatedAt: active.generatedAt } : null, candidate, { maxShrink: opts.maxShrink, activeByList });
  const imported = candidate as ImportedList;
  checkListDate(imported.source, active, now());
  // The active list again, byte for byte: nothing to do (no second copy, no manifest change, no audit event).
  if (active && active.sha256 === imported.source.sha256 && active.entryCount === imported.source.entryCount) {
    // Still proven: "unchanged" must not read as "the ruleset loads" when it does not.
    if (opts.check) {
      try {
        await opts.check();
      } catch (err) {
        throw new ListValidationError(`list refused: the ruleset does not load with it (${(err as Error).message}); nothing was changed`, { cause: err });
      }
    }
    return { source: { ...imported.source, file: active.file, version: manifestListVersion(active) }, replaced: null, storedAs: active.file, unchanged: true };
  }

  const date = now().toISOString().slice(0, 10);
  let base = opts.storeAs ?? basename(isUrl ? new URL(pathOrUrl).pathname : pathOrUrl).replace(/\.gz$/, '');
  if (!/\d{4}-\d{2}-\d{2}/.test(base)) base = base.replace(/(\.[a-z]+)?$/, (ext) => `-${imported.source.generatedAt ?? date}${ext}`);
  if (!base || base.startsWith('.') || /[\\/]/.test(base) || base === 'manifest.yaml') throw new ListValidationError(`list refused: cannot store it as "${base}"`);
  await mkdir(listsDir, { recursive: true });
  const storedAs = await freeName(listsDir, dirFiles ? base : `${base}.gz`);
  const target = join(listsDir, storedAs);
  const tmp = join(listsDir, `.${storedAs}.${process.pid}.tmp`);
  try {
    if (dirFiles) {
      await mkdir(tmp, { recursive: true });
      for (const f of dirFiles) {
        const data = await readFile(join(pathOrUrl, f));
        const isGz = data[0] === 0x1f && data[1] === 0x8b;
        await writeFile(join(tmp, isGz ? f : `${f}.gz`), isGz ? data : gzipSync(data, { level: 9 }));
      }
    } else {
      const isGz = bytes![0] === 0x1f && bytes![1] === 0x8b;
      await writeFile(tmp, isGz ? bytes! : gzipSync(bytes!, { level: 9 }));
    }
    // The copy that will be loaded must be the list that was validated, byte for byte.
    const stored = await readListPath(tmp, dirFiles ? undefined : imported.source.format, readOpts);
    if (stored.source.sha256 !== imported.source.sha256 || stored.entries.length !== imported.entries.length) {
      throw new ListValidationError(
        `list refused: the stored copy does not read back as the list validated (sha256 ${stored.source.sha256}, ${stored.entries.length} entries; ` +
          `expected ${imported.source.sha256}, ${imported.entries.length})`,
      );
    }
    await rename(tmp, target);
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    if (err instanceof ListValidationError) throw err;
    throw new ListValidationError(`list refused: it could not be stored in ${listsDir}: ${(err as Error).message}`, { cause: err });
  }
  const item: ManifestList = {
    file: storedAs,
    name: imported.source.name,
    format: imported.source.format,
    sha256: imported.source.sha256,
    entryCount: imported.source.entryCount,
    generatedAt: imported.source.generatedAt,
    importedAt: now().toISOString(),
    origin: isUrl ? pathOrUrl : basename(pathOrUrl),
    // Unique and ordered among the imports of this kind: an undated list imported twice on one day used to get the
    // same version (its import date) twice, told apart only by the hash.
    version: nextListVersion(dayOf(imported.source.generatedAt) ?? date, active, !!imported.source.incomplete?.length),
    incomplete: imported.source.incomplete,
  };
  const lists = active ? manifest.lists.map((l) => (l === active ? item : l)) : [...manifest.lists, item];
  await writeManifest(opts.rulesDir, { lists });
  if (opts.check) {
    try {
      await opts.check();
    } catch (err) {
      if (manifestBytes) await writeManifestBytes(opts.rulesDir, manifestBytes);
      await rm(target, { recursive: true, force: true });
      throw new ListValidationError(`list refused: the ruleset does not load with it (${(err as Error).message}); the previous manifest is restored`, { cause: err });
    }
  }
  return { source: { ...imported.source, file: storedAs, version: item.version }, replaced: active, storedAs };
}

const dayOf = (d: string | null | undefined): string | null => (d && /^\d{4}-\d{2}-\d{2}/.test(d) ? d.slice(0, 10) : null);

/** Entries by list code of the active list of a kind, read from its file if it still matches its manifest; else unknown. */
async function activeListCounts(listsDir: string, active: ManifestList): Promise<Map<string, number> | undefined> {
  try {
    const read = await readListPath(join(listsDir, active.file), active.format, { allowIncompleteOfac: !!active.incomplete?.length });
    if (read.source.sha256 !== active.sha256 || read.entries.length !== active.entryCount) return undefined;
    return countByList(read.entries);
  } catch {
    return undefined;
  }
}

/** `name`, or `name` with -2, -3 … before its extension, whichever is not yet taken in `dir`. */
async function freeName(dir: string, name: string): Promise<string> {
  const taken = new Set(await readdir(dir));
  if (!taken.has(name)) return name;
  const m = /^(.*?)((?:\.[a-z0-9]+)*)$/i.exec(name)!;
  for (let n = 2; ; n++) {
    const next = `${m[1]}-${n}${m[2]}`;
    if (!taken.has(next)) return next;
  }
}

async function readWithProgress(path: string, onProgress?: (done: number, total: number) => void): Promise<Buffer> {
  const total = (await stat(path)).size;
  const chunks: Buffer[] = [];
  let done = 0;
  for await (const chunk of createReadStream(path)) {
    const b = chunk as Buffer;
    chunks.push(b);
    done += b.length;
    onProgress?.(done, total);
  }
  return Buffer.concat(chunks);
}

async function download(url: string, opts: ImportListOptions): Promise<Buffer> {
  const res = await (opts.fetch ?? fetch)(url);
  if (!res.ok || !res.body) throw new Error(`download of ${url} failed: HTTP ${res.status}`);
  const total = Number(res.headers.get('content-length') ?? 0);
  const chunks: Uint8Array[] = [];
  let done = 0;
  const reader = res.body.getReader();
  for (;;) {
    const { done: end, value } = await reader.read();
    if (end) break;
    chunks.push(value);
    done += value.length;
    opts.onProgress?.(done, total);
  }
  return Buffer.concat(chunks);
}
