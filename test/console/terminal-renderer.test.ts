import { describe, expect, it } from 'vitest';
import { renderMessage, renderModal } from '../../src/console/terminal-renderer.js';
import { stripAnsi } from '../../src/console/terminal-style.js';
import type { Directory } from '../../src/console/form-state.js';

const directory: Directory = {
  people: [{ id: 'U0ADA', name: 'ada', realName: 'Ada Lovelace' }],
  channels: [{ id: 'C0SALES', name: 'sales' }],
  zone: 'Europe/Berlin',
};

const cardBlocks = [
  { type: 'header', text: { type: 'plain_text', text: 'Acme rollout' } },
  {
    type: 'section',
    text: { type: 'mrkdwn', text: '*Proposal* in _Sales_, owner <@U0ADA>, see <https://crm.example.com/deal/1|the CRM>. Ref `D-1`' },
  },
  {
    type: 'section',
    fields: [
      { type: 'mrkdwn', text: '*Value*\n€5,000' },
      { type: 'mrkdwn', text: '*Stage*\nProposal' },
      { type: 'mrkdwn', text: '*Expected close*' },
      { type: 'mrkdwn', text: '*Probability*' },
    ],
  },
  { type: 'divider' },
  {
    type: 'context',
    elements: [
      { type: 'mrkdwn', text: 'Updated by <@U0ADA>' },
      { type: 'image', image_url: 'https://x/y.png', alt_text: 'avatar' },
    ],
  },
  { type: 'image', image_url: 'https://x/chart.png', alt_text: 'pipeline chart' },
  {
    type: 'actions',
    block_id: 'card',
    elements: [
      { type: 'button', action_id: 'won', text: { type: 'plain_text', text: 'Won' }, style: 'primary', value: '1' },
      { type: 'button', action_id: 'lost', text: { type: 'plain_text', text: 'Lost' }, style: 'danger', value: '1' },
      {
        type: 'static_select',
        action_id: 'move',
        placeholder: { type: 'plain_text', text: 'Move to…' },
        options: ['Lead', 'Qualified', 'Proposal'].map((s) => ({ text: { type: 'plain_text', text: s }, value: s })),
      },
    ],
  },
  {
    type: 'section',
    text: { type: 'mrkdwn', text: 'More' },
    accessory: {
      type: 'overflow',
      action_id: 'more',
      options: [{ text: { type: 'plain_text', text: 'Timeline' }, value: 't' }],
    },
  },
];

describe('renderMessage', () => {
  it('draws a Block Kit card readably without colour, numbering every control', () => {
    const { text, controls } = renderMessage(
      { blocks: cardBlocks, audience: 'channel', channelName: 'sales' },
      { color: false, directory },
    );
    expect(text).not.toContain('\u001b[');
    const lines = text.split('\n').map((l) => l.replace(/^│ /, ''));
    expect(lines[0]).toBe('Dealbot · #sales');
    expect(lines).toContain('Acme rollout');
    expect(lines).toContain('Proposal in Sales, owner @ada, see the CRM (https://crm.example.com/deal/1). Ref `D-1`');
    // Two columns: the right column starts at the same place on every row.
    const valueRow = lines.find((l) => l.startsWith('€5,000')) ?? '';
    const headRow = lines.find((l) => l.startsWith('Value')) ?? '';
    expect(headRow.indexOf('Stage')).toBe(valueRow.indexOf('Proposal'));
    expect(lines.find((l) => l.startsWith('Expected close'))).toMatch(/^Expected close\s{2,}Probability$/);
    expect(lines).toContain('Updated by @ada  [avatar]');
    expect(lines).toContain('[image: pipeline chart]');
    expect(lines).toContain('[1] Won  [2] Lost');
    expect(lines).toContain('[3] Move to… ▾ (Lead · Qualified · Proposal)');
    expect(lines).toContain('  [4] ⋯ (Timeline)');
    expect(controls.map((c) => [c.number, c.element.action_id, c.blockId])).toEqual([
      [1, 'won', 'card'],
      [2, 'lost', 'card'],
      [3, 'move', 'card'],
      [4, 'more', 'b7'],
    ]);
  });

  it('uses ANSI styles when colour is on, and the same words underneath', () => {
    const plain = renderMessage({ blocks: cardBlocks, audience: 'channel', channelName: 'sales' }, { color: false, directory });
    const coloured = renderMessage({ blocks: cardBlocks, audience: 'channel', channelName: 'sales' }, { color: true, directory });
    expect(coloured.text).toContain('\u001b[1mAcme rollout\u001b[22m');
    expect(coloured.text).toContain('\u001b[1mProposal\u001b[22m');
    expect(coloured.text).toContain('\u001b[3mSales\u001b[23m');
    expect(coloured.text).toContain('\u001b[32mWon\u001b[39m');
    expect(stripAnsi(coloured.text).replace('Ref D-1', 'Ref `D-1`')).toBe(plain.text);
  });

  it('keeps escaped and unbalanced text literal instead of turning it into mentions or styles', () => {
    const { text } = renderMessage(
      { text: 'Deal &lt;!channel&gt; &amp; 2*3*4 snake_case_name <!here>', audience: 'channel', channelName: 'sales' },
      { color: false },
    );
    expect(text.split('\n')[1]).toBe('│ Deal <!channel> & 2*3*4 snake_case_name @here');
  });

  it('tells ephemeral, direct, updated and deleted messages apart', () => {
    const title = (m: Parameters<typeof renderMessage>[0]) => renderMessage(m, { color: false }).text.split('\n')[0];
    expect(title({ text: 'x', audience: 'ephemeral' })).toBe('Dealbot · only visible to you');
    expect(title({ text: 'x', audience: 'direct' })).toBe('Dealbot · direct message');
    expect(title({ text: 'x', audience: 'channel', channelName: 'sales', change: 'updated' })).toBe('Dealbot · #sales · updated');
    expect(title({ text: 'x', audience: 'channel', channelName: 'sales', inThread: true })).toBe('Dealbot · #sales · in thread');
    expect(renderMessage({ text: 'x', audience: 'channel', channelName: 'sales', change: 'deleted' }, { color: false }).text).toBe(
      'Dealbot · #sales · deleted',
    );
  });

  it('renders preformatted blocks and quotes', () => {
    const { text } = renderMessage({ text: '> quoted\n```\na  b\n```', audience: 'channel' }, { color: false });
    expect(text.split('\n').slice(1)).toEqual(['│ ▎ quoted', '│   a  b']);
  });
});

