// The external selects' option requests (`block_suggestion`): organizations and persons in
// the create modal, deals in the "Attach to deal" modal. The answer is the ack itself, so
// the CRM is asked before it, through the per-term cache; a failing CRM answers no options
// (and is logged) rather than an error for every keystroke.

import type { AllMiddlewareArgs, App, BlockSuggestion, SlackOptionsMiddlewareArgs } from '@slack/bolt';
import type { PlainTextOption } from '@slack/types';
import { createPickerSearch, type PartyKind } from '../../services/picker-search.js';
import { AttachFormField, DealFormExtraField, PICKER_MIN_QUERY } from '../../ui/ids.js';
import { dealOptions, partyOptions } from '../../ui/picker-options.js';
import type { DealbotContext } from '../context.js';

type OptionsArgs = SlackOptionsMiddlewareArgs<'block_suggestion'> & AllMiddlewareArgs<DealbotContext>;

function pickerSearch(context: DealbotContext) {
  const team = typeof context.teamId === 'string' ? context.teamId : 'team';
  return createPickerSearch({
    crm: context.crm,
    store: context.store,
    namespace: `${team}:${context.crm.provider}`,
    minQuery: PICKER_MIN_QUERY,
  });
}

async function answer(args: OptionsArgs, load: (term: string) => Promise<PlainTextOption[]>): Promise<void> {
  const body = args.body as BlockSuggestion;
  let options: PlainTextOption[] = [];
  try {
    options = await load(body.value ?? '');
  } catch (error) {
    args.context.logger.warn({ err: error, actionId: body.action_id }, "a picker's options could not be read; showing none");
  }
  await args.ack({ options });
}

export function registerPickerOptions(app: App<DealbotContext>): void {
  const party = (kind: PartyKind) => async (args: OptionsArgs) =>
    answer(args, async (term) => partyOptions(await pickerSearch(args.context).parties(kind, term)));

  app.options<'block_suggestion'>(DealFormExtraField.organization, party('organization'));
  app.options<'block_suggestion'>(DealFormExtraField.person, party('person'));
  app.options<'block_suggestion'>(AttachFormField.deal, async (args) =>
    answer(args, async (term) => dealOptions(await pickerSearch(args.context).deals(term))),
  );
}
