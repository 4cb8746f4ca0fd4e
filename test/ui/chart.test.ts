import { inflateSync } from 'node:zlib';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import type { Deal, Stage } from '../../src/crm/port.js';
import { chartCurrency, MAX_CHART_ROWS, renderStageChart, stageChartSvg } from '../../src/ui/chart.js';
import { aggregateBoard } from '../../src/services/pipeline-board.js';
import { deal, salesStages } from '../helpers/digest-fake-crm.js';

const NOW = DateTime.fromISO('2026-03-10T09:00:00', { zone: 'Europe/Berlin' });
const board = (deals: Deal[], stages: Stage[] = salesStages) =>
  aggregateBoard({ pipelineId: '1', stages, openDeals: deals, closedDeals: [], zone: 'Europe/Berlin', now: NOW });

interface Png {
  width: number;
  height: number;
  /** RGBA rows, filter bytes removed (the tests only read PNGs this renderer wrote: 8-bit RGBA). */
  pixel(x: number, y: number): [number, number, number, number];
}

/** Reads a PNG's signature, IHDR and pixels: enough to check what the renderer drew. */
function decodePng(png: Buffer): Png {
  expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  expect(png.subarray(12, 16).toString('ascii')).toBe('IHDR');
  const width = png.readUInt32BE(16);
  const height = png.readUInt32BE(20);
  const bitDepth = png.readUInt8(24);
  const colorType = png.readUInt8(25);
  expect([bitDepth, colorType]).toEqual([8, 6]);
  const idat: Buffer[] = [];
  for (let offset = 8; offset < png.length;) {
    const length = png.readUInt32BE(offset);
    const type = png.subarray(offset + 4, offset + 8).toString('ascii');
    if (type === 'IDAT') idat.push(png.subarray(offset + 8, offset + 8 + length));
    offset += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * 4;
  const rows: Buffer[] = [];
  let previous = Buffer.alloc(stride);
  for (let y = 0; y < height; y += 1) {
    const filter = raw[y * (stride + 1)] ?? 0;
    const line = Buffer.from(raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1)));
    for (let i = 0; i < stride; i += 1) {
      const left = i >= 4 ? (line[i - 4] ?? 0) : 0;
      const up = previous[i] ?? 0;
      const upLeft = i >= 4 ? (previous[i - 4] ?? 0) : 0;
      const byte = line[i] ?? 0;
      const paeth = (): number => {
        const p = left + up - upLeft;
        const [pa, pb, pc] = [Math.abs(p - left), Math.abs(p - up), Math.abs(p - upLeft)];
        return pa <= pb && pa <= pc ? left : pb <= pc ? up : upLeft;
      };
      const predictor = [0, left, up, Math.floor((left + up) / 2), paeth()][filter] ?? 0;
      line[i] = (byte + predictor) & 0xff;
    }
    rows.push(line);
    previous = line;
  }
  return {
    width,
    height,
    pixel: (x, y) => {
      const row = rows[y] ?? Buffer.alloc(stride);
      return [row[x * 4] ?? 0, row[x * 4 + 1] ?? 0, row[x * 4 + 2] ?? 0, row[x * 4 + 3] ?? 0];
    },
  };
}

describe('renderStageChart', () => {
  const deals = [
    deal('1', { stageId: '1', value: { amount: 10000, currency: 'EUR' } }),
    deal('2', { stageId: '3', value: { amount: 40000, currency: 'EUR' } }),
    deal('3', { stageId: '4', value: { amount: 25000, currency: 'EUR' }, probability: 100 }),
  ];

  it('renders a PNG twice the drawing’s size, with room for every stage', async () => {
    const png = decodePng(await renderStageChart(board(deals), { title: 'Sales: open value by stage' }));
    const { width, height } = stageChartSvg(board(deals));
    expect(png.width).toBe(width * 2);
    expect(png.height).toBe(height * 2);
    expect(height).toBeGreaterThanOrEqual(salesStages.length * 34);
  });

  it('draws each stage’s bar as long as its value, the weighted part darker', async () => {
    const png = decodePng(await renderStageChart(board(deals), { scale: 1 }));
    // Rows start at y=78 and are 34 px high; bars start at x=248 and the biggest is 800−248−170 = 382 px.
    const rowMiddle = (i: number) => 78 + i * 34 + 17;
    const isLight = ([r, g, b]: number[]) => r === 0x9e && g === 0xc5 && b === 0xfe;
    const isDark = ([r, g, b]: number[]) => r === 0x1d && g === 0x4f && b === 0x91;
    // Proposal made: 40,000, the biggest: light to near the end, dark for its 60% weighted part.
    expect(isDark(png.pixel(248 + 10, rowMiddle(2)))).toBe(true);
    expect(isLight(png.pixel(248 + 300, rowMiddle(2)))).toBe(true);
    // Qualified has no deals: background all along.
    expect(png.pixel(248 + 10, rowMiddle(1))).toEqual([255, 255, 255, 255]);
    // Negotiation is weighted at 100%: dark at three quarters of its 25,000/40,000 length.
    expect(isDark(png.pixel(248 + Math.round(382 * 0.625 * 0.75), rowMiddle(3)))).toBe(true);
  });

  it('draws text from the bundled font, not from the system', async () => {
    const png = decodePng(await renderStageChart(board(deals), { scale: 1, title: 'Sales' }));
    let dark = 0;
    for (let x = 24; x < 90; x += 1) for (let y = 16; y < 38; y += 1) if ((png.pixel(x, y)[0] ?? 255) < 100) dark += 1;
    // The title's glyphs put dark pixels where it is drawn.
    expect(dark).toBeGreaterThan(50);
  });
});

describe('stageChartSvg', () => {
  it('keeps stage names text, whatever they contain', () => {
    const stages: Stage[] = [{ id: '1', pipelineId: '1', name: '<b>"x"</b> & co', order: 1, probability: null }];
    const { svg } = stageChartSvg(board([deal('1')], stages), { title: 'A & B <C>' });
    expect(svg).not.toContain('<b>');
    expect(svg).toContain('&lt;b&gt;&quot;x&quot;&lt;/b&gt; &amp; co');
    expect(svg).toContain('A &amp; B &lt;C&gt;');
  });

  it('draws one currency and names the others', () => {
    const mixed = board([
      deal('1', { stageId: '1', value: { amount: 5, currency: 'USD' } }),
      deal('2', { stageId: '2', value: { amount: 100, currency: 'EUR' } }),
      deal('3', { stageId: '3', value: { amount: 100, currency: 'EUR' } }),
    ]);
    expect(chartCurrency(mixed)).toBe('EUR');
    expect(stageChartSvg(mixed).svg).toContain('Open value in EUR, weighted part darker · 3 open deals · not drawn: USD');
    expect(chartCurrency(board([]))).toBeNull();
  });

  it('folds stages beyond the chart’s rows into one line', () => {
    const stages: Stage[] = Array.from({ length: 60 }, (_, i) => ({
      id: `s${i}`,
      pipelineId: '1',
      name: `Stage ${i}`,
      order: i,
      probability: 50,
    }));
    const deals = stages.map((s, i) => deal(String(i), { stageId: s.id }));
    const { svg, height } = stageChartSvg(board(deals, stages));
    expect(svg).toContain(`and ${60 - (MAX_CHART_ROWS - 1)} more stages`);
    expect(height).toBe(78 + MAX_CHART_ROWS * 34 + 28);
  });
});
