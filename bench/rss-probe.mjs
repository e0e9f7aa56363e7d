// Loaded into a benchmarked process with `node --import` (through NODE_OPTIONS): when the process
// exits, it writes its own peak resident set size (getrusage ru_maxrss, as the kernel counted it)
// and CPU times to the file named by TIERSYNC_BENCH_PROBE. Exact for that one process, unlike
// polling /proc from outside, and it works where /usr/bin/time is not installed.
import { writeFileSync } from 'node:fs';

const target = process.env.TIERSYNC_BENCH_PROBE;
if (target) {
  process.on('exit', (code) => {
    const usage = process.resourceUsage();
    writeFileSync(target, JSON.stringify({ maxRssKb: usage.maxRSS, userMs: usage.userCPUTime / 1000, systemMs: usage.systemCPUTime / 1000, code }));
  });
}
