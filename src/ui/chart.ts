// The digest's picture: open value by stage as horizontal bars, the weighted part darker,
// drawn in-process. The chart is an SVG built here and rasterised to PNG by resvg
// (`@resvg/resvg-js`, a Rust renderer whose binary ships inside its npm package), with the
// DejaVu Sans font from the `dejavu-fonts-ttf` package, so it draws the same text on a
// machine without any system font and calls no outside service.
//
// Values of different currencies cannot share a scale, so one currency is drawn (the one
// most stages hold, then the largest sum) and the subtitle names the others.

import { createRequire } from 'node:module';
import path from 'node:path';
import type { Money } from '../crm/port.js';
import type { PipelineBoard } from '../services/pipeline-board.js';
import { formatMoney } from './format.js';
import { truncate } from './mrkdwn.js';

export interface StageChartOptions {
  /** Drawn at the top; the pipeline's name is a good one. */
  title?: string;
  /** Width of the drawing in CSS pixels; the PNG is `scale` times larger. Default 800. */
  width?: number;
  /** Pixel density, 2 for screens that have it. Default 2. */
  scale?: number;
}

/** Stages beyond this share one "and N more stages" row, so the picture stays readable. */
export const MAX_CHART_ROWS = 20;

const FONT_FAMILY = 'DejaVu Sans';
const ROW_HEIGHT = 34;
const TOP = 78;
const BOTTOM = 28;
const LABEL_WIDTH = 232;
/** DejaVu Sans at 14px averages about 8.5px a character; longer names are cut to fit the label column. */
const LABEL_CHARS = 25;
const COLORS = { text: '#1f2328', muted: '#59636e', value: '#9ec5fe', weighted: '#1d4f91', axis: '#d0d7de', background: '#ffffff' };

let fontFiles: string[] | undefined;

/** The font files inside the `dejavu-fonts-ttf` package, wherever npm put it. */
function dejaVuFiles(): string[] {
  if (!fontFiles) {
    const require = createRequire(import.meta.url);
    const root = path.dirname(require.resolve('dejavu-fonts-ttf/package.json'));
    fontFiles = [path.join(root, 'ttf', 'DejaVuSans.ttf'), path.join(root, 'ttf', 'DejaVuSans-Bold.ttf')];
  }
  return fontFiles;
}

const xml = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');

/** `€1.2M`, `$350K`; the full formatter's `12,000 XYZ` for a code Intl refuses. */
function compactMoney(m: Money): string {
  try {
    return new Intl.NumberFormat('en-US', {
      style: 'currency',
      currency: m.currency,
      notation: 'compact',
      maximumFractionDigits: 1,
    }).format(m.amount);
  } catch {
    return formatMoney(m);
  }
}

const amountIn = (values: readonly Money[], currency: string): number => values.find((v) => v.currency === currency)?.amount ?? 0;

/** The currency most stages hold, then the one with the largest sum. Null when no stage has a value. */
export function chartCurrency(board: PipelineBoard): string | null {
  const seen = new Map<string, { stages: number; sum: number }>();
  for (const column of board.stages) {
    for (const v of column.values) {
      const entry = seen.get(v.currency) ?? { stages: 0, sum: 0 };
      entry.stages += 1;
      entry.sum += v.amount;
      seen.set(v.currency, entry);
    }
  }
  const [best] = [...seen].sort(([ca, a], [cb, b]) => b.stages - a.stages || b.sum - a.sum || ca.localeCompare(cb));
  return best ? best[0] : null;
}