const modalView = {
  type: 'modal',
  title: { type: 'plain_text', text: 'New deal' },
  submit: { type: 'plain_text', text: 'Create' },
  blocks: [
    { type: 'section', text: { type: 'mrkdwn', text: 'Create a deal in *Pipedrive*' } },
    {
      type: 'input',
      block_id: 'title',
      label: { type: 'plain_text', text: 'Title' },
      hint: { type: 'plain_text', text: 'Who buys what' },
      element: { type: 'plain_text_input', action_id: 'title', placeholder: { type: 'plain_text', text: 'e.g. Acme rollout' } },
    },
    {
      type: 'input',
      block_id: 'stage',
      dispatch_action: true,
      label: { type: 'plain_text', text: 'Stage' },
      element: {
        type: 'static_select',
        action_id: 'stage',
        options: ['Lead', 'Proposal'].map((s) => ({ text: { type: 'plain_text', text: s }, value: s.toLowerCase() })),
      },
    },
    {
      type: 'input',
      block_id: 'owner',
      optional: true,
      label: { type: 'plain_text', text: 'Owner' },
      element: { type: 'users_select', action_id: 'owner' },
    },
  ],
};

describe('renderModal', () => {
  it('draws a form with labels, required markers, values, hints and the app’s field errors', () => {
    const { text, controls } = renderModal(
      {
        view: modalView,
        values: {
          stage: {
            stage: { type: 'static_select', selected_option: { text: { type: 'plain_text', text: 'Proposal' }, value: 'proposal' } },
          },
          owner: { owner: { type: 'users_select', selected_user: 'U0ADA' } },
        },
        errors: { title: 'Give the deal a title' },
      },
      { color: false, directory },
    );
    expect(text.split('\n')).toEqual([
      '╭─ New deal · modal',
      '│ Create a deal in Pipedrive',
      '│ [1] Title *',
      '│     (e.g. Acme rollout)',
      '│     ⚠ Give the deal a title',
      '│     Who buys what',
      '│ [2] Stage *',
      '│     Proposal ▾ (Lead · Proposal)',
      '│ [3] Owner (optional)',
      '│     @ada ▾',
      '╰─ submit (Create) · cancel (Cancel)',
    ]);
    expect(controls.map((c) => ({ n: c.number, label: c.label, field: c.field, dispatch: c.dispatchAction }))).toEqual([
      { n: 1, label: 'Title', field: true, dispatch: false },
      { n: 2, label: 'Stage', field: true, dispatch: true },
      { n: 3, label: 'Owner', field: true, dispatch: false },
    ]);
  });

  it('colours the error and starts numbering where the screen left off', () => {
    const { text, controls } = renderModal({ view: modalView, errors: { title: 'Required' } }, { color: true, firstNumber: 5, directory });
    expect(text).toContain('\u001b[31m⚠ Required\u001b[39m');
    expect(controls.map((c) => c.number)).toEqual([5, 6, 7]);
  });

  it('shows an error for a block the modal does not have rather than losing it', () => {
    const { text } = renderModal({ view: modalView, errors: { deal_value: 'Must be a number' } }, { color: false });
    expect(text).toContain('⚠ deal_value: Must be a number');
  });
});

describe('column alignment', () => {
  it('counts an emoji as two columns so the right column lines up', () => {
    const { text } = renderMessage(
      {
        blocks: [
          {
            type: 'section',
            fields: [
              { type: 'mrkdwn', text: '🟢 Open' },
              { type: 'mrkdwn', text: 'Owner' },
              { type: 'mrkdwn', text: 'Stage xx' },
              { type: 'mrkdwn', text: 'Ada' },
            ],
          },
        ],
        audience: 'channel',
      },
      { color: false },
    );
    const [, first, second] = text.split('\n');
    expect(first).toBe('│ 🟢 Open   Owner');
    expect(second).toBe('│ Stage xx  Ada');
  });
});
