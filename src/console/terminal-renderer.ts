// Block Kit messages and modals drawn as terminal text: what a person in Slack would see,
// with every interactive element numbered ([1], [2] …) so it can be pressed or filled by
// typing `click 2`, `select 1 Proposal` or `set Title Acme`. Pure functions: the drawing
// and the list of numbered controls come back; nothing is printed or sent from here.

import {
  blockElements,
  describeValue,
  elementOptions,
  isBlock,
  isElement,
  textOf,
  withGeneratedIds,
  type Directory,
  type SlackBlock,
  type SlackElement,
  type StateValues,
} from './form-state.js';
import { decodeEntities, mrkdwnToTerminal, type NameLookup } from './terminal-mrkdwn.js';
import { createPainter, visibleLength, type Painter } from './terminal-style.js';

/** An element drawn with a number, and what the console needs to act on it. */
export interface Control {
  number: number;
  blockId: string;
  element: SlackElement;
  /** The input's label for form fields, else the element's own text or placeholder. */
  label: string;
  /** Part of an input block (a form field) rather than an actions block or accessory. */
  field: boolean;
  /** A form field whose changes Slack reports at once as block_actions. */
  dispatchAction: boolean;
}

export interface Drawing {
  text: string;
  controls: Control[];
}

export interface RenderOptions {
  color: boolean;
  /** The number given to the first interactive element (default 1). */
  firstNumber?: number;
  /** People and channels, for mentions and picker values. */
  directory?: Directory;
}

export interface MessageToDraw {
  text?: string;
  blocks?: unknown[];
  /** Who sees it: everyone in the channel, only the person, or a direct message. */
  audience: 'channel' | 'ephemeral' | 'direct';
  channelName?: string;
  /** Who wrote it (default Dealbot). */
  author?: string;
  change?: 'new' | 'updated' | 'deleted';
  inThread?: boolean;
  /** Values picked in the message's own stateful elements (a datepicker in an actions block). */
  values?: StateValues;
}

export interface ModalToDraw {
  view: Record<string, unknown>;
  values?: StateValues;
  /** `response_action: errors` from the app: block_id → message. */
  errors?: Record<string, string>;
  /** How many views are stacked under this one (views.push). */
  depth?: number;
}

const OPTION_PREVIEW = 8;
const MAX_LEFT_COLUMN = 40;
const EMPTY_DIRECTORY: Directory = { people: [], channels: [], zone: 'UTC' };

interface DrawState {
  paint: Painter;
  directory: Directory;
  names: NameLookup;
  next: number;
  controls: Control[];
  values: StateValues;
  errors: Record<string, string>;
}

function createDrawState(options: RenderOptions, values: StateValues = {}, errors: Record<string, string> = {}): DrawState {
  const directory = options.directory ?? EMPTY_DIRECTORY;
  return {
    paint: createPainter(options.color),
    directory,
    names: {
      user: (id) => directory.people.find((p) => p.id === id)?.name,
      channel: (id) => directory.channels.find((c) => c.id === id)?.name,
    },
    next: options.firstNumber ?? 1,
    controls: [],
    values,
    errors,
  };
}

function richText(value: unknown, state: DrawState): string {
  if (!value || typeof value !== 'object') return '';
  const obj = value as Record<string, unknown>;
  if (obj.type === 'mrkdwn') return mrkdwnToTerminal(textOf(obj), state.paint, state.names);
  return decodeEntities(textOf(obj));
}

function enumerate(labels: string[], paint: Painter): string {
  const shown = labels.slice(0, OPTION_PREVIEW).join(' · ');
  const more = labels.length > OPTION_PREVIEW ? ` · and ${labels.length - OPTION_PREVIEW} more` : '';
  return paint.dim(`(${shown}${more})`);
}

function register(state: DrawState, block: SlackBlock, element: SlackElement, label: string, field: boolean): number {
  const number = state.next;
  state.next += 1;
  state.controls.push({
    number,
    blockId: block.block_id ?? '',
    element,
    label,
    field,
    dispatchAction: field && block.dispatch_action === true,
  });
  return number;
}