/** The chart as SVG text; `renderStageChart` rasterises it. Pure. */
export function stageChartSvg(board: PipelineBoard, options: StageChartOptions = {}): { svg: string; width: number; height: number } {
  const width = Math.max(480, Math.round(options.width ?? 800));
  const currency = chartCurrency(board);
  const all = board.stages;
  const rows = all.length > MAX_CHART_ROWS ? all.slice(0, MAX_CHART_ROWS - 1) : all;
  const hidden = all.slice(rows.length);
  const rowCount = Math.max(1, rows.length + (hidden.length > 0 ? 1 : 0));
  const height = TOP + rowCount * ROW_HEIGHT + BOTTOM;

  const barLeft = LABEL_WIDTH + 16;
  const valueRoom = 170;
  const barMax = width - barLeft - valueRoom;
  const max = currency ? Math.max(0, ...rows.map((c) => amountIn(c.values, currency))) : 0;

  const others = [...new Set(all.flatMap((c) => c.values.map((v) => v.currency)))].filter((c) => c !== currency).sort();
  const subtitleParts = [
    currency ? `Open value in ${currency}, weighted part darker` : 'No open deal has a value',
    `${board.totals.count.toLocaleString('en-US')} open deals`,
  ];
  if (others.length > 0) subtitleParts.push(`not drawn: ${others.slice(0, 4).join(', ')}${others.length > 4 ? '…' : ''}`);

  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="${FONT_FAMILY}">`,
    `<rect width="${width}" height="${height}" fill="${COLORS.background}"/>`,
    `<text x="24" y="34" font-size="20" font-weight="bold" fill="${COLORS.text}">${xml(truncate(options.title ?? 'Open value by stage', 60))}</text>`,
    `<text x="24" y="58" font-size="13" fill="${COLORS.muted}">${xml(subtitleParts.join(' · '))}</text>`,
    `<line x1="${barLeft}" y1="${TOP - 6}" x2="${barLeft}" y2="${height - BOTTOM + 6}" stroke="${COLORS.axis}" stroke-width="1"/>`,
  ];

  rows.forEach((column, i) => {
    const y = TOP + i * ROW_HEIGHT;
    const mid = y + ROW_HEIGHT / 2;
    const value = currency ? amountIn(column.values, currency) : 0;
    const weighted = currency ? Math.min(value, amountIn(column.weighted, currency)) : 0;
    const full = max > 0 ? (value / max) * barMax : 0;
    const dark = max > 0 ? (weighted / max) * barMax : 0;
    parts.push(
      `<text x="${LABEL_WIDTH}" y="${mid + 5}" font-size="14" text-anchor="end" fill="${COLORS.text}">${xml(truncate(column.stage.name.replace(/\s+/g, ' ').trim() || 'Unnamed stage', LABEL_CHARS))}</text>`,
    );
    if (full > 0) {
      // Any value at all shows at least a sliver, so a small stage does not look empty.
      parts.push(
        `<rect x="${barLeft}" y="${y + 6}" width="${Math.max(2, full).toFixed(1)}" height="${ROW_HEIGHT - 12}" rx="3" fill="${COLORS.value}"/>`,
      );
      if (dark > 0)
        parts.push(
          `<rect x="${barLeft}" y="${y + 6}" width="${Math.max(1, dark).toFixed(1)}" height="${ROW_HEIGHT - 12}" rx="3" fill="${COLORS.weighted}"/>`,
        );
    }
    const label =
      currency && value > 0
        ? `${compactMoney({ amount: value, currency })} · ${column.count.toLocaleString('en-US')} deal${column.count === 1 ? '' : 's'}`
        : column.count > 0
          ? `${column.count.toLocaleString('en-US')} deal${column.count === 1 ? '' : 's'}, no value`
          : 'no deals';
    parts.push(
      `<text x="${(barLeft + Math.max(2, full) + 8).toFixed(1)}" y="${mid + 5}" font-size="13" fill="${COLORS.muted}">${xml(label)}</text>`,
    );
  });
  if (hidden.length > 0) {
    const y = TOP + rows.length * ROW_HEIGHT + ROW_HEIGHT / 2 + 5;
    const deals = hidden.reduce((n, c) => n + c.count, 0);
    parts.push(
      `<text x="${LABEL_WIDTH}" y="${y}" font-size="13" text-anchor="end" fill="${COLORS.muted}">${xml(`and ${hidden.length} more stages`)}</text>`,
    );
    parts.push(
      `<text x="${barLeft + 8}" y="${y}" font-size="13" fill="${COLORS.muted}">${xml(`${deals.toLocaleString('en-US')} deals`)}</text>`,
    );
  }
  if (all.length === 0) {
    parts.push(
      `<text x="${barLeft + 8}" y="${TOP + ROW_HEIGHT / 2 + 5}" font-size="14" fill="${COLORS.muted}">This pipeline has no stages</text>`,
    );
  }
  parts.push('</svg>');
  return { svg: parts.join('\n'), width, height };
}

/** The stage chart as a PNG, `width × scale` pixels wide. */
export async function renderStageChart(board: PipelineBoard, options: StageChartOptions = {}): Promise<Buffer> {
  const { svg } = stageChartSvg(board, options);
  const scale = Math.min(4, Math.max(1, options.scale ?? 2));
  // Loaded at the first chart, not at start: a process that never draws one keeps ~4 MB less.
  const { renderAsync } = await import('@resvg/resvg-js');
  const image = await renderAsync(svg, {
    font: { loadSystemFonts: false, fontFiles: dejaVuFiles(), defaultFontFamily: FONT_FAMILY, sansSerifFamily: FONT_FAMILY },
    fitTo: { mode: 'zoom', value: scale },
    background: COLORS.background,
    logLevel: 'off',
  });
  return image.asPng();
}
