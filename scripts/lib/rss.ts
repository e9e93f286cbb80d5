import fs from 'node:fs'

/**
 * The peak resident memory of a process (a server the benchmark started), sampled from
 * /proc every 100 ms until `stop()`: SPEC §7's "the server stays under 1 GiB" is held to
 * every server of the run, each through the whole of its step.
 */
export function sampleRss(pid: number | undefined) {
  let peak = 0
  const sample = () => {
    if (pid === undefined) return
    try {
      const kb = Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0)
      peak = Math.max(peak, kb * 1024)
    } catch {
      // the process has ended
    }
  }
  const timer = setInterval(sample, 100)
  timer.unref()
  return {
    /** the peak so far, in bytes */
    get peak() {
      sample()
      return peak
    },
    stop() {
      sample()
      clearInterval(timer)
      return peak
    },
  }
}

/** Peaks of the run's servers, by step: bench.ts reports the largest. */
export const serverPeaks: Array<{ step: string; bytes: number }> = []
