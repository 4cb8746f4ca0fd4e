import type { InputBlock, KnownBlock, ModalView, PlainTextOption, StaticSelect } from '@slack/types';
import { describe, expect, it } from 'vitest';
import { CrmUnavailableError, CrmValidationError } from '../../src/errors.js';
import type { DealForm } from '../../src/services/create-deal.js';
import {
  LOADING_OPTION_VALUE,
  dealCreatedModal,
  dealFormModal,
  dealFormView,
  lostReasonModal,
  type DealFormModalInput,
} from '../../src/ui/deal-form-modal.js';
import { ActionId, CallbackId, DealFormField, LostFormField } from '../../src/ui/ids.js';
import { assertWithinBlockKitLimits, displayedText, hasLiveFormatting, mrkdwnTexts, plainTexts } from '../helpers/block-kit-limits.js';
import { HOSTILE, LONG_TITLE, makeDeal, makeStages, pipeline } from './fixtures.js';

const pipelines = [pipeline, { id: '2', name: 'Partners', order: 2, isDefault: false }];

function input(overrides: Partial<DealFormModalInput> = {}): DealFormModalInput {
  return {
    pipelines,
    stages: makeStages(),
    selectedPipelineId: '1',
    defaultCurrency: 'EUR',
    currencies: ['EUR', 'USD', 'GBP'],
    loading: false,
    crmName: 'Pipedrive',
    privateMetadata: '{"channelId":"C1"}',
    ...overrides,
  };
}

const block = (view: ModalView, id: string): InputBlock | undefined =>
  (view.blocks as KnownBlock[]).find((b): b is InputBlock => b.type === 'input' && b.block_id === id);
const select = (view: ModalView, id: string): StaticSelect => block(view, id)?.element as StaticSelect;
const allOptions = (s: StaticSelect): PlainTextOption[] => s.options ?? s.option_groups?.flatMap((g) => g.options) ?? [];

