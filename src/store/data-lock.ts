/**
 * An exclusive lock on an embedded PGlite data folder. PGlite is Postgres compiled to WebAssembly
 * running inside one process: two processes opening the same folder each believe they own it, and
 * whatever the second one writes is lost or corrupts the first one's view (a CLI `keys create`
 * printed a key that a running server never saw and a restart erased). So the process that opens
 * the folder takes `<folder>.lock` (created with O_EXCL, holding its pid and host); another process
 * is refused at once. A lock left by a process that died (kill -9, power loss) is recognised — same
 * host, pid no longer alive — and taken over.
 */
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';

export interface LockHolder {
  pid: number;
  host: string;
  startedAt: string;
  command: string;
}

export class DataFolderLockedError extends Error {
  constructor(
    readonly dataDir: string,
    readonly holder: LockHolder,
  ) {
    super(
      `the embedded database ${dataDir} is in use by another process (pid ${holder.pid} on ${holder.host}, ${holder.command}, since ${holder.startedAt}; lock ${lockPath(dataDir)}). ` +
        'Embedded PGlite serves one process at a time. Either stop that process (the server) and run this command again, ' +
        'or do it through the running service\'s API (e.g. POST /v1/api-keys, GET /v1/audit/verify, POST /v1/rules/reload), ' +
        'or run server and CLI against Postgres (DATABASE_URL=postgres://…).',
    );
    this.name = 'DataFolderLockedError';
  }
}

export const lockPath = (dataDir: string) => `${dataDir.replace(/[/\\]+$/, '')}.lock`;

function readHolder(file: string): LockHolder | null {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<LockHolder>;
    if (typeof parsed.pid !== 'number' || typeof parsed.host !== 'string') return null;
    return { pid: parsed.pid, host: parsed.host, startedAt: String(parsed.startedAt ?? '?'), command: String(parsed.command ?? '?') };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    // Unreadable or half-written: treat as held by an unknown live process rather than steal it.
    return { pid: -1, host: '?', startedAt: '?', command: 'unreadable lock file' };
  }
}

function isAlive(holder: LockHolder): boolean {
  // On another host (a shared volume) we cannot tell: assume alive, fail closed.
  if (holder.host !== hostname() || holder.pid <= 0) return true;
  if (holder.pid === process.pid) return true;
  try {
    process.kill(holder.pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Who holds the folder, or null when it is free (no lock, or a stale one). Reads only. */
export function lockHolder(dataDir: string): LockHolder | null {
  const holder = readHolder(lockPath(dataDir));
  return holder && isAlive(holder) ? holder : null;
}

/** Throws DataFolderLockedError when a live process holds the folder. */
export function assertDataFolderFree(dataDir: string): void {
  const holder = lockHolder(dataDir);
  if (holder) throw new DataFolderLockedError(dataDir, holder);
}

/**
 * Takes the lock or throws DataFolderLockedError. Returns the release function (also run on
 * process exit, so a normal exit never leaves a lock behind).
 */
export function acquireDataFolderLock(dataDir: string): () => void {
  const file = lockPath(dataDir);
  const me: LockHolder = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString(), command: process.argv.slice(1).join(' ').slice(0, 200) };
  for (let attempt = 0; attempt < 3; attempt++) {
    let fd: number;
    try {
      fd = openSync(file, 'wx', 0o600);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = readHolder(file);
      if (holder && isAlive(holder)) throw new DataFolderLockedError(dataDir, holder);
      // Stale (its process is gone) or vanished meanwhile: remove and try again.
      try {
        unlinkSync(file);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      }
      continue;
    }
    try {
      writeSync(fd, JSON.stringify(me));
    } finally {
      closeSync(fd);
    }
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      process.off('exit', release);
      // Only remove our own lock: never one another process took over meanwhile.
      if (readHolder(file)?.pid === me.pid) {
        try {
          unlinkSync(file);
        } catch {
          /* already gone */
        }
      }
    };
    process.on('exit', release);
    return release;
  }
  throw new DataFolderLockedError(dataDir, readHolder(file) ?? { pid: -1, host: '?', startedAt: '?', command: 'contended lock' });
}
