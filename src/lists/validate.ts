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
  { maxShrink = 0.1 }: ValidateOptions = {},
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
  if (active && active.entryCount > 0) {
    const shrink = (active.entryCount - entries.length) / active.entryCount;
    if (shrink > maxShrink) {
      throw new ListValidationError(
        `list refused: ${source.file} has ${entries.length} entries, ${(shrink * 100).toFixed(1)} % fewer than the active ` +
          `${active.file} (${active.entryCount}); the limit is ${(maxShrink * 100).toFixed(1)} %`,
      );
    }
  }
}
