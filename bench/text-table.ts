// Plain-text tables for the benchmark's console output: columns padded to their widest cell,
// numbers right-aligned, so the numbers line up in a terminal and in CI logs alike.

export type Cell = string | number | null | undefined;

export function textTable(rows: Array<Record<string, Cell>>): string {
  const first = rows[0];
  if (!first) return '(nothing measured)';
  const headers = Object.keys(first);
  const text = (cell: Cell): string => (cell === null || cell === undefined ? '' : String(cell));
  const widths = headers.map((h) => Math.max(h.length, ...rows.map((r) => text(r[h]).length)));
  const pad = (cell: Cell, i: number): string =>
    typeof cell === 'number' ? text(cell).padStart(widths[i] ?? 0) : text(cell).padEnd(widths[i] ?? 0);
  const line = (cells: Cell[]): string => cells.map(pad).join(' | ').trimEnd();
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('-|-'), ...rows.map((r) => line(headers.map((h) => r[h])))].join('\n');
}
