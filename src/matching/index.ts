export { buildMatcher, IndexedPartyMatcher, DEFAULT_THRESHOLD, DEFAULT_MIN_SCORE, type MatcherOptions } from './matcher.js';
export { normalizeText, tokenize, type NameToken, type TokenKind } from './normalize.js';
export { jaroWinkler, damerauLevenshtein, trigrams, trigramJaccard } from './similarity.js';
