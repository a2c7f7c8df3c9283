/**
 * Preloaded into the server by bench/batch.ts (`node --expose-gc --import ./bench/memory-probe.mjs`):
 * on SIGWINCH (SIGUSR2 would start the server's graceful shutdown: close-with-grace) it runs a full garbage collection and writes process.memoryUsage() to
 * $MEMORY_PROBE_FILE, so the bench can tell retained heap (heapUsed after GC) from heap the process
 * merely holds on to (RSS). Benchmark only; the service never loads it.
 */
import { renameSync, writeFileSync } from 'node:fs';

const file = process.env.MEMORY_PROBE_FILE;
if (file && typeof globalThis.gc === 'function') {
  process.on('SIGWINCH', () => {
    globalThis.gc();
    globalThis.gc();
    const m = process.memoryUsage();
    writeFileSync(`${file}.tmp`, JSON.stringify({ at: Date.now(), ...m }));
    // Renamed so the reader never sees half a file.
    renameSync(`${file}.tmp`, file);
  });
}
