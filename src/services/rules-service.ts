/**
 * Holds the active ruleset. Loading is fail-closed: a ruleset that does not validate never
 * becomes active, and while none is active every screening answers 503.
 */
import { unavailable } from '../errors.js';

export interface RulesetLike {
  version: string;
  hash: string;
}

export type RulesetLoader<R extends RulesetLike> = () => Promise<R>;

export class RulesService<R extends RulesetLike> {
  private active: R | null = null;
  private lastError: string | null = null;

  constructor(private readonly loader: RulesetLoader<R>) {}

  /** Loads and activates a ruleset; on failure keeps the previous one and rethrows. */
  async reload(): Promise<R> {
    try {
      const next = await this.loader();
      this.active = next;
      this.lastError = null;
      return next;
    } catch (err) {
      this.lastError = err instanceof Error ? err.message : String(err);
      throw err;
    }
  }

  get loaded(): boolean {
    return this.active !== null;
  }

  get error(): string | null {
    return this.lastError;
  }

  /** The active ruleset, or 503: no decision without rules. */
  get(): R {
    if (!this.active) throw unavailable('No valid ruleset is loaded; no screening decision can be made');
    return this.active;
  }

  peek(): R | null {
    return this.active;
  }
}
