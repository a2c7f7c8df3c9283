// autocannon ships no types; the benchmarks use only this much of it.
declare module 'autocannon' {
  interface Histogram { average: number; p50: number; p99: number; max: number }
  interface Result { requests: Histogram; latency: Histogram; non2xx: number; errors: number; timeouts: number }
  interface Options { url: string; method?: string; body?: string; headers?: Record<string, string>; connections?: number; duration?: number; amount?: number }
  function autocannon(opts: Options): Promise<Result>;
  export default autocannon;
}
