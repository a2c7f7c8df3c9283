import type { ListEntry, ListSource } from './types.js';

/** A list update that must not be activated. Fail closed: the active list stays in force. */
export class ListValidationError extends Error {
  override readonly name = 'ListValidationError';
  readonly code = 'LIST_VALIDATION_FAILED';
  readonly status = 422;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export interface ValidateOptions {
  /** Largest accepted shrink against the active list, as a fraction (0.10 = 10 %). */
  maxShrink?: number;
  /**
   * Entries of the active list by list code (EL, DPL, SDN, …), when it could be read: each code is then held to
   * `maxShrink` too. A combined list (the CSL) that lost its whole Denied Persons List shrank by 6 % overall and passed.
   */
  activeByList?: ReadonlyMap<string, number>;
}

/** A list code must lose at least this many entries before its own shrink refuses an import (a 3-entry list losing one is not a truncation). */
export const MIN_SUBLIST_DROP = 10;

/** Longest name or alias accepted: the real lists' longest is 381 characters (CSL), 147 (OFAC). */
export const MAX_NAME_CHARS = 2000;

const e50 = (s: string): string => (s.length > 50 ? `${s.slice(0, 50)}…` : s);

/** How many entries each list code has. */
export function countByList(entries: readonly ListEntry[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const e of entries) counts.set(e.list, (counts.get(e.list) ?? 0) + 1);
  return counts;
}

/**
 * Refuses an empty list, a parse failure (pass the error as `candidate`), entries without names,
 * or a shrink by more than `maxShrink` against the active list of the same kind. A list that
 * arrives truncated is far likelier than a real 10 % delisting; an operator who means it can
 * raise `maxShrink` for one import.
 */
export function validateListUpdate(
  active: ListSource | null,
  candidate: { source: ListSource; entries: ListEntry[] } | Error,
  { maxShrink = 0.1, activeByList }: ValidateOptions = {},
): void {
  if (candidate instanceof Error) {
    throw new ListValidationError(`list refused: it could not be parsed (${candidate.message})`, { cause: candidate });
  }
  const { source, entries } = candidate;
  if (entries.length === 0) throw new ListValidationError(`list refused: ${source.file} has no entries`);
  if (source.entryCount !== entries.length) {
    throw new ListValidationError(`list refused: ${source.file} declares ${source.entryCount} entries but ${entries.length} were read`);
  }
  const unnamed = entries.filter((e) => !e.name.trim()).length;
  if (unnamed > 0) throw new ListValidationError(`list refused: ${unnamed} entr${unnamed === 1 ? 'y has' : 'ies have'} no name`);
  // An entry without its source list cannot say what it does (an SDN party would be screened as an unknown list:
  // REVIEW instead of BLOCK); a name or alias thousands of characters long is a broken row, not a party.
  const sourceless = entries.findIndex((e) => !e.source.trim());
  if (sourceless >= 0) throw new ListValidationError(`list refused: entry ${sourceless + 1} ("${e50(entries[sourceless]!.name)}") names no source list`);
  for (const [i, e] of entries.entries()) {
    const long = [e.name, ...e.altNames].find((n) => n.length > MAX_NAME_CHARS);
    if (long !== undefined) {
      throw new ListValidationError(`list refused: entry ${i + 1} (id "${e50(e.id)}") has a name or alias of ${long.length} characters, more than ${MAX_NAME_CHARS} (a broken row?)`);
    }
  }
  // An id names one entry of its list (suppressions are keyed by list and id): one id for two different entries
  // is a broken file. The same row published twice (the BIS file carries a few) is harmless and let through.
  const seen = new Map<string, string>();
  for (const e of entries) {
    const key = `${e.list}\u0000${e.id}`;
    const content = JSON.stringify(e);
    const before = seen.get(key);
    if (before !== undefined && before !== content) {
      throw new ListValidationError(`list refused: ${source.file} gives the id "${e.id}" on list ${e.list} to two different entries (one is "${e.name}")`);
    }
    seen.set(key, content);
  }
  if (active && active.entryCount > 0) {
    const shrink = (active.entryCount - entries.length) / active.entryCount;
    if (shrink > maxShrink) {
      throw new ListValidationError(
        `list refused: ${source.file} has ${entries.length} entries, ${(shrink * 100).toFixed(1)} % fewer than the active ` +
          `${active.file} (${active.entryCount}); the limit is ${(maxShrink * 100).toFixed(1)} %`,
      );
    }
  }
  if (active && activeByList) {
    const now = countByList(entries);
    const shrunk = [...activeByList]
      .map(([list, before]) => ({ list, before, after: now.get(list) ?? 0 }))
      .filter((c) => c.before - c.after >= MIN_SUBLIST_DROP && (c.before - c.after) / c.before > maxShrink)
      .sort((a, b) => a.list.localeCompare(b.list));
    if (shrunk.length > 0) {
      const what = shrunk.map((c) => `${c.list} ${c.after} (active ${c.before}, ${(((c.before - c.after) / c.before) * 100).toFixed(1)} % fewer)`).join(', ');
      throw new ListValidationError(
        `list refused: in ${source.file} ${shrunk.length === 1 ? 'a list shrank' : 'lists shrank'} by more than ${(maxShrink * 100).toFixed(1)} % ` +
          `against the active ${active.file}: ${what}. A list that vanishes from a combined file is likelier a broken download than a delisting`,
      );
    }
  }
}
