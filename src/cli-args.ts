/**
 * What every CLI command shares: its exit codes (documented in README, "Command line") and flag
 * parsing through node:util parseArgs, so `--role=submitter` and `--role submitter` both work and
 * an unknown flag is a usage error instead of being taken for a value.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { StorageConfig } from './config.js';
import { assertDataFolderFree, DataFolderLockedError } from './store/data-lock.js';

/** sysexits.h where one fits. `screen` adds 2/3/4 for its decisions; `audit verify` uses 1 for "checked, broken". */
export const EXIT = {
  OK: 0,
  /** The command ran and failed (input refused, list refused, audit log broken). */
  FAILURE: 1,
  USAGE: 64,
  /** Could not reach or open the storage (embedded folder held by a running server, database down): nothing was done. */
  UNAVAILABLE: 69,
  CONFIG: 78,
} as const;

export class UsageError extends Error {}

type Options = NonNullable<ParseArgsConfig['options']>;

/** Parses `--name value` / `--name=value` flags; throws UsageError on an unknown flag or a missing value. */
export function parseFlags<O extends Options>(args: string[], options: O) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/**
 * Refuses at once, before anything is done or printed, when a running process holds the embedded
 * database folder (see store/data-lock.ts). Postgres and in-memory storage have no such limit.
 */
export function assertStorageAvailable(storage: StorageConfig): void {
  if (storage.kind === 'pglite-dir') assertDataFolderFree(storage.dataDir);
}

export function isStorageLocked(err: unknown): err is DataFolderLockedError {
  return err instanceof DataFolderLockedError;
}
