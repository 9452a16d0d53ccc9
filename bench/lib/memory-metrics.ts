// The manager's own memory figures, scraped from its /metrics: V8 heap, external memory, process
// memory kinds and the memory trimmer's counters.

/** Every `openelb_` heap, external, process-memory and memory-trimmer sample, by series. */
export async function memoryMetrics(port: number): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  for (const line of text.split('\n')) {
    if (!/^openelb_(nodejs_heap|nodejs_external|process_memory|memory_)/.test(line)) continue;
    const i = line.lastIndexOf(' ');
    out.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return out;
}
