export { buildMatcher, matcherCacheTotals, IndexedPartyMatcher, DEFAULT_THRESHOLD, DEFAULT_MIN_SCORE, type MatcherOptions, type MatcherStats } from './matcher.js';
export { normalizeText, tokenize, type NameToken, type TokenKind } from './normalize.js';
export { jaroWinkler, damerauLevenshtein, trigrams, trigramJaccard } from './similarity.js';
export { INDEX_FORMAT } from './name-index.js';
