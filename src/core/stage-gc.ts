import { getHeapStatistics } from 'node:v8';

/**
 * A full garbage collection between the stages of a run, when node runs with `--expose-gc` (as
 * `bin/tiersync` does). At the end of a stage most of what it made is garbage (a million validated
 * rows once planned, the plan's working state, the store's records), but V8 lets the heap grow to
 * several times what is alive before it collects the old generation: the next stage then starts on
 * top of gigabytes of garbage, and the run's peak memory is that sum. Collecting there costs well
 * under a second at a million rows and takes the garbage out of the peak.
 */
export function collectBetweenStages(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/**
 * A collection within a stage, made when the heap in use has grown by `factor` (and by at least
 * `minBytes`) over what was in use after the last one: call it as the stage goes. V8 itself lets a
 * heap of a gigabyte in use grow to about twice that before it collects again; a stage that turns most
 * of what it makes into garbage (each planned row's temporaries) then reaches its peak on garbage.
 */
export function collectorOnGrowth({ factor, minBytes }: { factor: number; minBytes: number }): () => void {
  if (typeof (globalThis as { gc?: unknown }).gc !== 'function') return () => {};
  let inUse = getHeapStatistics().used_heap_size;
  return () => {
    const used = getHeapStatistics().used_heap_size;
    if (used < inUse * factor || used - inUse < minBytes) return;
    collectBetweenStages();
    inUse = getHeapStatistics().used_heap_size;
  };
}
