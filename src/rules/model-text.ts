/** Normalisation of free-text model strings so catalog aliases match however callers spell them. */

/** Lower case, punctuation to spaces, "8x" split from a following name ("8xh100" → "8x h100"). */
export function normaliseModelText(input: string): string {
  return input
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/×/g, 'x')
    .replace(/(\d)\s*x(?=[a-z])/g, '$1x ')
    .replace(/\b([a-z]+\d+[a-z]*)x(\d+)\b/g, '$1 x$2')
    .replace(/[^a-z0-9*]+/g, ' ')
    .trim()
    .replace(/\s+/g, ' ');
}

/** `normaliseModelText` minus the catalog's ignore words (vendor and family names). */
export function stripIgnoredWords(normalised: string, ignore: ReadonlySet<string>): string {
  return normalised
    .split(' ')
    .filter((t) => t.length > 0 && !ignore.has(t))
    .join(' ');
}

