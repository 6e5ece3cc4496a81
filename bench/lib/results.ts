import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';

export interface Row {
  scenario: string;
  figure: string;
  value: string;
  ratio: string;
  target: string;
  met: boolean | null;
}

export function machine(): Record<string, unknown> {
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGb: Math.round(totalmem() / 1024 ** 3),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
  };
}

/**
 * Writes `<name>.json` and `<name>.md` (a table: scenario, figure, ratio, target): `latest` for measured runs,
 * `smoke` for the CI smoke, whose figures mean nothing and must not replace measured ones.
 */
export function writeResults(
  dir: string,
  name: string,
  summary: Record<string, unknown>,
  rows: Row[],
  notes: string[] = [],
): { json: string; markdown: string } {
  mkdirSync(dir, { recursive: true });
  const json = join(dir, `${name}.json`);
  const markdown = join(dir, `${name}.md`);
  writeFileSync(json, `${JSON.stringify(summary, null, 2)}\n`);
  const m = summary.machine as Record<string, unknown>;
  const lines = [
    `# Benchmark results (${String(summary.mode)})`,
    '',
    `${String(summary.finishedAt)} on ${String(m.cpu)}, ${String(m.cores)} cores, ${String(m.memoryGb)} GiB, Node ${String(m.node)}. Gateway in production mode, load from autocannon over loopback, in this one run.${summary.redis ? ` Redis: ${(summary.redis as { topology: string }).topology}; ${String(summary.workers)} worker process(es).` : ''}`,
    '',
    '| scenario | figure | value | ratio | target | met |',
    '|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.scenario} | ${r.figure} | ${r.value} | ${r.ratio} | ${r.target} | ${r.met === null ? '–' : r.met ? 'yes' : 'no'} |`,
    ),
    '',
    ...notes.flatMap((note) => [note, '']),
  ];
  writeFileSync(markdown, lines.join('\n'));
  return { json, markdown };
}