function elementCaption(element: SlackElement): string {
  return textOf(element.text) || textOf(element.placeholder) || element.type.replace(/_/g, ' ');
}

function currentValue(state: DrawState, block: SlackBlock, element: SlackElement): string | null {
  return describeValue(state.values[block.block_id ?? '']?.[element.action_id ?? ''], state.directory);
}

/** One interactive element outside a form field: a button, a menu, a picker. */
function drawControl(state: DrawState, block: SlackBlock, element: SlackElement): string {
  const { paint } = state;
  const caption = elementCaption(element);
  if (element.type === 'image') return paint.dim(`[image: ${String(element.alt_text ?? '')}]`);
  const number = register(state, block, element, caption, false);
  const tag = paint.bold(`[${number}]`);
  if (element.type === 'button' || element.type === 'workflow_button') {
    const styled = element.style === 'primary' ? paint.green(caption) : element.style === 'danger' ? paint.red(caption) : caption;
    const link = typeof element.url === 'string' ? ` ${paint.dim(`↗ ${element.url}`)}` : '';
    return `${tag} ${styled}${link}`;
  }
  if (element.type === 'overflow') {
    return `${tag} ⋯ ${enumerate(
      elementOptions(element).map((o) => textOf(o.text)),
      paint,
    )}`;
  }
  const value = currentValue(state, block, element);
  const options = elementOptions(element).map((o) => textOf(o.text));
  const chosen = value ? `: ${value}` : '';
  const list = options.length > 0 ? ` ${enumerate(options, paint)}` : '';
  return `${tag} ${caption} ▾${chosen}${list}`;
}

function drawField(state: DrawState, block: SlackBlock): string[] {
  const { paint } = state;
  const element = blockElements(block)[0];
  const label = decodeEntities(textOf(block.label));
  const required = block.optional === true ? ` ${paint.dim('(optional)')}` : ` ${paint.yellow('*')}`;
  if (!element) return [`${paint.bold(label)}${required}`];
  const number = register(state, block, element, label, true);
  const lines = [`${paint.bold(`[${number}] ${label}`)}${required}`];
  const value = currentValue(state, block, element);
  const options = elementOptions(element);
  const placeholder = textOf(element.placeholder);
  if (element.type === 'checkboxes' || element.type === 'radio_buttons') {
    const raw = state.values[block.block_id ?? '']?.[element.action_id ?? ''];
    const chosen = [raw?.selected_option, ...(Array.isArray(raw?.selected_options) ? raw.selected_options : [])];
    const picked = new Set(chosen.map((o) => (o && typeof o === 'object' ? String((o as { value?: unknown }).value) : '')));
    const [on, off] = element.type === 'checkboxes' ? ['[x]', '[ ]'] : ['(•)', '( )'];
    for (const option of options) lines.push(`    ${picked.has(option.value) ? on : off} ${textOf(option.text)}`);
  } else {
    const shown = value ?? paint.dim(placeholder ? `(${placeholder})` : '(empty)');
    const isSelect = element.type.endsWith('select');
    const list =
      options.length > 0
        ? ` ${enumerate(
            options.map((o) => textOf(o.text)),
            paint,
          )}`
        : '';
    const valueLines = shown.split('\n');
    lines.push(...valueLines.map((line, i) => `    ${line}${i === valueLines.length - 1 && isSelect ? ` ▾${list}` : ''}`));
  }
  const error = state.errors[block.block_id ?? ''];
  if (error) lines.push(`    ${paint.red(`⚠ ${error}`)}`);
  const hint = textOf(block.hint);
  if (hint) lines.push(`    ${paint.dim(decodeEntities(hint))}`);
  return lines;
}

