// Reading what a person typed in a slash command, shared by the `/deal` and `/pipeline`
// grammars: Slack's markup turned back into the text they saw, quotes and runs of spaces
// dropped, and user text echoed safely inside a code span.

/**
 * Slack sends `<@U123|ada>`, `<#C1|sales>`, `<!here>` and `<https://x|label>` as markup and
 * literal `<`, `>`, `&` escaped. Markup becomes the text a person saw; entities are decoded
 * after, so an escaped `&lt;@U1&gt;` stays literal text. Control characters become spaces.
 */
export function fromSlackText(text: string): string {
  return text
    .replace(/<([^<>]*)>/g, (_, inner: string) => slackMarkupText(inner))
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .replace(/[\u200b\ufeff]/g, '')
    .replace(/\p{Cc}/gu, ' ');
}

function slackMarkupText(inner: string): string {
  const bar = inner.indexOf('|');
  const target = bar >= 0 ? inner.slice(0, bar) : inner;
  const label = bar >= 0 ? inner.slice(bar + 1) : '';
  if (target.startsWith('@')) return label ? `@${label.replace(/^@/, '')}` : target;
  if (target.startsWith('#')) return label ? `#${label.replace(/^#/, '')}` : target;
  if (target.startsWith('!')) {
    if (label) return label;
    const name = target.slice(1).split('^')[0] ?? '';
    return `@${name}`;
  }
  return label || target;
}

export function collapse(text: string): string {
  return text.replace(/\s+/gu, ' ').trim();
}

/** People quote names (`"Acme renewal"`), Slack on a Mac curls the quotes. */
export function unquote(text: string): string {
  const m = /^\s*(["'“”‘’«])([\s\S]*)(["'“”‘’»])\s*$/u.exec(text);
  return m ? (m[2] ?? '') : text;
}

/** User text quoted back inside a code span: shortened, escaped for mrkdwn, no backticks to break the span. */
export function echo(text: string, limit: number): string {
  const chars = Array.from(text.replace(/`/g, "'"));
  const short = chars.length > limit ? `${chars.slice(0, limit - 1).join('')}…` : chars.join('');
  return short.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