describe('dealFormModal', () => {
  it('is the "New deal" modal with every field, block and action ids from ids.ts', () => {
    const view = dealFormModal(input());
    assertWithinBlockKitLimits(view);
    expect(view).toMatchObject({
      type: 'modal',
      callback_id: CallbackId.createDealModal,
      title: { text: 'New deal' },
      submit: { text: 'Create' },
      close: { text: 'Cancel' },
      private_metadata: '{"channelId":"C1"}',
    });
    const inputs = (view.blocks as KnownBlock[]).filter((b): b is InputBlock => b.type === 'input');
    expect(inputs.map((b) => b.block_id)).toEqual(Object.values(DealFormField));
    expect(inputs.map((b) => b.element.type)).toEqual([
      'plain_text_input',
      'plain_text_input',
      'static_select',
      'static_select',
      'static_select',
      'datepicker',
      'number_input',
      'users_select',
    ]);
    for (const b of inputs) {
      const actionId = (b.element as { action_id?: string }).action_id;
      if (b.block_id === DealFormField.pipeline) expect(actionId).toBe(ActionId.formPipeline);
      else if (b.block_id === DealFormField.stage) expect(actionId).toMatch(/^deal_stage/);
      else expect(actionId).toBe(b.block_id);
    }
    expect(inputs.filter((b) => !b.optional).map((b) => b.block_id)).toEqual([
      DealFormField.title,
      DealFormField.currency,
      DealFormField.pipeline,
      DealFormField.stage,
    ]);
  });

  it('dispatches the pipeline select so the stages can follow it, starting at the first stage', () => {
    const view = dealFormModal(input());
    expect(block(view, DealFormField.pipeline)?.dispatch_action).toBe(true);
    expect(select(view, DealFormField.pipeline).initial_option?.value).toBe('1');
    expect(select(view, DealFormField.stage).initial_option?.text.text).toBe('Lead in');
  });

  it('resets the stage select when the pipeline changes (a new action id), keeps it otherwise', () => {
    const sales = select(dealFormModal(input()), DealFormField.stage).action_id;
    const again = select(dealFormModal(input({ initial: { stageId: '3' } })), DealFormField.stage).action_id;
    const partners = select(dealFormModal(input({ selectedPipelineId: '2', stages: makeStages(3, '2') })), DealFormField.stage).action_id;
    expect(again).toBe(sales);
    expect(partners).not.toBe(sales);
  });

  it('offers the default currency selected, even when it is not in the list', () => {
    const view = dealFormModal(input({ defaultCurrency: 'CHF' }));
    const currency = select(view, DealFormField.currency);
    expect(currency.options?.map((o) => o.value)).toEqual(['CHF', 'EUR', 'USD', 'GBP']);
    expect(currency.initial_option?.value).toBe('CHF');
  });

  it('keeps everything typed when redrawn', () => {
    const view = dealFormModal(
      input({
        initial: {
          title: 'Acme renewal',
          value: '12k',
          currency: 'USD',
          stageId: '3',
          expectedCloseDate: '2026-04-30',
          probability: '60',
          ownerSlackUserId: 'U123ABC',
        },
      }),
    );
    assertWithinBlockKitLimits(view);
    expect(block(view, DealFormField.title)?.element).toMatchObject({ initial_value: 'Acme renewal', max_length: 255 });
    expect(block(view, DealFormField.value)?.element).toMatchObject({ initial_value: '12k' });
    expect(select(view, DealFormField.currency).initial_option?.value).toBe('USD');
    expect(select(view, DealFormField.stage).initial_option?.value).toBe('3');
    expect(block(view, DealFormField.expectedCloseDate)?.element).toMatchObject({ initial_date: '2026-04-30' });
    expect(block(view, DealFormField.probability)?.element).toMatchObject({
      type: 'number_input',
      is_decimal_allowed: false,
      min_value: '0',
      max_value: '100',
      initial_value: '60',
    });
    expect(block(view, DealFormField.owner)?.element).toMatchObject({ initial_user: 'U123ABC' });
  });

  it('explains how the owner is mapped', () => {
    expect(block(dealFormModal(input()), DealFormField.owner)?.hint?.text).toBe('Mapped to the Pipedrive user with the same email');
  });

  it('shows a banner and the field errors next to their fields', () => {
    const view = dealFormModal(
      input({
        banner: 'Pipedrive is unavailable. Your input is kept — press Create again.',
        fieldErrors: { [DealFormField.value]: 'Pipedrive: value must be positive' },
      }),
    );
    assertWithinBlockKitLimits(view);
    expect(view.blocks[0]).toMatchObject({
      type: 'section',
      text: { text: '⚠️ Pipedrive is unavailable. Your input is kept — press Create again.' },
    });
    expect(block(view, DealFormField.value)?.hint?.text).toBe('⚠️ Pipedrive: value must be positive');
  });

  it('says "Loading…" while the CRM data is coming, with selects Slack accepts', () => {
    const view = dealFormModal(input({ loading: true, pipelines: [], stages: [], selectedPipelineId: null }));
    assertWithinBlockKitLimits(view);
    expect(block(view, DealFormField.pipeline)?.hint?.text).toBe('Loading…');
    expect(block(view, DealFormField.stage)?.hint?.text).toBe('Loading…');
    expect(select(view, DealFormField.stage).options).toEqual([
      { text: { type: 'plain_text', text: 'Loading…', emoji: true }, value: LOADING_OPTION_VALUE },
    ]);
    expect(select(view, DealFormField.stage).initial_option).toBeUndefined();
    expect(mrkdwnTexts(view).join()).toContain('Loading pipelines and stages from Pipedrive…');
  });

  it('keeps all 300 stages selectable, in groups of at most 100', () => {
    const view = dealFormModal(input({ stages: makeStages(300) }));
    assertWithinBlockKitLimits(view);
    const stage = select(view, DealFormField.stage);
    expect(stage.options).toBeUndefined();
    expect(stage.option_groups).toHaveLength(3);
    expect(allOptions(stage)).toHaveLength(300);
  });

  it('cuts long names and a 500-character title to Slack’s limits', () => {
    const view = dealFormModal(
      input({
        pipelines: [{ ...pipeline, name: LONG_TITLE }],
        stages: makeStages().map((s) => ({ ...s, name: LONG_TITLE })),
        initial: { title: LONG_TITLE },
      }),
    );
    assertWithinBlockKitLimits(view);
    expect((block(view, DealFormField.title)?.element as { initial_value?: string }).initial_value?.length).toBeLessThanOrEqual(255);
  });

  it('shows hostile names and banners literally', () => {
    const view = dealFormModal(
      input({
        pipelines: [{ ...pipeline, name: HOSTILE }],
        stages: makeStages().map((s) => ({ ...s, name: HOSTILE })),
        banner: HOSTILE,
        crmName: HOSTILE,
      }),
    );
    assertWithinBlockKitLimits(view);
    for (const text of mrkdwnTexts(view)) expect(hasLiveFormatting(text, HOSTILE)).toBe(false);
    expect(plainTexts(view)).toContain(HOSTILE);
  });

  it('ignores initial values Slack would refuse', () => {
    const view = dealFormModal(
      input({ initial: { expectedCloseDate: 'next week', probability: '150', currency: 'EURO', stageId: 'gone' } }),
    );
    assertWithinBlockKitLimits(view);
    expect(select(view, DealFormField.stage).initial_option).toBeUndefined();
    expect(select(view, DealFormField.currency).initial_option?.value).toBe('EUR');
  });
});