function drawFields(fields: unknown[], state: DrawState): string[] {
  const cells = fields.map((f) => richText(f, state).split('\n'));
  const lines: string[] = [];
  for (let i = 0; i < cells.length; i += 2) {
    const left = cells[i] ?? [];
    const right = cells[i + 1] ?? [];
    const width = Math.min(
      MAX_LEFT_COLUMN,
      Math.max(
        0,
        ...cells
          .filter((_, j) => j % 2 === 0)
          .flat()
          .map(visibleLength),
      ),
    );
    const rows = Math.max(left.length, right.length);
    for (let r = 0; r < rows; r += 1) {
      const l = left[r] ?? '';
      const rCell = right[r] ?? '';
      lines.push(rCell ? `${l}${' '.repeat(Math.max(2, width - visibleLength(l) + 2))}${rCell}` : l);
    }
  }
  return lines;
}

function drawRichText(block: SlackBlock, state: DrawState): string[] {
  const { paint } = state;
  const inline = (elements: unknown): string =>
    (Array.isArray(elements) ? elements : [])
      .map((e: Record<string, unknown>) => {
        const style = (e.style ?? {}) as Record<string, boolean>;
        let text = '';
        if (e.type === 'text') text = String(e.text ?? '');
        else if (e.type === 'link') text = e.text ? `${String(e.text)} (${String(e.url)})` : String(e.url);
        else if (e.type === 'user') text = paint.mention(`@${state.names.user?.(String(e.user_id)) ?? String(e.user_id)}`);
        else if (e.type === 'channel') text = paint.mention(`#${state.names.channel?.(String(e.channel_id)) ?? String(e.channel_id)}`);
        else if (e.type === 'emoji') text = `:${String(e.name)}:`;
        else if (e.type === 'broadcast') text = paint.mention(`@${String(e.range)}`);
        if (style.bold) text = paint.bold(text);
        if (style.italic) text = paint.italic(text);
        if (style.strike) text = paint.strike(text);
        if (style.code) text = paint.code(text);
        return text;
      })
      .join('');
  const lines: string[] = [];
  for (const part of Array.isArray(block.elements) ? (block.elements as Record<string, unknown>[]) : []) {
    if (part.type === 'rich_text_list') {
      const ordered = part.style === 'ordered';
      (Array.isArray(part.elements) ? (part.elements as Record<string, unknown>[]) : []).forEach((item, i) =>
        lines.push(`${'  '.repeat(Number(part.indent ?? 0))}${ordered ? `${i + 1}.` : '•'} ${inline(item.elements)}`),
      );
    } else if (part.type === 'rich_text_preformatted') {
      lines.push(
        ...inline(part.elements)
          .split('\n')
          .map((l) => `  ${paint.code(l)}`),
      );
    } else if (part.type === 'rich_text_quote') {
      lines.push(
        ...inline(part.elements)
          .split('\n')
          .map((l) => `${paint.dim('▎')} ${l}`),
      );
    } else {
      lines.push(...inline(part.elements).split('\n'));
    }
  }
  return lines;
}

