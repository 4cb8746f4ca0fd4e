import { describe, expect, it } from 'vitest';
import { choose, stateFor, withGeneratedIds, type Directory, type SlackElement } from '../../src/console/form-state.js';

const directory: Directory = {
  people: [
    { id: 'U0ADA', name: 'ada', realName: 'Ada Lovelace', email: 'ada@example.com' },
    { id: 'U0ALAN', name: 'alan', realName: 'Alan Turing' },
  ],
  channels: [{ id: 'C0SALES', name: 'sales' }],
  zone: 'Europe/Berlin',
};

const stageSelect: SlackElement = {
  type: 'static_select',
  action_id: 'stage',
  option_groups: [
    { label: { type: 'plain_text', text: 'Sales' }, options: [{ text: { type: 'plain_text', text: 'Proposal made' }, value: '3' }] },
    { label: { type: 'plain_text', text: 'Other' }, options: [{ text: { type: 'plain_text', text: 'Qualified' }, value: '2' }] },
  ],
};

describe('choose', () => {
  it('picks a select option by label, unique prefix or value', () => {
    for (const typed of ['Proposal made', 'proposal', '3']) {
      expect(choose(stageSelect, typed, directory)).toEqual({
        ok: true,
        value: { type: 'static_select', selected_option: { text: { type: 'plain_text', text: 'Proposal made' }, value: '3' } },
      });
    }
  });

  it('names the options when nothing matches', () => {
    expect(choose(stageSelect, 'Won', directory)).toEqual({ ok: false, problem: 'no option "Won"; options: Proposal made, Qualified' });
  });

  it('finds people by handle, real name or email, and refuses ambiguity', () => {
    const owner: SlackElement = { type: 'users_select', action_id: 'owner' };
    expect(choose(owner, '@ada', directory)).toEqual({ ok: true, value: { type: 'users_select', selected_user: 'U0ADA' } });
    expect(choose(owner, 'Alan Turing', directory)).toEqual({ ok: true, value: { type: 'users_select', selected_user: 'U0ALAN' } });
    expect(choose(owner, 'ada@example.com', directory)).toMatchObject({ ok: true, value: { selected_user: 'U0ADA' } });
    expect(choose(owner, 'a', directory)).toMatchObject({ ok: false });
  });

  it('checks dates, times and numbers the way Slack’s pickers would allow them', () => {
    expect(choose({ type: 'datepicker' }, '2025-03-31', directory)).toEqual({
      ok: true,
      value: { type: 'datepicker', selected_date: '2025-03-31' },
    });
    expect(choose({ type: 'datepicker' }, '31.03.2025', directory)).toMatchObject({ ok: false });
    expect(choose({ type: 'timepicker' }, '09:30', directory)).toMatchObject({ ok: true, value: { selected_time: '09:30' } });
    expect(choose({ type: 'number_input', is_decimal_allowed: false }, '12.5', directory)).toMatchObject({ ok: false });
    expect(choose({ type: 'number_input', is_decimal_allowed: true }, '12.5', directory)).toMatchObject({
      ok: true,
      value: { value: '12.5' },
    });
    expect(choose({ type: 'datetimepicker' }, '2025-03-31 09:30', directory)).toEqual({
      ok: true,
      value: { type: 'datetimepicker', selected_date_time: 1743406200 },
    });
  });

  it('clears a text field on an empty value and keeps inner spacing and new lines', () => {
    expect(choose({ type: 'plain_text_input' }, '', directory)).toEqual({ ok: true, value: { type: 'plain_text_input', value: null } });
    expect(choose({ type: 'plain_text_input' }, 'Line one\\nLine  two', directory)).toEqual({
      ok: true,
      value: { type: 'plain_text_input', value: 'Line one\nLine  two' },
    });
  });
});

describe('stateFor', () => {
  const blocks = withGeneratedIds([
    {
      type: 'input',
      block_id: 'title',
      label: { type: 'plain_text', text: 'Title' },
      element: { type: 'plain_text_input', action_id: 'title', initial_value: 'Acme' },
    },
    { type: 'input', label: { type: 'plain_text', text: 'Stage' }, element: { ...stageSelect } },
    { type: 'section', text: { type: 'mrkdwn', text: 'no state here' } },
  ]);

  it('starts from the initial values, in Slack’s state shape, with ids Slack would fill in', () => {
    expect(stateFor(blocks)).toEqual({
      title: { title: { type: 'plain_text_input', value: 'Acme' } },
      b1: { stage: { type: 'static_select', selected_option: null } },
    });
  });

  it('keeps what was typed across an update with the same ids, and drops a choice no longer offered', () => {
    const typed = {
      title: { title: { type: 'plain_text_input', value: 'Acme rollout' } },
      b1: { stage: { type: 'static_select', selected_option: { text: { type: 'plain_text', text: 'Old' }, value: '9' } } },
    };
    expect(stateFor(blocks, typed)).toEqual({
      title: { title: { type: 'plain_text_input', value: 'Acme rollout' } },
      b1: { stage: { type: 'static_select', selected_option: null } },
    });
  });
});
