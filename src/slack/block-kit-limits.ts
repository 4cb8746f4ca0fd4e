// Checks a message or modal against the Block Kit limits Slack enforces (a payload over a
// limit is refused with `invalid_blocks`, so the person gets nothing) and, for our own
// tests, against untrusted text turning into markup: no `<!…>` mention, no `<http…>` link
// and no bare `&` or `<` may reach a mrkdwn text. The one link let through is one the caller
// names as ours (`links`: urls a renderer built a link from, a CRM's address for a deal), in
// the exact form `ui/mrkdwn.ts` `mrkdwnLink` writes, its label held to the same rule. Lists every problem at once, with the
// path where it is. The Slack stand-in refuses what Slack refuses (the limits); renderer
// tests also hold every surface to the markup rule.

type Json = Record<string, unknown>;

/** Checkboxes hold at most 10 options (https://docs.slack.dev/reference/block-kit/block-elements/checkboxes-element). */
const CHECKBOX_OPTIONS = 10;

const LIMITS = {
  messageBlocks: 50,
  modalBlocks: 100,
  sectionText: 3000,
  fieldText: 2000,
  sectionFields: 10,
  headerText: 150,
  buttonText: 75,
  optionText: 75,
  optionValue: 150,
  selectOptions: 100,
  optionGroups: 100,
  actionsElements: 25,
  contextElements: 10,
  actionValue: 2000,
  url: 3000,
  actionId: 255,
  blockId: 255,
  inputLabel: 2000,
  inputHint: 2000,
  placeholder: 150,
  plainTextInputMax: 3000,
  modalTitle: 24,
  privateMetadata: 3000,
  callbackId: 255,
  messageText: 40_000,
};

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const asArray = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** A url as it stands inside `<…|…>`: the same encoding as `ui/mrkdwn.ts` `linkTarget`. */
export function linkTarget(url: string): string {
  return url.replace(/[|<>\s]/g, (c) => encodeURIComponent(c)).replace(/&/g, '&amp;');
}

/**
 * `text` with each of our links (`<target|label>` for a url in `links`) replaced by its label,
 * so what remains is checked like any text: a label with a bare `<` or `&` still fails, and a
 * link to any other url is still "a `<http` link".
 */
function withoutOurLinks(text: string, links: readonly string[]): string {
  let out = text;
  for (const url of links) {
    const open = `<${linkTarget(url)}|`;
    let at = out.indexOf(open);
    while (at !== -1) {
      const end = out.indexOf('>', at + open.length);
      if (end === -1) break;
      out = out.slice(0, at) + out.slice(at + open.length, end) + out.slice(end + 1);
      at = out.indexOf(open, at);
    }
  }
  return out;
}

/** Markup problems in a string Slack parses as mrkdwn; `links` are the urls of our own links. */
function markupProblems(raw: string, links: readonly string[] = []): string[] {
  const problems: string[] = [];
  const text = links.length > 0 ? withoutOurLinks(raw, links) : raw;
  // Our own date tokens (`<!date^1700000000^{date_short}|Nov 14>`) are the one `<!` allowed:
  // Slack shows them in the reader's zone and they ping nobody.
  const DATE_TOKEN = /^<!date\^\d+\^[^|<>]*(?:\^[^|<>]*)?\|[^<>]*>/;
  const withoutDates = text.replace(new RegExp(DATE_TOKEN.source.slice(1), 'g'), '');
  if (/<!/.test(withoutDates)) problems.push('contains a `<!` special mention');
  if (/<https?:/i.test(text) || /<mailto:/i.test(text)) problems.push('contains a `<http` link');
  for (const m of text.matchAll(/</g)) {
    const rest = text.slice(m.index);
    if (!/^<@[UW][A-Z0-9]+>/.test(rest) && !DATE_TOKEN.test(rest))
      problems.push(`has an unescaped "<" at ${m.index}: ${JSON.stringify(rest.slice(0, 30))}`);
  }
  for (const m of text.matchAll(/&/g)) {
    if (!/^&(?:amp|lt|gt);/.test(text.slice(m.index))) problems.push(`has an unescaped "&" at ${m.index}`);
  }
  return problems;
}