describe('dealFormView', () => {
  const form: DealForm = {
    pipelines,
    stages: makeStages(),
    selectedPipelineId: '1',
    defaultCurrency: 'EUR',
    draft: { title: HOSTILE, value: '12k', stageId: makeStages()[1]!.id, organization: { id: '7', name: 'Globex' } },
    partyPickers: true,
    note: {
      text: 'the message',
      source: { channelId: 'C0123ABCD', ts: '1.2', threadTs: null, authorId: null, authorName: '*Zap* <!here>' },
    },
  };
  const hint = (view: ModalView, id: string) => block(view, id)?.hint?.text;

  it('shows a CRM refusal under the field it concerns, with what was typed', () => {
    const refusal = new CrmValidationError('must be positive', 'value', { crm: 'Pipedrive' });
    const view = dealFormView(form, {
      crmName: 'Pipedrive',
      privateMetadata: '{}',
      problem: { kind: 'refused', field: 'value', crmMessage: refusal.crmMessage, error: refusal },
    });
    expect(hint(view, DealFormField.value)).toBe('⚠️ Pipedrive: must be positive');
    expect((block(view, DealFormField.title)?.element as { initial_value?: string }).initial_value).toBe(HOSTILE);
    expect(mrkdwnTexts(view).some((t) => t.includes('Everything you typed'))).toBe(false);
  });

  it('puts an outage in a banner that says nothing typed was lost, and escapes the message’s author', () => {
    const outage = new CrmUnavailableError('timeout', { crm: 'Pipedrive' });
    const view = dealFormView(form, { crmName: 'Pipedrive', privateMetadata: '{}', problem: { kind: 'failed', error: outage } });
    expect(mrkdwnTexts(view)[0]).toMatch(/^⚠️ .*Everything you typed is still here\.$/);
    expect(mrkdwnTexts(view).some((t) => hasLiveFormatting(t, '*Zap* <!here>'))).toBe(false);
    expect(mrkdwnTexts(view).find((t) => t.startsWith('From '))).toContain('&lt;!here&gt;');
  });

  it('names the owner without a CRM user beside the owner field', () => {
    const view = dealFormView(form, {
      crmName: 'Pipedrive',
      privateMetadata: '{}',
      problem: { kind: 'owner-unknown', owner: { id: 'U2', name: 'Bob', email: 'bob@x.test', tz: 'UTC' } },
    });
    expect(hint(view, DealFormField.owner)).toContain('Pipedrive has no user with the email of Bob (bob@x.test)');
  });

  it('says where a message’s note went once the deal exists', () => {
    const deal = makeDeal({ title: HOSTILE });
    const source = form.note!.source;
    const view = dealCreatedModal(
      { kind: 'created', deal, duplicate: false, requesterId: 'U1', fromMessage: { source, note: { kind: 'on-deal' } } },
      'Pipedrive',
    );
    expect(mrkdwnTexts(view)[0]).toContain('The message is on it as a note, and its card is in the thread.');
    expect(hasLiveFormatting(mrkdwnTexts(view)[0]!, HOSTILE)).toBe(false);
  });
});

describe('lostReasonModal', () => {
  it('asks why the deal was lost, with a required reason of at most 500 characters', () => {
    const view = lostReasonModal({ deal: makeDeal(), privateMetadata: '{"dealId":"42"}' });
    assertWithinBlockKitLimits(view);
    expect(view).toMatchObject({
      callback_id: CallbackId.lostReasonModal,
      title: { text: 'Mark as lost' },
      submit: { text: 'Mark lost' },
      private_metadata: '{"dealId":"42"}',
    });
    expect(mrkdwnTexts(view)).toContain('Why was *Acme renewal* lost?');
    const reason = block(view, LostFormField.reason);
    expect(reason?.optional).toBeUndefined();
    expect(reason?.element).toMatchObject({ type: 'plain_text_input', action_id: LostFormField.reason, multiline: true, max_length: 500 });
  });

  it('keeps the typed reason and shows a banner after a failure', () => {
    const view = lostReasonModal({
      deal: makeDeal(),
      privateMetadata: '{}',
      initialReason: 'No budget',
      banner: 'Pipedrive is unavailable right now.',
    });
    assertWithinBlockKitLimits(view);
    expect(block(view, LostFormField.reason)?.element).toMatchObject({ initial_value: 'No budget' });
    expect(mrkdwnTexts(view)[0]).toBe('⚠️ Pipedrive is unavailable right now.');
  });

  it('shows a hostile or very long title literally and within limits', () => {
    for (const title of [HOSTILE, LONG_TITLE]) {
      const view = lostReasonModal({ deal: makeDeal({ title }), privateMetadata: '{}', initialReason: LONG_TITLE.repeat(3) });
      assertWithinBlockKitLimits(view);
      for (const text of mrkdwnTexts(view)) expect(hasLiveFormatting(text, title)).toBe(false);
    }
    expect(displayedText(mrkdwnTexts(lostReasonModal({ deal: makeDeal({ title: HOSTILE }), privateMetadata: '{}' }))[0] ?? '')).toBe(
      `Why was *${HOSTILE}* lost?`,
    );
  });
});
