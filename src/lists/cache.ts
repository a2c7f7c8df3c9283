/**
 * The start cache of the party lists: the parsed entries and the matcher's index, saved beside the
 * list files and keyed by what they were made from — the manifest, the bytes of every list file,
 * the matcher options, the cache and index format versions and a fingerprint of the parsing and
 * matching code. A cache whose key differs from the files on disk, or that is damaged in any way
 * (truncated, a checksum that does not match, an index that does not fit its entries), is ignored
 * with a log line and rebuilt from the lists: never used.
 *
 * File layout (one file, `party-lists.cache`): "CPLC" | u32 format | u32 header length | header
 * JSON { key, payloadSha256, sources, entriesLength, indexLength } | entries JSON | index bytes.
 * Written to a temporary file and renamed, so a reader sees the old file or the new one.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { threadId } from 'node:worker_threads';
import { IndexedPartyMatcher, type MatcherOptions } from '../matching/matcher.js';
import { INDEX_FORMAT } from '../matching/name-index.js';
import type { ListEntry, ListSource } from './types.js';
import type { ManifestList } from './manifest.js';

/** Layout version of the cache file; bump it when the file or the entries' shape changes. */
export const LIST_CACHE_FORMAT = 1;
export const LIST_CACHE_FILE = 'party-lists.cache';
const MAGIC = 0x434c5043; // "CPLC"

export type CacheLog = (level: 'info' | 'warn', msg: string, fields?: Record<string, unknown>) => void;

/** A pino-shaped line on stderr, for callers without a logger (the service's engine workers, the CLI). */
export const stderrCacheLog: CacheLog = (level, msg, fields) => {
  process.stderr.write(`${JSON.stringify({ level: level === 'warn' ? 40 : 30, time: Date.now(), ...fields, msg })}\n`);
};

/**
 * Where the cache lives: `LIST_CACHE_DIR` if set (relative to the working directory), `off` for no
 * cache, else `<rulesDir>/lists/.cache` — beside the data it was made from (gitignored).
 */
export function listCacheDir(rulesDir: string, env: NodeJS.ProcessEnv = process.env): string | null {
  const v = env.LIST_CACHE_DIR?.trim();
  if (v === 'off' || v === 'none' || v === 'false') return null;
  return v ? resolve(v) : join(rulesDir, 'lists', '.cache');
}

let fingerprint: Promise<string> | null = null;

/**
 * The code the cache's content depends on: the matcher (tokenizer, vocabulary, index), the list
 * parsers and the country table. Any change to them — a new build — is a new key.
 */
function codeFingerprint(): Promise<string> {
  fingerprint ??= (async () => {
    const h = createHash('sha256');
    const dirs = ['../matching/', './', '../rules/'].map((d) => fileURLToPath(new URL(d, import.meta.url)));
    for (const dir of dirs) {
      const files = (await readdir(dir)).filter((f) => /\.(ts|js|mjs)$/.test(f) && (!dir.endsWith('rules/') || f.startsWith('country-'))).sort();
      for (const f of files) h.update(`${f}\0`).update(await readFile(join(dir, f)));
    }
    h.update(await readFile(fileURLToPath(new URL('../../rules/countries.yaml', import.meta.url))).catch(() => Buffer.from('none')));
    return h.digest('hex');
  })();
  return fingerprint;
}

/** The key of a cache for these list files as they are on disk now. */
export async function listCacheKey(rulesDir: string, manifestBytes: Uint8Array, items: readonly ManifestList[], options: MatcherOptions & { verify?: boolean }): Promise<string> {
  const h = createHash('sha256');
  const { threshold, minScore, limit, cacheSize, verify } = options;
  h.update(`cplc\0${LIST_CACHE_FORMAT}\0${INDEX_FORMAT}\0${await codeFingerprint()}\0${JSON.stringify([threshold, minScore, limit, cacheSize, verify !== false])}\0`);
  h.update(manifestBytes);
  for (const item of items) {
    const path = join(rulesDir, 'lists', item.file);
    h.update(`\0file\0${item.file}\0`);
    if ((await stat(path)).isDirectory()) {
      for (const f of (await readdir(path)).sort()) h.update(`${f}\0`).update(await readFile(join(path, f)));
    } else {
      h.update(await readFile(path));
    }
  }
  return h.digest('hex');
}

export interface CachedLists {
  sources: ListSource[];
  entries: ListEntry[];
  matcher: IndexedPartyMatcher;
}

interface Header {
  key: string;
  payloadSha256: string;
  sources: ListSource[];
  entriesLength: number;
  indexLength: number;
}

