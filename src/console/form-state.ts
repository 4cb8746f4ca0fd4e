// What a person has typed or picked in a surface's interactive elements, kept in the exact
// shape Slack sends as `view.state.values`: `{ [block_id]: { [action_id]: { type, value |
// selected_option | selected_date | selected_user | … } } }`. Also turns a line the person
// typed ("Proposal", "2025-03-31", "@ada") into such a value for a given element, the way
// Slack's client would after a click in the real picker.

import { DateTime } from 'luxon';

export type SlackBlock = Record<string, unknown> & { type: string; block_id?: string };
export type SlackElement = Record<string, unknown> & { type: string; action_id?: string };
export type StateValue = Record<string, unknown> & { type: string };
export type StateValues = Record<string, Record<string, StateValue>>;

export interface SlackText {
  type: 'plain_text' | 'mrkdwn';
  text: string;
  emoji?: boolean;
}

export interface SlackOption {
  text: SlackText;
  value: string;
  description?: SlackText;
}

/** People and channels a picker can offer. */
export interface Directory {
  people: ReadonlyArray<{ id: string; name: string; realName?: string; email?: string }>;
  channels: ReadonlyArray<{ id: string; name: string }>;
  /** The person's IANA zone, for date-time pickers. */
  zone: string;
}

export type Choice = { ok: true; value: StateValue } | { ok: false; problem: string };

const TEXT_INPUTS = new Set(['plain_text_input', 'number_input', 'email_text_input', 'url_text_input']);
const STATEFUL = new Set([
  ...TEXT_INPUTS,
  'rich_text_input',
  'static_select',
  'external_select',
  'users_select',
  'conversations_select',
  'channels_select',
  'multi_static_select',
  'multi_external_select',
  'multi_users_select',
  'multi_conversations_select',
  'multi_channels_select',
  'datepicker',
  'timepicker',
  'datetimepicker',
  'radio_buttons',
  'checkboxes',
]);

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

export function isBlock(value: unknown): value is SlackBlock {
  return isRecord(value) && typeof value.type === 'string';
}

export function isElement(value: unknown): value is SlackElement {
  return isRecord(value) && typeof value.type === 'string';
}

export function textOf(value: unknown): string {
  if (typeof value === 'string') return value;
  if (isRecord(value) && typeof value.text === 'string') return value.text;
  return '';
}

/** Elements a block holds, in display order. */
export function blockElements(block: SlackBlock): SlackElement[] {
  if (block.type === 'input') return isElement(block.element) ? [block.element] : [];
  if (block.type === 'section') return isElement(block.accessory) ? [block.accessory] : [];
  if (block.type === 'actions') return Array.isArray(block.elements) ? block.elements.filter(isElement) : [];
  return [];
}

/**
 * Slack fills in a block_id (and an action_id) the app left out, and sends them back in
 * payloads. Derived from the position here, so they are stable while the layout is.
 */
export function withGeneratedIds(blocks: unknown): SlackBlock[] {
  if (!Array.isArray(blocks)) return [];
  return blocks.filter(isBlock).map((block, index) => {
    const blockId = typeof block.block_id === 'string' && block.block_id ? block.block_id : `b${index}`;
    const withIds = (element: SlackElement, position: number): SlackElement =>
      typeof element.action_id === 'string' && element.action_id ? element : { ...element, action_id: `${blockId}-a${position}` };
    if (block.type === 'input' && isElement(block.element)) return { ...block, block_id: blockId, element: withIds(block.element, 0) };
    if (block.type === 'section' && isElement(block.accessory)) {
      return { ...block, block_id: blockId, accessory: withIds(block.accessory, 0) };
    }
    if (block.type === 'actions' && Array.isArray(block.elements)) {
      return { ...block, block_id: blockId, elements: block.elements.filter(isElement).map(withIds) };
    }
    return { ...block, block_id: blockId };
  });
}

export function isStateful(element: SlackElement): boolean {
  return STATEFUL.has(element.type);
}

