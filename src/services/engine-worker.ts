/**
 * One engine worker thread (see engine-pool.ts): loads the ruleset from RULES_DIR once, screens
 * and classifies against it, and reloads when the main thread's active ruleset has a different
 * hash. A worker never answers from a ruleset other than the one the task names: if the files on
 * disk do not produce that hash, the task fails (and the caller gets 503, never a decision).
 */
import { workerData } from 'node:worker_threads';
import type { Ruleset } from '../rules/index.js';
import { classifyWith, createRulesetLoader, screenLinesWith, screenWith, type ClassifyAttempt, type ScreenAttempt, type ScreenedLine } from './active-ruleset.js';
import type { EngineTask, EngineWorkerData } from './engine-pool.js';

const data = workerData as EngineWorkerData;
const load = createRulesetLoader({ rulesDir: data.rulesDir, matchThreshold: data.matchThreshold });

/** A failed reload for a hash is not retried on every task: files that hash differently stay so until they change. */
const RETRY_MISMATCH_MS = 5_000;
let ruleset: Ruleset = await load();
let lastMismatch: { wanted: string; got: string; at: number } | null = null;

async function rulesetFor(hash: string): Promise<Ruleset> {
  if (ruleset.hash === hash) return ruleset;
  if (lastMismatch && lastMismatch.wanted === hash && Date.now() - lastMismatch.at < RETRY_MISMATCH_MS) {
    throw mismatch(hash, lastMismatch.got);
  }
  const next = await load();
  ruleset = next;
  if (next.hash !== hash) {
    lastMismatch = { wanted: hash, got: next.hash, at: Date.now() };
    throw mismatch(hash, next.hash);
  }
  lastMismatch = null;
  return next;
}

function mismatch(wanted: string, got: string): Error {
  return new Error(`ruleset mismatch: the active ruleset is ${wanted}, but the rules on disk load as ${got}`);
}

export default async function run(task: EngineTask): Promise<ScreenAttempt | ClassifyAttempt | ScreenedLine[] | string> {
  const rs = await rulesetFor(task.hash);
  switch (task.op) {
    case 'screen':
      return screenWith(rs, task.input, new Date(task.now), task.extras);
    case 'classify':
      return classifyWith(rs, task.items, task.shipDate);
    case 'lines':
      return screenLinesWith(rs, task.lines, task.apiKeyId);
    case 'hash':
      return rs.hash;
  }
}
