import { describe, expect, it } from 'vitest';
import { dealFormBlockErrors, readDealForm } from '../../src/listeners/modal-state.js';
import { checkDealForm } from '../../src/services/deal-form.js';
import { LOADING_OPTION_VALUE } from '../../src/ui/deal-form-modal.js';
import { DealFormField } from '../../src/ui/ids.js';

/** `view.state.values` as Slack sends it for the create modal. */
function state(values: {
  title?: string;
  value?: string;
  currency?: string;
  pipeline?: string;
  stage?: string;
  date?: string;
  probability?: string;
  owner?: string;
}) {
  const input = (value: string | undefined) => ({ type: 'plain_text_input', value: value ?? null });
  const select = (value: string | undefined) => ({
    type: 'static_select',
    selected_option: value ? { text: { type: 'plain_text', text: value }, value } : null,
  });
  return {
    [DealFormField.title]: { [DealFormField.title]: input(values.title) },
    [DealFormField.value]: { [DealFormField.value]: input(values.value) },
    [DealFormField.currency]: { [DealFormField.currency]: select(values.currency) },
    [DealFormField.pipeline]: { [DealFormField.pipeline]: select(values.pipeline) },
    [DealFormField.stage]: { [DealFormField.stage]: select(values.stage) },
    [DealFormField.expectedCloseDate]: { [DealFormField.expectedCloseDate]: { type: 'datepicker', selected_date: values.date ?? null } },
    [DealFormField.probability]: { [DealFormField.probability]: input(values.probability) },
    [DealFormField.owner]: { [DealFormField.owner]: { type: 'users_select', selected_user: values.owner ?? null } },
  };
}

describe('the create modal form, read from Slack and checked', () => {
  it('turns a complete form into a deal', () => {
    const form = readDealForm(
      state({
        title: '  Acme   renewal ',
        value: '12k',
        currency: 'EUR',
        pipeline: '1',
        stage: '2',
        date: '2026-12-01',
        probability: '40%',
        owner: 'U1',
      }),
    );
    expect(checkDealForm(form, 'USD')).toEqual({
      ok: true,
      deal: {
        title: 'Acme renewal',
        value: { amount: 12000, currency: 'EUR' },
        pipelineId: '1',
        stageId: '2',
        expectedCloseDate: '2026-12-01',
        probability: 40,
      },
      ownerSlackUserId: 'U1',
    });
  });

  it('takes the currency typed with the amount when the select agrees or is empty', () => {
    const form = readDealForm(state({ title: 'A', value: '€1.5m', stage: '2' }));
    const check = checkDealForm(form, 'USD');
    expect(check.ok && check.deal.value).toEqual({ amount: 1_500_000, currency: 'EUR' });
  });

  it('leaves value and probability empty when not given', () => {
    const check = checkDealForm(readDealForm(state({ title: 'A', stage: '2' })), 'EUR');
    expect(check).toMatchObject({ ok: true, deal: { value: null, probability: null, expectedCloseDate: null } });
  });

  it('answers each mistake next to its field', () => {
    const check = checkDealForm(readDealForm(state({ title: ' ', value: 'lots', probability: '120' })), 'EUR');
    expect(check.ok).toBe(false);
    expect(!check.ok && dealFormBlockErrors(check.errors)).toEqual({
      [DealFormField.title]: 'Give the deal a title.',
      [DealFormField.value]: 'Type an amount like 12000, 12k, 1.5m or €12,000.',
      [DealFormField.probability]: 'Use a whole number from 0 to 100.',
      [DealFormField.stage]: 'Pick a stage.',
    });
  });

  it('refuses an amount whose currency contradicts the select', () => {
    const check = checkDealForm(readDealForm(state({ title: 'A', value: '$5k', currency: 'EUR', stage: '1' })), 'EUR');
    expect(check).toEqual({ ok: false, errors: { value: { kind: 'currency-conflict', typed: 'USD', selected: 'EUR' } } });
    expect(!check.ok && dealFormBlockErrors(check.errors)).toEqual({
      [DealFormField.value]: 'The amount says USD but the currency is EUR; pick one.',
    });
  });

  it('ignores the placeholder a select holds while the modal is loading', () => {
    const form = readDealForm(state({ title: 'A', pipeline: LOADING_OPTION_VALUE, stage: LOADING_OPTION_VALUE }));
    expect(form).toMatchObject({ pipelineId: null, stageId: null });
    expect(checkDealForm(form, 'EUR')).toEqual({ ok: false, errors: { stageId: { kind: 'stage-missing' } } });
  });

  it('refuses a title longer than the CRM takes', () => {
    const check = checkDealForm(readDealForm(state({ title: 'x'.repeat(256), stage: '1' })), 'EUR');
    expect(check).toEqual({ ok: false, errors: { title: { kind: 'title-too-long', max: 255 } } });
    expect(!check.ok && dealFormBlockErrors(check.errors)).toEqual({ [DealFormField.title]: 'Keep the title under 255 characters.' });
  });
});