class Checker {
  readonly problems: string[] = [];

  /** `markup`: also report untrusted text turned into markup (our rule, not Slack's); `links`: urls of our own links. */
  constructor(
    readonly markup: boolean = true,
    readonly links: readonly string[] = [],
  ) {}

  fail(path: string, problem: string): void {
    this.problems.push(`${path}: ${problem}`);
  }

  text(path: string, value: unknown, max: number, kind: 'plain' | 'mrkdwn' | 'any' = 'any'): void {
    if (!isObject(value)) return this.fail(path, 'missing text object');
    const type = value.type;
    if (type !== 'plain_text' && type !== 'mrkdwn') return this.fail(path, `unknown text type ${String(type)}`);
    if (kind === 'plain' && type !== 'plain_text') this.fail(path, 'must be plain_text');
    if (kind === 'mrkdwn' && type !== 'mrkdwn') this.fail(path, 'must be mrkdwn');
    const text = value.text;
    if (typeof text !== 'string') return this.fail(path, 'text is not a string');
    if (text.length === 0) this.fail(path, 'empty text (Slack requires at least 1 character)');
    if (text.length > max) this.fail(path, `text is ${text.length} characters, over ${max}`);
    if (type === 'mrkdwn' && this.markup) for (const p of markupProblems(text, this.links)) this.fail(path, p);
  }

  option(path: string, value: unknown): string | null {
    if (!isObject(value)) {
      this.fail(path, 'option is not an object');
      return null;
    }
    this.text(`${path}.text`, value.text, LIMITS.optionText, 'plain');
    const v = value.value;
    if (typeof v !== 'string' || v.length === 0) this.fail(`${path}.value`, 'missing value');
    else if (v.length > LIMITS.optionValue) this.fail(`${path}.value`, `value is ${v.length} characters, over ${LIMITS.optionValue}`);
    return typeof v === 'string' ? v : null;
  }

