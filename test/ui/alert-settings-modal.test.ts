import { describe, expect, it } from 'vitest';
import type { Pipeline, Stage, User } from '../../src/crm/port.js';
import { readAlertSettings, type AlertStateValues } from '../../src/listeners/alert-settings-state.js';
import { alertSettingsModal } from '../../src/ui/alert-settings-modal.js';
import { alertListMessage, alertSubscribedMessage, describeAlertSubscription } from '../../src/ui/alert-notices.js';
import { ActionId } from '../../src/ui/ids.js';
import type { AlertSubscription } from '../../src/domain/alert-subscription.js';
import { assertWithinBlockKitLimits, displayedText, mrkdwnTexts } from '../helpers/block-kit-limits.js';

const long = (n: number, c = 'x') => c.repeat(n);

function bigAccount() {
  const pipelines: Pipeline[] = Array.from({ length: 120 }, (_, i) => ({
    id: `p${i}`,
    name: `Pipeline ${i} ${long(200)}`,
    order: i,
    isDefault: i === 0,
  }));
  const stages: Stage[] = pipelines.flatMap((p) =>
    Array.from({ length: 130 }, (_, i) => ({
      id: `${p.id}-s${i}`,
      pipelineId: p.id,
      name: `Stage ${i} ${long(100)}`,
      order: i,
      probability: null,
    })),
  );
  const users: User[] = Array.from({ length: 350 }, (_, i) => ({
    id: `u${i}`,
    name: `User ${i} ${long(120)}`,
    email: null,
    active: i % 7 !== 0,
  }));
  return { pipelines, stages, users };
}

const subscription = (fields: Partial<AlertSubscription>): AlertSubscription => ({
  id: 's1',
  target: { kind: 'channel', channelId: 'C1' },
  events: ['won', 'lost'],
  toStageIds: [],
  pipelineId: null,
  pipelineName: null,
  minValue: null,
  ownerId: null,
  delivery: { kind: 'each' },
  quietHours: null,
  threadPerDeal: false,
  createdBy: 'U1',
  createdAt: '2026-12-01T00:00:00Z',
  updatedAt: '2026-12-01T00:00:00Z',
  ...fields,
});

describe('the alerts modal', () => {
  it('stays within Block Kit’s limits for a huge account: 120 pipelines of 130 stages, 350 users, long names', () => {
    const view = alertSettingsModal({ channelId: 'C1', ...bigAccount(), defaultZone: 'Europe/Berlin', existing: 3, banner: long(5000) });
    assertWithinBlockKitLimits(view);
  });

  it('prefills a rule and reads the same rule back', () => {
    const { pipelines, stages, users } = bigAccount();
    const rule = {
      events: ['moved', 'won'] as AlertSubscription['events'],
      toStageIds: ['p1-s2'],
      pipelineId: 'p1',
      minValue: 2500,
      ownerId: 'u3',
      delivery: { kind: 'batched' as const, everyMinutes: 45 },
      quietHours: { from: '22:00', to: '07:00', zone: 'America/New_York' },
      threadPerDeal: true,
    };
    const view = alertSettingsModal({ channelId: 'C1', pipelines, stages, users, defaultZone: 'Europe/Berlin', current: rule });
    assertWithinBlockKitLimits(view);
    // What Slack sends back for an untouched modal: each input's initial value.
    type El = {
      type: string;
      initial_option?: { value: string };
      initial_options?: Array<{ value: string }>;
      initial_time?: string;
      initial_value?: string;
    };
    const values: AlertStateValues = {};
    for (const block of view.blocks as Array<{ block_id?: string; element?: El }>) {
      const el = block.element;
      if (!block.block_id || !el) continue;
      const state =
        el.type === 'checkboxes' || el.type === 'multi_static_select'
          ? { type: el.type, selected_options: el.initial_options ?? [] }
          : el.type === 'timepicker'
            ? { type: el.type, selected_time: el.initial_time ?? null }
            : el.type === 'number_input'
              ? { type: el.type, value: el.initial_value ?? null }
              : { type: el.type, selected_option: el.initial_option ?? null };
      values[block.block_id] = { [block.block_id]: state };
    }
    expect(readAlertSettings(values)).toEqual({ ok: true, settings: rule });
  });

  it('names each mistake next to its field', () => {
    const result = readAlertSettings({
      [ActionId.alertEvents]: { [ActionId.alertEvents]: { selected_options: [] } },
      [ActionId.alertMinValue]: { [ActionId.alertMinValue]: { value: '-5' } },
      [ActionId.alertQuietFrom]: { [ActionId.alertQuietFrom]: { selected_time: '22:00' } },
      [ActionId.alertQuietTo]: { [ActionId.alertQuietTo]: { selected_time: '22:00' } },
    });
    expect(result).toEqual({
      ok: false,
      errors: {
        [ActionId.alertEvents]: 'Pick at least one event.',
        [ActionId.alertMinValue]: 'A number of 0 or more, e.g. 10000.',
        [ActionId.alertQuietTo]: 'Quiet hours end at another time than they start.',
      },
    });
  });
});

describe('alert notices', () => {
  it('say the issue’s example as a person reads it', () => {
    const message = alertSubscribedMessage({
      subscription: subscription({ pipelineId: 'p1', pipelineName: 'Sales', minValue: 10_000 }),
      userId: 'U0ADA',
      minValueCurrency: 'EUR',
    });
    expect(displayedText(mrkdwnTexts(message.blocks)[0] ?? '')).toBe(
      '🔔 <@U0ADA> set alerts here: won and lost in *Sales* over €10,000 — `/pipeline alerts list`',
    );
  });

  it('keep hostile names literal and long lists within limits', () => {
    const hostile = subscription({ pipelineId: 'p', pipelineName: '<!channel> *Sales*', toStageIds: ['a'], events: ['moved'] });
    const text = describeAlertSubscription(hostile, { stages: new Map([['a', '<@U123> `x`']]) });
    expect(text).not.toContain('<!channel>');
    expect(text).not.toContain('<@U123>');
    const many = Array.from({ length: 40 }, (_, i) => subscription({ id: `s${i}`, pipelineName: long(3000), pipelineId: 'p' }));
    const list = alertListMessage({ subscriptions: many });
    assertWithinBlockKitLimits(list.blocks);
    expect(displayedText(mrkdwnTexts(list.blocks).join('\n'))).toContain('and 20 more');
  });
});