/** Every option of a select, radio group, checkbox group or overflow menu, groups flattened. */
export function elementOptions(element: SlackElement): SlackOption[] {
  const direct = Array.isArray(element.options) ? element.options : [];
  const grouped = Array.isArray(element.option_groups)
    ? element.option_groups.flatMap((g: unknown) => (isRecord(g) && Array.isArray(g.options) ? g.options : []))
    : [];
  return [...direct, ...grouped].filter((o): o is SlackOption => isRecord(o) && typeof o.value === 'string' && isRecord(o.text));
}

/** The value an element starts with: its `initial_*`, or empty. */
export function initialValue(element: SlackElement): StateValue {
  const type = element.type;
  const list = (key: string): unknown[] => (Array.isArray(element[key]) ? (element[key] as unknown[]) : []);
  switch (type) {
    case 'plain_text_input':
    case 'number_input':
    case 'email_text_input':
    case 'url_text_input':
      return { type, value: typeof element.initial_value === 'string' ? element.initial_value : null };
    case 'rich_text_input':
      return { type, rich_text_value: element.initial_value ?? null };
    case 'static_select':
    case 'external_select':
    case 'radio_buttons':
      return { type, selected_option: element.initial_option ?? null };
    case 'multi_static_select':
    case 'multi_external_select':
    case 'checkboxes':
      return { type, selected_options: list('initial_options') };
    case 'users_select':
      return { type, selected_user: element.initial_user ?? null };
    case 'multi_users_select':
      return { type, selected_users: list('initial_users') };
    case 'conversations_select':
      return { type, selected_conversation: element.initial_conversation ?? null };
    case 'multi_conversations_select':
      return { type, selected_conversations: list('initial_conversations') };
    case 'channels_select':
      return { type, selected_channel: element.initial_channel ?? null };
    case 'multi_channels_select':
      return { type, selected_channels: list('initial_channels') };
    case 'datepicker':
      return { type, selected_date: element.initial_date ?? null };
    case 'timepicker':
      return { type, selected_time: element.initial_time ?? null };
    case 'datetimepicker':
      return { type, selected_date_time: element.initial_date_time ?? null };
    default:
      return { type };
  }
}

function optionStillOffered(element: SlackElement, value: StateValue): boolean {
  if (
    element.type !== 'static_select' &&
    element.type !== 'radio_buttons' &&
    element.type !== 'multi_static_select' &&
    element.type !== 'checkboxes'
  ) {
    return true;
  }
  const offered = new Set(elementOptions(element).map((o) => o.value));
  const chosen = [value.selected_option, ...(Array.isArray(value.selected_options) ? value.selected_options : [])].filter(isRecord);
  return chosen.every((o) => offered.has(String(o.value)));
}

/**
 * The state of a surface drawn from `blocks`. Like Slack on `views.update`, a value the
 * person entered survives when the new view keeps the element's block_id and action_id.
 */
export function stateFor(blocks: readonly SlackBlock[], previous: StateValues = {}): StateValues {
  const values: StateValues = {};
  for (const block of blocks) {
    const blockId = block.block_id ?? '';
    for (const element of blockElements(block)) {
      if (!isStateful(element)) continue;
      const actionId = element.action_id ?? '';
      const kept = previous[blockId]?.[actionId];
      const value = kept && kept.type === element.type && optionStillOffered(element, kept) ? kept : initialValue(element);
      values[blockId] = { ...values[blockId], [actionId]: value };
    }
  }
  return values;
}

function normalise(text: string): string {
  return text.trim().toLowerCase().replace(/\s+/g, ' ');
}

/** Finds one entry by exact name, then a unique prefix, then a unique substring. */
export function pickOne<T>(entries: readonly T[], wanted: string, names: (entry: T) => string[]): T | T[] {
  const w = normalise(wanted);
  const all = (entry: T) => names(entry).map(normalise);
  const exact = entries.filter((e) => all(e).includes(w));
  if (exact.length >= 1) return exact.length === 1 ? (exact[0] as T) : exact;
  const prefix = entries.filter((e) => all(e).some((n) => n.startsWith(w)));
  if (prefix.length === 1) return prefix[0] as T;
  const inside = entries.filter((e) => all(e).some((n) => n.includes(w)));
  if (inside.length === 1) return inside[0] as T;
  return prefix.length > 1 ? prefix : inside;
}

