/**
 * The engine on every core: a pool of worker threads (piscina), each holding the ruleset once
 * (engine-worker.ts). The main thread keeps the active ruleset and names its hash in every task;
 * a worker whose ruleset differs reloads RULES_DIR and refuses the task if the hash still differs.
 *
 * Fail closed: a worker that crashes, a ruleset mismatch, or a result citing another ruleset is
 * a 503 — no decision — never an answer from the wrong rules.
 */
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Piscina } from 'piscina';
import { unavailable } from '../errors.js';
import type { Ruleset } from '../rules/index.js';
import type { ShipmentInput, ShipmentItem } from '../schemas/shipment.js';
import type { ClassifyAttempt, LineTask, RulesService, ScreenAttempt, ScreenedLine, ScreenExtras, ScreeningEngine } from './active-ruleset.js';

export interface EngineWorkerData {
  rulesDir: string;
  matchThreshold: number;
}

export type EngineTask =
  | { op: 'screen'; hash: string; input: ShipmentInput; now: string; extras?: ScreenExtras }
  | { op: 'classify'; hash: string; items: ShipmentItem[]; shipDate: string }
  | { op: 'lines'; hash: string; lines: readonly LineTask[]; apiKeyId: string | null }
  | { op: 'hash'; hash: string };

export interface EnginePoolOptions extends EngineWorkerData {
  threads: number;
  /** The worker module; tests substitute one that crashes. */
  filename?: string;
  /** Told about each failed task (the engine itself has no logger). */
  onFailure?: (err: unknown) => void;
}

function workerModule(): string {
  // Under tsx (npm start, tests) this file is .ts and so is its worker; built, both are .js.
  const self = fileURLToPath(import.meta.url);
  return self.replace(/engine-pool\.(ts|js)$/, 'engine-worker.$1');
}

export class EnginePool implements ScreeningEngine {
  private readonly pool: Piscina;

  constructor(
    private readonly rules: RulesService<Ruleset>,
    private readonly opts: EnginePoolOptions,
  ) {
    const module = opts.filename ?? workerModule();
    const ts = module.endsWith('.ts');
    this.pool = new Piscina({
      filename: ts ? fileURLToPath(new URL('./ts-worker.mjs', import.meta.url)) : module,
      minThreads: opts.threads,
      maxThreads: opts.threads,
      idleTimeout: Number.POSITIVE_INFINITY,
      workerData: { rulesDir: opts.rulesDir, matchThreshold: opts.matchThreshold, ...(ts ? { tsModule: pathToFileURL(module).href } : {}) },
    });
  }

  get threads(): number {
    return this.pool.threads.length;
  }

  /** Tasks waiting for a free worker (a gauge for /metrics). */
  get queueSize(): number {
    return this.pool.queueSize;
  }

  /** Share of time the workers were busy since start (0–1). */
  get utilization(): number {
    return this.pool.utilization;
  }

  /** Resolves once a worker has loaded the active ruleset: start-up waits for it before it is ready. */
  async warm(): Promise<void> {
    const hash = this.rules.get().hash;
    const got = await this.run<string>({ op: 'hash', hash });
    if (got !== hash) throw unavailable('An engine worker loaded a different ruleset than the active one');
  }

  async screen(input: ShipmentInput, now: Date, extras?: ScreenExtras): Promise<ScreenAttempt> {
    const hash = this.rules.get().hash;
    const attempt = await this.run<ScreenAttempt>({ op: 'screen', hash, input, now: now.toISOString(), ...(extras ? { extras } : {}) });
    if (attempt.ok && attempt.result.ruleset.hash !== hash) throw this.failed(new Error(`worker answered from ruleset ${attempt.result.ruleset.hash}, not ${hash}`));
    return attempt;
  }

  async classify(items: ShipmentItem[], shipDate: string): Promise<ClassifyAttempt> {
    const hash = this.rules.get().hash;
    const attempt = await this.run<ClassifyAttempt>({ op: 'classify', hash, items, shipDate });
    if (attempt.ok && attempt.ruleset.hash !== hash) throw this.failed(new Error(`worker answered from ruleset ${attempt.ruleset.hash}, not ${hash}`));
    return attempt;
  }

  async screenLines(lines: readonly LineTask[], apiKeyId: string | null): Promise<ScreenedLine[]> {
    const hash = this.rules.get().hash;
    const screened = await this.run<ScreenedLine[]>({ op: 'lines', hash, lines, apiKeyId });
    for (const line of screened)
      if ('row' in line && line.row.rulesetHash !== hash) throw this.failed(new Error(`worker answered from ruleset ${line.row.rulesetHash}, not ${hash}`));
    return screened;
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }

  private async run<T>(task: EngineTask): Promise<T> {
    try {
      return (await this.pool.run(task)) as T;
    } catch (err) {
      throw this.failed(err);
    }
  }

  private failed(err: unknown) {
    this.opts.onFailure?.(err);
    return unavailable('The screening engine failed; no decision was made. Retry later.');
  }
}
