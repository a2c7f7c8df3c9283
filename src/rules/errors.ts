/** A rule table that cannot be trusted: the service must not become ready with it. */
export class RulesetError extends Error {
  readonly code = 'RULESET_INVALID';
  constructor(
    readonly file: string,
    readonly path: string,
    detail: string,
  ) {
    super(`${file}${path ? ` at ${path}` : ''}: ${detail}`);
    this.name = 'RulesetError';
  }
}
