// ANSI styling for the console, or none at all: the same drawing code serves a colour
// terminal and a script's log file. Escape codes are written by hand because they are
// few and `util.styleText` needs Node 20.12+ while we promise 20.11.

import stringWidth from 'string-width';

export type StyleName = 'bold' | 'italic' | 'dim' | 'strike' | 'code' | 'link' | 'mention' | 'red' | 'green' | 'yellow';

export type Painter = Record<StyleName, (text: string) => string> & { readonly color: boolean };

const CODES: Record<StyleName, [number, number]> = {
  bold: [1, 22],
  italic: [3, 23],
  dim: [2, 22],
  strike: [9, 29],
  code: [36, 39],
  link: [4, 24],
  mention: [34, 39],
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
};

export function createPainter(color: boolean): Painter {
  const entries = (Object.keys(CODES) as StyleName[]).map((name) => {
    const [open, close] = CODES[name];
    const paint = color ? (text: string) => (text ? `\u001b[${open}m${text}\u001b[${close}m` : text) : (text: string) => text;
    return [name, paint] as const;
  });
  return { ...(Object.fromEntries(entries) as Record<StyleName, (text: string) => string>), color };
}

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/g;

export function stripAnsi(text: string): string {
  return text.replace(ANSI, '');
}

/**
 * Columns on screen, ignoring escape codes: emoji and East Asian wide characters take two,
 * joiners and combining marks none. `string-width` keeps Unicode's width tables, which a
 * hand-kept list of ranges would not.
 */
export function visibleLength(text: string): number {
  return stringWidth(stripAnsi(text));
}