/** The cached lists if the file exists, fits this key and is intact; null (with a log line when it was there but unusable) otherwise. */
export async function readListCache(dir: string, key: string, options: MatcherOptions, log: CacheLog): Promise<CachedLists | null> {
  const path = join(dir, LIST_CACHE_FILE);
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') log('warn', 'party list cache unreadable; rebuilding from the lists', { path, error: (err as Error).message });
    return null;
  }
  try {
    if (bytes.length < 12 || bytes.readUInt32LE(0) !== MAGIC) throw new Error('not a party list cache');
    const format = bytes.readUInt32LE(4);
    if (format !== LIST_CACHE_FORMAT) throw new Error(`cache format ${format}, this build writes ${LIST_CACHE_FORMAT}`);
    const headLen = bytes.readUInt32LE(8);
    if (12 + headLen > bytes.length) throw new Error('truncated');
    const head = JSON.parse(bytes.subarray(12, 12 + headLen).toString('utf8')) as Header;
    if (head.key !== key) {
      log('info', 'party list cache is for other lists or another build; rebuilding', { path });
      return null;
    }
    const payload = bytes.subarray(12 + headLen);
    if (payload.length !== head.entriesLength + head.indexLength) throw new Error('truncated');
    if (createHash('sha256').update(payload).digest('hex') !== head.payloadSha256) throw new Error('checksum mismatch');
    const entries = compactEntries(JSON.parse(payload.subarray(0, head.entriesLength).toString('utf8')) as ListEntry[]);
    const matcher = IndexedPartyMatcher.restore(entries, payload.subarray(head.entriesLength), options);
    log('info', 'party lists restored from the start cache', { path, entries: entries.length, names: matcher.nameCount });
    return { sources: head.sources, entries, matcher };
  } catch (err) {
    log('warn', 'party list cache damaged; ignored and rebuilt from the lists', { path, error: (err as Error).message });
    return null;
  }
}

/** Saves the lists for the next start: temporary file, then rename. A failure is logged, never fatal. */
export async function writeListCache(dir: string, key: string, lists: CachedLists, log: CacheLog): Promise<void> {
  const path = join(dir, LIST_CACHE_FILE);
  const tmp = join(dir, `.${LIST_CACHE_FILE}.${process.pid}.${threadId}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const entries = Buffer.from(JSON.stringify(lists.entries), 'utf8');
    const index = lists.matcher.serialise();
    const payloadSha256 = createHash('sha256').update(entries).update(index).digest('hex');
    const head = Buffer.from(JSON.stringify({ key, payloadSha256, sources: lists.sources, entriesLength: entries.length, indexLength: index.length } satisfies Header), 'utf8');
    const pre = Buffer.alloc(12);
    pre.writeUInt32LE(MAGIC, 0);
    pre.writeUInt32LE(LIST_CACHE_FORMAT, 4);
    pre.writeUInt32LE(head.length, 8);
    await mkdir(dir, { recursive: true });
    await writeFile(tmp, Buffer.concat([pre, head, entries, index]));
    await rename(tmp, path);
    log('info', 'party list cache written', { path, bytes: 12 + head.length + entries.length + index.length });
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    log('warn', 'party list cache could not be written; the next start rebuilds it', { path, error: (err as Error).message });
  }
}

/**
 * Entries as the running service keeps them: repeated strings (list, source, type, countries,
 * programs, licence texts, notices, URLs) shared rather than one copy per entry, and addresses
 * dropped — nothing reads them after import (the shipped CSL has them reduced to countries, and
 * the matcher, the engine's evidence and party search use name, aliases and countries).
 */
export function compactEntries(entries: ListEntry[]): ListEntry[] {
  const pool = new Map<string, string>();
  const intern = <T extends string | null>(s: T): T => {
    if (s === null) return s;
    const hit = pool.get(s);
    if (hit !== undefined) return hit as T;
    pool.set(s, s);
    return s;
  };
  const arrays = new Map<string, string[]>();
  const internArray = (a: string[]): string[] => {
    if (a.length === 0) return NONE;
    const k = a.join('\u001f');
    const hit = arrays.get(k);
    if (hit) return hit;
    const v = a.map(intern);
    arrays.set(k, v);
    return v;
  };
  for (const e of entries) {
    e.list = intern(e.list);
    e.source = intern(e.source);
    e.type = intern(e.type);
    e.countries = internArray(e.countries);
    e.programs = internArray(e.programs);
    e.addresses = NONE;
    e.licenseRequirement = intern(e.licenseRequirement);
    e.licensePolicy = intern(e.licensePolicy);
    e.federalRegisterNotice = intern(e.federalRegisterNotice);
    e.startDate = intern(e.startDate);
    e.sourceListUrl = intern(e.sourceListUrl);
    if (e.altNames.length === 0) e.altNames = NONE;
  }
  return entries;
}

/** One shared empty array, frozen so no caller can fill it for everyone. */
const NONE = Object.freeze([]) as unknown as string[];