function drawBlock(block: SlackBlock, state: DrawState): string[] {
  const { paint } = state;
  switch (block.type) {
    case 'header':
      return [paint.bold(decodeEntities(textOf(block.text)))];
    case 'section': {
      const lines: string[] = [];
      if (block.text) lines.push(...richText(block.text, state).split('\n'));
      if (Array.isArray(block.fields)) lines.push(...drawFields(block.fields, state));
      const accessory = isElement(block.accessory) ? block.accessory : undefined;
      if (accessory) lines.push(`  ${drawControl(state, block, accessory)}`);
      return lines;
    }
    case 'divider':
      return [paint.dim('─'.repeat(40))];
    case 'context': {
      const parts = (Array.isArray(block.elements) ? block.elements : []).map((e: unknown) => {
        const element = e as Record<string, unknown>;
        return element.type === 'image'
          ? `[${String(element.alt_text ?? 'image')}]`
          : richText(element, { ...state, paint: createPainter(false) });
      });
      return parts
        .join('  ')
        .split('\n')
        .map((line) => paint.dim(line));
    }
    case 'image': {
      const title = textOf(block.title);
      return [paint.dim(`[image: ${String(block.alt_text ?? '')}]`) + (title ? ` ${decodeEntities(title)}` : '')];
    }
    case 'actions': {
      const drawn = blockElements(block).map((element) => drawControl(state, block, element));
      // Buttons share a line; a menu with its options gets its own.
      const lines: string[] = [];
      let row: string[] = [];
      blockElements(block).forEach((element, i) => {
        const text = drawn[i] ?? '';
        if (element.type === 'button') row.push(text);
        else {
          if (row.length) lines.push(row.join('  '));
          row = [];
          lines.push(text);
        }
      });
      if (row.length) lines.push(row.join('  '));
      return lines;
    }
    case 'input':
      return drawField(state, block);
    case 'rich_text':
      return drawRichText(block, state);
    case 'markdown':
      return String(block.text ?? '').split('\n');
    case 'video':
      return [paint.dim(`[video: ${textOf(block.title) || String(block.alt_text ?? '')}]`)];
    case 'file':
      return [paint.dim('[file]')];
    default:
      return [paint.dim(`[${block.type} block]`)];
  }
}

function drawBlocks(blocks: SlackBlock[], state: DrawState): string[] {
  return blocks.flatMap((block) => drawBlock(block, state));
}

const gutter = (paint: Painter, lines: string[]): string[] => lines.map((line) => `${paint.dim('│')} ${line}`);

export function renderMessage(message: MessageToDraw, options: RenderOptions): Drawing {
  const state = createDrawState(options, message.values);
  const { paint } = state;
  const author = paint.bold(message.author ?? 'Dealbot');
  const where =
    message.audience === 'ephemeral'
      ? paint.yellow('only visible to you')
      : message.audience === 'direct'
        ? 'direct message'
        : `#${message.channelName ?? 'channel'}`;
  const notes = [
    message.inThread ? 'in thread' : '',
    message.change === 'updated' ? paint.yellow('updated') : '',
    message.change === 'deleted' ? paint.red('deleted') : '',
  ]
    .filter(Boolean)
    .map((n) => ` · ${n}`)
    .join('');
  const title = `${author} · ${where}${notes}`;
  if (message.change === 'deleted') return { text: title, controls: [] };
  const blocks = withGeneratedIds(message.blocks);
  const body = blocks.length > 0 ? drawBlocks(blocks, state) : mrkdwnToTerminal(message.text ?? '', paint, state.names).split('\n');
  return { text: [title, ...gutter(paint, body)].join('\n'), controls: state.controls };
}

export function renderModal(modal: ModalToDraw, options: RenderOptions): Drawing {
  const state = createDrawState(options, modal.values, modal.errors);
  const { paint } = state;
  const { view } = modal;
  const title = decodeEntities(textOf(view.title)) || 'Modal';
  const depth = modal.depth ? paint.dim(` (on top of ${modal.depth} more)`) : '';
  const blocks = withGeneratedIds(view.blocks).filter(isBlock);
  const body = drawBlocks(blocks, state);
  const unplaced = Object.entries(modal.errors ?? {}).filter(([blockId]) => !blocks.some((b) => b.block_id === blockId));
  for (const [blockId, message] of unplaced) body.push(paint.red(`⚠ ${blockId}: ${message}`));
  const submit = textOf(view.submit);
  const close = textOf(view.close) || 'Cancel';
  const verbs = [submit ? `${paint.bold('submit')} (${submit})` : '', `${paint.bold('cancel')} (${close})`].filter(Boolean).join(' · ');
  const text = [
    `${paint.dim('╭─')} ${paint.bold(title)} ${paint.dim('· modal')}${depth}`,
    ...gutter(paint, body),
    `${paint.dim('╰─')} ${verbs}`,
  ].join('\n');
  return { text, controls: state.controls };
}
