// Slack mrkdwn → terminal text. Follows Slack's own reading of a message: `<…>` tokens are
// links, mentions and special commands; `*`, `_`, `~` and backticks style text only at word
// boundaries; `&lt; &gt; &amp;` are the escapes for literal `< > &`. Entities are decoded
// last, so escaped text (`&lt;!channel&gt;`) shows literally and never turns into a mention.

import type { Painter } from './terminal-style.js';

/** Display names for ids found in mentions (`<@U1>`, `<#C1>`), when known. */
export interface NameLookup {
  user?(id: string): string | undefined;
  channel?(id: string): string | undefined;
}

const PLACEHOLDER = /\uE000(\d+)\uE001/g;

export function decodeEntities(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

function renderToken(inner: string, paint: Painter, names: NameLookup): string {
  const bar = inner.indexOf('|');
  const target = bar >= 0 ? inner.slice(0, bar) : inner;
  const label = bar >= 0 ? decodeEntities(inner.slice(bar + 1)) : undefined;
  if (target.startsWith('@')) {
    const id = target.slice(1);
    return paint.mention(`@${names.user?.(id) ?? label?.replace(/^@/, '') ?? id}`);
  }
  if (target.startsWith('#')) {
    const id = target.slice(1);
    return paint.mention(`#${names.channel?.(id) ?? label?.replace(/^#/, '') ?? id}`);
  }
  if (target.startsWith('!')) {
    const command = target.slice(1);
    if (label !== undefined) return paint.mention(label);
    if (command === 'here' || command === 'channel' || command === 'everyone') return paint.mention(`@${command}`);
    if (command.startsWith('subteam^')) return paint.mention(`@${command.slice('subteam^'.length)}`);
    return paint.mention(`@${command}`);
  }
  const url = decodeEntities(target);
  const shown = url.replace(/^mailto:/, '');
  if (label === undefined || label === url || label === shown) return paint.link(shown);
  return `${paint.link(label)} ${paint.dim(`(${shown})`)}`;
}

function styleSpans(text: string, marker: string, paint: (s: string) => string): string {
  const m = marker === '*' ? '\\*' : marker;
  // Slack styles only at word boundaries: `2*3*4` and `snake_case_name` stay as they are.
  const pattern = new RegExp(`(^|[^\\p{L}\\p{N}${m}])${m}(?!\\s)([^${m}\\n]*?[^\\s${m}]|[^\\s${m}])${m}(?![\\p{L}\\p{N}${m}])`, 'gu');
  return text.replace(pattern, (_all, before: string, inner: string) => `${before}${paint(inner)}`);
}

function inlineToTerminal(text: string, paint: Painter, names: NameLookup): string {
  const tokens: string[] = [];
  const hold = (rendered: string): string => {
    tokens.push(rendered);
    return `\uE000${tokens.length - 1}\uE001`;
  };
  // Code first: nothing inside backticks is a link, a mention or a style.
  let out = text.replace(
    /(^|[^\p{L}\p{N}`])`([^`\n]+)`(?![\p{L}\p{N}`])/gu,
    (_all, before: string, code: string) =>
      `${before}${hold(paint.color ? paint.code(decodeEntities(code)) : `\`${decodeEntities(code)}\``)}`,
  );
  out = out.replace(/<([^<>\n]+)>/g, (_all, inner: string) => hold(renderToken(inner, paint, names)));
  out = styleSpans(out, '*', paint.bold);
  out = styleSpans(out, '_', paint.italic);
  out = styleSpans(out, '~', paint.strike);
  out = decodeEntities(out);
  return out.replace(PLACEHOLDER, (_all, index: string) => tokens[Number(index)] ?? '');
}

/** Renders mrkdwn for the terminal; returns possibly several lines joined by `\n`. */
export function mrkdwnToTerminal(text: string, paint: Painter, names: NameLookup = {}): string {
  const parts = text.split('```');
  const lines: string[] = [];
  parts.forEach((part, index) => {
    const isPre = index % 2 === 1 && index < parts.length - 1;
    if (isPre) {
      // A preformatted block: shown as code, indented, nothing inside interpreted.
      const body = decodeEntities(part.replace(/^\n/, '').replace(/\n$/, ''));
      lines.push(...body.split('\n').map((line) => `  ${paint.code(line)}`));
      return;
    }
    // An unmatched fence stays as typed.
    let plain = index % 2 === 1 ? `\`\`\`${part}` : part;
    if (index > 0 && !(index % 2 === 1)) plain = plain.replace(/^\n/, '');
    if (index < parts.length - 1) plain = plain.replace(/\n$/, '');
    if (plain === '' && index > 0) return;
    for (const line of plain.split('\n')) {
      const quote = /^(?:>|&gt;)\s?/.exec(line);
      lines.push(
        quote ? `${paint.dim('▎')} ${inlineToTerminal(line.slice(quote[0].length), paint, names)}` : inlineToTerminal(line, paint, names),
      );
    }
  });
  return lines.join('\n');
}
