/**
 * The one canonical JSON of the project (JCS-style, RFC 8785 §3.2: object members sorted by their
 * names' UTF-16 code units, no whitespace, numbers and strings as ECMAScript JSON.stringify writes
 * them). The same data always gives the same text, which is what two hashes rest on: the ruleset
 * hash (rules/load.ts, over every rule file) and the request hash that tells an idempotent retry
 * from a different body (services/screenings.ts). Pure: no I/O, usable from the engine's side.
 *
 * As JSON.stringify: undefined members are left out, undefined or non-finite array elements and
 * non-finite numbers become null, objects with toJSON (Date) are written as what toJSON returns.
 */
export function canonicalJson(value: unknown): string {
  if (value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    return canonicalJson((value as { toJSON: () => unknown }).toJSON());
  }
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) return 'null';
    return JSON.stringify(value) ?? 'null';
  }
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v === undefined ? null : v)).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined && typeof v !== 'function')
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}