function listOf(labels: string[], max = 12): string {
  const shown = labels.slice(0, max).join(', ');
  return labels.length > max ? `${shown} and ${labels.length - max} more` : shown;
}

function chooseOption(options: SlackOption[], wanted: string): SlackOption | string {
  if (options.length === 0) return 'it has no options to choose from';
  const found = pickOne(options, wanted, (o) => [textOf(o.text), o.value]);
  if (!Array.isArray(found)) return found;
  const labels = (found.length > 0 ? found : options).map((o) => textOf(o.text));
  return found.length > 0 ? `"${wanted}" matches several: ${listOf(labels)}` : `no option "${wanted}"; options: ${listOf(labels)}`;
}

function choosePerson(directory: Directory, wanted: string): string | { problem: string } {
  const bare = wanted
    .trim()
    .replace(/^<@([A-Z0-9]+)(\|[^>]*)?>$/, '$1')
    .replace(/^@/, '');
  const found = pickOne(directory.people, bare, (p) => [p.id, p.name, p.realName ?? '', p.email ?? '']);
  if (!Array.isArray(found)) return found.id;
  if (/^[UW][A-Z0-9]{2,}$/.test(bare)) return bare;
  return { problem: `no single person matches "${wanted}"; people: ${listOf(directory.people.map((p) => `@${p.name}`))}` };
}

