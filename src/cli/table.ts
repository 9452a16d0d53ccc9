// Tables as kubectl prints them: upper-case headers, columns aligned with at least three spaces between
// them (kubectl's tabwriter: min width 6, padding 3), the last column unpadded, no trailing spaces.
// Cells may carry a colour; widths count only the visible text. Pure.

export type Tone = 'good' | 'warn' | 'bad';

export interface Cell {
  readonly text: string;
  readonly tone?: Tone;
}

export type CellInput = string | Cell;

export interface Table {
  readonly headers: readonly string[];
  readonly rows: readonly (readonly CellInput[])[];
}

const MIN_WIDTH = 6;
const PADDING = 3;
const SGR: Readonly<Record<Tone, string>> = { good: '32', warn: '33', bad: '31' };

function cellOf(c: CellInput | undefined): Cell {
  if (c === undefined) return { text: '' };
  return typeof c === 'string' ? { text: c } : c;
}

function paint(c: Cell, colour: boolean): string {
  return colour && c.tone ? `\u001b[${SGR[c.tone]}m${c.text}\u001b[0m` : c.text;
}

/** The table as lines of text (each ending with "\n"); `colour` adds ANSI colours to toned cells. */
export function renderTable(t: Table, colour = false): string {
  const all = [t.headers.map((h) => ({ text: h.toUpperCase() })), ...t.rows.map((r) => r.map(cellOf))];
  const columns = t.headers.length;
  const widths: number[] = [];
  for (let i = 0; i < columns; i++) {
    const widest = Math.max(...all.map((r) => [...(r[i]?.text ?? '')].length));
    widths.push(Math.max(widest + PADDING, MIN_WIDTH));
  }
  let out = '';
  for (const row of all) {
    let line = '';
    for (let i = 0; i < columns; i++) {
      const c = row[i] ?? { text: '' };
      const last = i === columns - 1;
      const pad = last ? '' : ' '.repeat((widths[i] ?? 0) - [...c.text].length);
      line += paint(c, colour) + pad;
    }
    out += `${line.trimEnd()}\n`;
  }
  return out;
}

/** Several tables, one blank line apart (as `kubectl get a,b` prints them). */
export function renderTables(tables: readonly Table[], colour = false): string {
  return tables
    .filter((t) => t.rows.length > 0)
    .map((t) => renderTable(t, colour))
    .join('\n');
}

/**
 * kubectl's age format (apimachinery HumanDuration): "45s", "3m20s", "25m", "5h10m", "30h", "3d4h",
 * "200d", "3y45d", "9y".
 */
export function humanDuration(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 0) return '0s';
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return s % 60 === 0 ? `${m}m` : `${m}m${s % 60}s`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 8) return m % 60 === 0 ? `${h}h` : `${h}h${m % 60}m`;
  if (h < 48) return `${h}h`;
  const d = Math.floor(h / 24);
  if (h < 24 * 8) return h % 24 === 0 ? `${d}d` : `${d}d${h % 24}h`;
  if (d < 365 * 2) return `${d}d`;
  const y = Math.floor(d / 365);
  if (d < 365 * 8) return d % 365 === 0 ? `${y}y` : `${y}y${d % 365}d`;
  return `${y}y`;
}