  element(path: string, el: unknown): void {
    if (!isObject(el)) return this.fail(path, 'element is not an object');
    const actionId = el.action_id;
    if (actionId !== undefined && (typeof actionId !== 'string' || actionId.length === 0 || actionId.length > LIMITS.actionId)) {
      this.fail(`${path}.action_id`, `bad action_id ${JSON.stringify(actionId)}`);
    }
    if (el.placeholder !== undefined) this.text(`${path}.placeholder`, el.placeholder, LIMITS.placeholder, 'plain');
    switch (el.type) {
      case 'button': {
        this.text(`${path}.text`, el.text, LIMITS.buttonText, 'plain');
        if (typeof el.value === 'string' && el.value.length > LIMITS.actionValue) {
          this.fail(`${path}.value`, `value is ${el.value.length} characters, over ${LIMITS.actionValue}`);
        }
        if (el.url !== undefined && (typeof el.url !== 'string' || el.url.length > LIMITS.url || !/^https?:\/\//.test(el.url))) {
          this.fail(`${path}.url`, 'url must be http(s) and at most 3000 characters');
        }
        if (el.style !== undefined && el.style !== 'primary' && el.style !== 'danger') this.fail(`${path}.style`, 'unknown style');
        return;
      }
      case 'static_select':
      case 'multi_static_select': {
        const hasOptions = el.options !== undefined;
        const hasGroups = el.option_groups !== undefined;
        if (hasOptions === hasGroups) this.fail(path, 'needs exactly one of options and option_groups');
        const values: string[] = [];
        const all: Json[] = [];
        if (hasOptions) {
          const options = asArray(el.options);
          if (options.length === 0) this.fail(`${path}.options`, 'no options');
          if (options.length > LIMITS.selectOptions)
            this.fail(`${path}.options`, `${options.length} options, over ${LIMITS.selectOptions}`);
          options.forEach((o, i) => {
            const v = this.option(`${path}.options[${i}]`, o);
            if (v !== null) values.push(v);
            if (isObject(o)) all.push(o);
          });
        }
        if (hasGroups) {
          const groups = asArray(el.option_groups);
          if (groups.length === 0) this.fail(`${path}.option_groups`, 'no groups');
          if (groups.length > LIMITS.optionGroups)
            this.fail(`${path}.option_groups`, `${groups.length} groups, over ${LIMITS.optionGroups}`);
          groups.forEach((g, gi) => {
            if (!isObject(g)) return this.fail(`${path}.option_groups[${gi}]`, 'not an object');
            this.text(`${path}.option_groups[${gi}].label`, g.label, LIMITS.optionText, 'plain');
            const options = asArray(g.options);
            if (options.length === 0 || options.length > LIMITS.selectOptions) {
              this.fail(`${path}.option_groups[${gi}].options`, `${options.length} options, must be 1 to ${LIMITS.selectOptions}`);
            }
            options.forEach((o, i) => {
              const v = this.option(`${path}.option_groups[${gi}].options[${i}]`, o);
              if (v !== null) values.push(v);
              if (isObject(o)) all.push(o);
            });
          });
        }
        if (new Set(values).size !== values.length) this.fail(path, 'option values are not unique');
        if (el.initial_option !== undefined) {
          const initial = el.initial_option;
          const match = isObject(initial) && all.some((o) => JSON.stringify(o) === JSON.stringify(initial));
          if (!match) this.fail(`${path}.initial_option`, 'is not one of the options');
        }
        return;
      }
      case 'plain_text_input': {
        const max = el.max_length;
        if (max !== undefined && (typeof max !== 'number' || max < 1 || max > LIMITS.plainTextInputMax)) {
          this.fail(`${path}.max_length`, `must be 1 to ${LIMITS.plainTextInputMax}`);
        }
        if (typeof el.initial_value === 'string' && typeof max === 'number' && el.initial_value.length > max) {
          this.fail(`${path}.initial_value`, `is longer than max_length ${max}`);
        }
        return;
      }
      case 'number_input':
        if (typeof el.is_decimal_allowed !== 'boolean') this.fail(path, 'needs is_decimal_allowed');
        if (typeof el.initial_value === 'string' && !/^-?\d+(\.\d+)?$/.test(el.initial_value))
          this.fail(`${path}.initial_value`, 'not a number');
        return;
      case 'datepicker':
        if (el.initial_date !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(String(el.initial_date))) {
          this.fail(`${path}.initial_date`, 'must be YYYY-MM-DD');
        }
        return;
      case 'external_select':
      case 'multi_external_select': {
        const min = el.min_query_length;
        if (min !== undefined && (typeof min !== 'number' || min < 0))
          this.fail(`${path}.min_query_length`, 'must be a number of at least 0');
        if (el.initial_option !== undefined) this.option(`${path}.initial_option`, el.initial_option);
        return;
      }
      case 'checkboxes': {
        // Slack: 1 to 10 options; the initial ones must be among them.
        const options = asArray(el.options);
        if (options.length === 0 || options.length > CHECKBOX_OPTIONS) {
          this.fail(`${path}.options`, `${options.length} options, must be 1 to ${CHECKBOX_OPTIONS}`);
        }
        options.forEach((o, i) => this.option(`${path}.options[${i}]`, o));
        for (const initial of asArray(el.initial_options)) {
          if (!options.some((o) => JSON.stringify(o) === JSON.stringify(initial))) {
            this.fail(`${path}.initial_options`, 'are not all among the options');
          }
        }
        return;
      }
      case 'users_select':
      case 'multi_users_select':
      case 'conversations_select':
      case 'channels_select':
      case 'timepicker':
        return;
      default:
        return this.fail(path, `unexpected element type ${String(el.type)}`);
    }
  }

  block(path: string, block: unknown, surface: 'message' | 'modal'): void {
    if (!isObject(block)) return this.fail(path, 'block is not an object');
    switch (block.type) {
      case 'header':
        return this.text(`${path}.text`, block.text, LIMITS.headerText, 'plain');
      case 'section': {
        if (block.text === undefined && block.fields === undefined) this.fail(path, 'needs text or fields');
        if (block.text !== undefined) this.text(`${path}.text`, block.text, LIMITS.sectionText);
        if (block.fields !== undefined) {
          const fields = asArray(block.fields);
          if (fields.length === 0 || fields.length > LIMITS.sectionFields)
            this.fail(`${path}.fields`, `${fields.length} fields, must be 1 to ${LIMITS.sectionFields}`);
          fields.forEach((f, i) => this.text(`${path}.fields[${i}]`, f, LIMITS.fieldText));
        }
        if (block.accessory !== undefined) this.element(`${path}.accessory`, block.accessory);
        return;
      }
      case 'context': {
        const elements = asArray(block.elements);
        if (elements.length === 0 || elements.length > LIMITS.contextElements) {
          this.fail(`${path}.elements`, `${elements.length} elements, must be 1 to ${LIMITS.contextElements}`);
        }
        elements.forEach((e, i) => this.text(`${path}.elements[${i}]`, e, LIMITS.sectionText));
        return;
      }
      case 'actions': {
        const elements = asArray(block.elements);
        if (elements.length === 0 || elements.length > LIMITS.actionsElements) {
          this.fail(`${path}.elements`, `${elements.length} elements, must be 1 to ${LIMITS.actionsElements}`);
        }
        const ids = elements.map((e) => (isObject(e) ? e.action_id : undefined)).filter((id) => id !== undefined);
        if (new Set(ids).size !== ids.length) this.fail(path, `action_ids are not unique within the block: ${ids.join(', ')}`);
        elements.forEach((e, i) => this.element(`${path}.elements[${i}]`, e));
        return;
      }
      case 'input': {
        if (surface !== 'modal') this.fail(path, 'input blocks belong in modals');
        this.text(`${path}.label`, block.label, LIMITS.inputLabel, 'plain');
        if (block.hint !== undefined) this.text(`${path}.hint`, block.hint, LIMITS.inputHint, 'plain');
        this.element(`${path}.element`, block.element);
        return;
      }
      case 'divider':
        return;
      default:
        return this.fail(path, `unexpected block type ${String(block.type)}`);
    }
  }

  blocks(blocks: unknown, surface: 'message' | 'modal'): void {
    const list = asArray(blocks);
    const max = surface === 'modal' ? LIMITS.modalBlocks : LIMITS.messageBlocks;
    if (list.length > max) this.fail('blocks', `${list.length} blocks, over ${max} for a ${surface}`);
    const blockIds = list.map((b) => (isObject(b) ? b.block_id : undefined)).filter((id) => id !== undefined);
    if (new Set(blockIds).size !== blockIds.length) this.fail('blocks', `block_ids are not unique: ${blockIds.join(', ')}`);
    for (const id of blockIds) {
      if (typeof id !== 'string' || id.length === 0 || id.length > LIMITS.blockId)
        this.fail('blocks', `bad block_id ${JSON.stringify(id)}`);
    }
    list.forEach((b, i) => this.block(`blocks[${i}]`, b, surface));
  }
}

/**
 * Throws, listing every problem, when a message (`{ text, blocks }` or a bare block list)
 * or a modal view breaks a Block Kit limit or lets markup through.
 */
export function assertWithinBlockKitLimits(blocksOrView: unknown): void {
  const problems = blockKitProblems(blocksOrView);
  if (problems.length > 0) {
    throw new Error(`Block Kit limits broken:\n  ${problems.join('\n  ')}`);
  }
}

/**
 * Every problem of a message (`{ text, blocks }` or a bare block list) or a view, one line
 * each with its path; empty when Slack would take it. `markup: false` checks only what
 * Slack itself refuses. `links`: the urls the surface links to by our own hand (a deal's CRM
 * address), each allowed only as `<linkTarget(url)|escaped label>`.
 */
export function blockKitProblems(blocksOrView: unknown, options: { markup?: boolean; links?: readonly string[] } = {}): string[] {
  const check = new Checker(options.markup ?? true, options.links ?? []);
  if (Array.isArray(blocksOrView)) {
    check.blocks(blocksOrView, 'message');
  } else if (isObject(blocksOrView) && blocksOrView.type === 'home') {
    // The Home tab holds up to 100 blocks, like a modal.
    check.blocks(blocksOrView.blocks, 'modal');
  } else if (isObject(blocksOrView) && blocksOrView.type === 'modal') {
    const view = blocksOrView;
    check.text('title', view.title, LIMITS.modalTitle, 'plain');
    if (view.submit !== undefined) check.text('submit', view.submit, LIMITS.modalTitle, 'plain');
    if (view.close !== undefined) check.text('close', view.close, LIMITS.modalTitle, 'plain');
    const hasInput = asArray(view.blocks).some((b) => isObject(b) && b.type === 'input');
    if (hasInput && view.submit === undefined) check.fail('submit', 'a modal with inputs needs a submit button');
    if (typeof view.private_metadata === 'string' && view.private_metadata.length > LIMITS.privateMetadata) {
      check.fail('private_metadata', `over ${LIMITS.privateMetadata} characters`);
    }
    if (typeof view.callback_id === 'string' && view.callback_id.length > LIMITS.callbackId) check.fail('callback_id', 'too long');
    check.blocks(view.blocks, 'modal');
  } else if (isObject(blocksOrView)) {
    const message = blocksOrView;
    if (message.text !== undefined) {
      if (typeof message.text !== 'string' || message.text.length === 0) check.fail('text', 'fallback text must be a non-empty string');
      else {
        if (message.text.length > LIMITS.messageText) check.fail('text', 'fallback text is too long');
        if (check.markup) for (const p of markupProblems(message.text, check.links)) check.fail('text', p);
      }
    }
    check.blocks(message.blocks, 'message');
  } else {
    check.fail('', 'not a message, block list or modal');
  }
  return check.problems;
}

/** Every mrkdwn string of a surface (and a message's fallback text), in order. */
export function mrkdwnTexts(blocksOrView: unknown): string[] {
  const found: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (!isObject(node)) return;
    if (node.type === 'mrkdwn' && typeof node.text === 'string') found.push(node.text);
    for (const value of Object.values(node)) walk(value);
  };
  if (isObject(blocksOrView) && typeof blocksOrView.text === 'string' && blocksOrView.type !== 'modal') found.push(blocksOrView.text);
  walk(isObject(blocksOrView) && 'blocks' in blocksOrView ? blocksOrView.blocks : blocksOrView);
  return found;
}