function chooseChannel(directory: Directory, wanted: string): string | { problem: string } {
  const bare = wanted.trim().replace(/^#/, '');
  const found = pickOne(directory.channels, bare, (c) => [c.id, c.name]);
  if (!Array.isArray(found)) return found.id;
  if (/^[CGD][A-Z0-9]{2,}$/.test(bare)) return bare;
  return { problem: `no single channel matches "${wanted}"; channels: ${listOf(directory.channels.map((c) => `#${c.name}`))}` };
}

function splitList(input: string): string[] {
  return input
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/**
 * The state value an element takes when the person answers `input`. `options` replaces the
 * element's own list (an external select's options, which the app supplies on demand).
 */
export function choose(element: SlackElement, input: string, directory: Directory, options?: SlackOption[]): Choice {
  const type = element.type;
  const text = input.trim();
  const fail = (problem: string): Choice => ({ ok: false, problem });
  switch (type) {
    case 'plain_text_input':
    case 'email_text_input':
    case 'url_text_input': {
      if (!text) return { ok: true, value: { type, value: null } };
      if (type === 'email_text_input' && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(text)) return fail(`"${text}" is not an email address`);
      if (type === 'url_text_input' && !/^https?:\/\/\S+$/.test(text)) return fail(`"${text}" is not a URL (http:// or https://)`);
      // Slack's text inputs keep what was typed, including inner spacing; only the ends are ours.
      return { ok: true, value: { type, value: input.replace(/^\s+|\s+$/g, '').replace(/\\n/g, '\n') } };
    }
    case 'number_input': {
      if (!text) return { ok: true, value: { type, value: null } };
      const decimal = element.is_decimal_allowed === true;
      if (!(decimal ? /^-?\d+(\.\d+)?$/ : /^-?\d+$/).test(text)) return fail(`"${text}" is not ${decimal ? 'a number' : 'a whole number'}`);
      return { ok: true, value: { type, value: text } };
    }
    case 'static_select':
    case 'external_select':
    case 'radio_buttons':
    case 'overflow': {
      if (!text) return type === 'overflow' ? fail('say which option') : { ok: true, value: { type, selected_option: null } };
      const option = chooseOption(options ?? elementOptions(element), text);
      return typeof option === 'string' ? fail(option) : { ok: true, value: { type, selected_option: option } };
    }
    case 'multi_static_select':
    case 'multi_external_select':
    case 'checkboxes': {
      const chosen: SlackOption[] = [];
      for (const part of splitList(text)) {
        const option = chooseOption(options ?? elementOptions(element), part);
        if (typeof option === 'string') return fail(option);
        chosen.push(option);
      }
      return { ok: true, value: { type, selected_options: chosen } };
    }
    case 'users_select':
    case 'multi_users_select': {
      const ids: string[] = [];
      for (const part of type === 'users_select' ? [text].filter(Boolean) : splitList(text)) {
        const id = choosePerson(directory, part);
        if (typeof id !== 'string') return fail(id.problem);
        ids.push(id);
      }
      return { ok: true, value: type === 'users_select' ? { type, selected_user: ids[0] ?? null } : { type, selected_users: ids } };
    }
    case 'conversations_select':
    case 'channels_select':
    case 'multi_conversations_select':
    case 'multi_channels_select': {
      const single = !type.startsWith('multi_');
      const ids: string[] = [];
      for (const part of single ? [text].filter(Boolean) : splitList(text)) {
        const id = chooseChannel(directory, part);
        if (typeof id !== 'string') return fail(id.problem);
        ids.push(id);
      }
      const key = type.includes('channels') ? 'selected_channel' : 'selected_conversation';
      return { ok: true, value: single ? { type, [key]: ids[0] ?? null } : { type, [`${key}s`]: ids } };
    }
    case 'datepicker': {
      if (!text) return { ok: true, value: { type, selected_date: null } };
      const date = DateTime.fromISO(text, { zone: directory.zone });
      if (!/^\d{4}-\d{2}-\d{2}$/.test(text) || !date.isValid) return fail(`"${text}" is not a date like 2025-03-31`);
      return { ok: true, value: { type, selected_date: text } };
    }
    case 'timepicker': {
      if (!text) return { ok: true, value: { type, selected_time: null } };
      if (!/^([01]\d|2[0-3]):[0-5]\d$/.test(text)) return fail(`"${text}" is not a time like 09:30`);
      return { ok: true, value: { type, selected_time: text } };
    }
    case 'datetimepicker': {
      if (!text) return { ok: true, value: { type, selected_date_time: null } };
      const at = DateTime.fromFormat(text, 'yyyy-MM-dd HH:mm', { zone: directory.zone });
      if (!at.isValid) return fail(`"${text}" is not a date and time like 2025-03-31 09:30`);
      return { ok: true, value: { type, selected_date_time: Math.floor(at.toSeconds()) } };
    }
    default:
      return fail(`a ${type.replace(/_/g, ' ')} cannot be set from the console`);
  }
}

/** How a value reads on screen, or null when nothing is chosen. */
export function describeValue(value: StateValue | undefined, directory: Pick<Directory, 'people' | 'channels' | 'zone'>): string | null {
  if (!value) return null;
  const person = (id: unknown) => `@${directory.people.find((p) => p.id === id)?.name ?? String(id)}`;
  const channel = (id: unknown) => `#${directory.channels.find((c) => c.id === id)?.name ?? String(id)}`;
  const options = (list: unknown) => (Array.isArray(list) ? list.filter(isRecord).map((o) => textOf(o.text)) : []);
  const nonEmpty = (parts: string[]) => (parts.length > 0 ? parts.join(', ') : null);
  if ('value' in value) return typeof value.value === 'string' && value.value !== '' ? value.value : null;
  if ('selected_option' in value) return isRecord(value.selected_option) ? textOf(value.selected_option.text) : null;
  if ('selected_options' in value) return nonEmpty(options(value.selected_options));
  if ('selected_user' in value) return value.selected_user ? person(value.selected_user) : null;
  if ('selected_users' in value) return nonEmpty((value.selected_users as unknown[]).map(person));
  if ('selected_conversation' in value) return value.selected_conversation ? channel(value.selected_conversation) : null;
  if ('selected_channel' in value) return value.selected_channel ? channel(value.selected_channel) : null;
  if ('selected_conversations' in value) return nonEmpty((value.selected_conversations as unknown[]).map(channel));
  if ('selected_channels' in value) return nonEmpty((value.selected_channels as unknown[]).map(channel));
  if ('selected_date' in value) return typeof value.selected_date === 'string' ? value.selected_date : null;
  if ('selected_time' in value) return typeof value.selected_time === 'string' ? value.selected_time : null;
  if ('selected_date_time' in value) {
    return typeof value.selected_date_time === 'number'
      ? DateTime.fromSeconds(value.selected_date_time, { zone: directory.zone }).toFormat('yyyy-MM-dd HH:mm')
      : null;
  }
  return null;
}
