/** The pure screening engine. */
export { screen, type ScreenOptions } from './screen.js';
export { classifyItem, classifyItems, type ClassifiedItem } from './items.js';
export { matchCatalog, type CatalogMatch } from './catalog-match.js';
export { computeTpp, performanceDensity, eccnFromNumbers, type TppResult, type EccnDecision, type Numbers } from './performance.js';
export { combine } from './combine.js';
