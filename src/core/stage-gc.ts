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