/** Every plain_text string of a surface, in order. */
export function plainTexts(blocksOrView: unknown): string[] {
  const found: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (!isObject(node)) return;
    if (node.type === 'plain_text' && typeof node.text === 'string') found.push(node.text);
    for (const value of Object.values(node)) walk(value);
  };
  walk(blocksOrView);
  return found;
}

/** What a person reads from escaped mrkdwn: entities decoded, zero-width spaces gone. */
export function displayedText(mrkdwn: string): string {
  return mrkdwn
    .replace(/\u200B/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/**
 * Whether `raw` could be read as formatting in `mrkdwn`: a marker pair of `raw` (`*x*`,
 * `_x_`, `~x~`, a backtick pair) found unguarded by zero-width spaces outside a code span.
 */
export function hasLiveFormatting(mrkdwn: string, raw: string): boolean {
  // Slack formats nothing inside a code span.
  const outsideCode = mrkdwn.replace(/`[^`]*`/g, '');
  for (const marker of ['*', '_', '~', '`']) {
    for (const m of raw.matchAll(new RegExp(`\\${marker}[^\\s${marker}][^${marker}]*\\${marker}`, 'g'))) {
      if ((marker === '`' ? mrkdwn : outsideCode).includes(m[0])) return true;
    }
  }
  return false;
}
