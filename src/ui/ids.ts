// Every action id, view callback id and block id the app sends to Slack and listens for.
// Renderers and listeners both import from here, so a renamed id cannot drift apart.

import type { DealField } from '../crm/port.js';

export const ActionId = {
  /** Card: the stage select; its option value is the stage id. */
  cardMove: 'deal_card_move',
  cardWon: 'deal_card_won',
  cardLost: 'deal_card_lost',
  cardReopen: 'deal_card_reopen',
  cardTimeline: 'deal_card_timeline',
  /** Ephemeral card: post it to the channel for everyone. */
  cardShare: 'deal_card_share',
  /** "Open in <CRM>" link button; Slack still sends an action we must ack. */
  cardOpenInCrm: 'deal_card_open_in_crm',
  /** A row of a list (find results, "which deal?" picker): show that deal's card. */
  openDeal: 'deal_open',
  /** "Which deal?" picker for move/won/lost/reopen; value is a `PendingDealAction`. */
  pickDeal: 'deal_pick',
  /** "Which stage?" picker after an unknown or ambiguous stage name; value is `{dealId, stageId}`. */
  pickStage: 'deal_pick_stage',
  /** Create/edit modal: the pipeline select, dispatched so the stage list can follow it. */
  formPipeline: 'deal_form_pipeline',
  /** Timeline: "Show older"; value is a `TimelineOlderValue` (`{dealId, cursor}`, see `ui/deal-timeline.ts`). */
  timelineOlder: 'deal_timeline_older',
  /** Pipeline board: the pipeline select; its option value is the pipeline id. */
  pipelinePick: 'pipeline_pick',
  /** Digest settings modal: the inputs; each input's block id is the same string. */
  digestFrequency: 'digest_frequency',
  digestTime: 'digest_time',
  digestZone: 'digest_zone',
  digestPipeline: 'digest_pipeline',
  digestSections: 'digest_sections',
  digestStaleDays: 'digest_stale_days',
  /** Alerts modal (`/pipeline alerts`): the inputs; each input's block id is the same string. */
  alertEvents: 'alert_events',
  alertPipeline: 'alert_pipeline',
  alertStages: 'alert_stages',
  alertMinValue: 'alert_min_value',
  alertOwner: 'alert_owner',
  alertDelivery: 'alert_delivery',
  alertQuietFrom: 'alert_quiet_from',
  alertQuietTo: 'alert_quiet_to',
  alertQuietZone: 'alert_quiet_zone',
  alertThread: 'alert_thread',
  /** "Undo" on the confirmation of a move, won or lost; value is the undo id (`services/undo.ts`). */
  undoChange: 'deal_undo',
  /** App Home: a deal row's "Open" (value: deal id) sends its card as a DM from the bot. */
  homeOpenDeal: 'home_open_deal',
  homeNewDeal: 'home_new_deal',
  homeRefresh: 'home_refresh',
} as const;
export type ActionId = (typeof ActionId)[keyof typeof ActionId];

export const CallbackId = {
  createDealModal: 'deal_create_modal',
  lostReasonModal: 'deal_lost_modal',
  /** `/pipeline digest` with nothing after it; private_metadata is a `DigestSettingsMetadata`. */
  digestSettingsModal: 'digest_settings_modal',
  /** `/pipeline alerts` with nothing after it; private_metadata is an `AlertSettingsMetadata`. */
  alertSettingsModal: 'alert_settings_modal',
  /** "Attach to deal" modal; private_metadata is an `AttachModalMetadata`. */
  attachNoteModal: 'deal_attach_modal',
  /** Shortcuts, as declared in manifest.yml. */
  newDealShortcut: 'deal_new',
  createFromMessageShortcut: 'deal_from_message',
  attachToDealShortcut: 'deal_attach_message',
  /** `/deal connect`: a person's own CRM credential; private_metadata is a `ConnectModalMetadata`. */
  connectCrmModal: 'crm_connect_modal',
} as const;
export type CallbackId = (typeof CallbackId)[keyof typeof CallbackId];

/** Form fields of the create modal; block and action ids are the same string. */
export const DealFormField = {
  title: 'deal_title',
  value: 'deal_value',
  currency: 'deal_currency',
  pipeline: 'deal_pipeline',
  stage: 'deal_stage',
  expectedCloseDate: 'deal_close_date',
  probability: 'deal_probability',
  owner: 'deal_owner',
} as const;
export type DealFormField = (typeof DealFormField)[keyof typeof DealFormField];

/**
 * Fields the create modal has only sometimes: the organization and person pickers (external
 * selects, when the CRM can search them) and the note of a deal made from a message. Block
 * and action ids are the same string.
 */
export const DealFormExtraField = {
  organization: 'deal_organization',
  person: 'deal_person',
  note: 'deal_note',
} as const;
export type DealFormExtraField = (typeof DealFormExtraField)[keyof typeof DealFormExtraField];

/** Where a CRM validation error on a deal field is shown in the create modal. */
export const FORM_BLOCK_FOR_FIELD: Partial<Record<DealField, DealFormField | DealFormExtraField>> = {
  title: DealFormField.title,
  value: DealFormField.value,
  currency: DealFormField.currency,
  pipelineId: DealFormField.pipeline,
  stageId: DealFormField.stage,
  ownerId: DealFormField.owner,
  expectedCloseDate: DealFormField.expectedCloseDate,
  probability: DealFormField.probability,
  organizationId: DealFormExtraField.organization,
  personId: DealFormExtraField.person,
};

/** Fields of the "Attach to deal" modal; block and action ids are the same string. */
export const AttachFormField = {
  /** External select of deals (search as you type); option value is the deal id. */
  deal: 'attach_deal',
  note: 'attach_note',
} as const;
export type AttachFormField = (typeof AttachFormField)[keyof typeof AttachFormField];

/** The `/deal connect` modal's one field (block and action id). */
export const ConnectFormField = {
  token: 'crm_connect_token',
} as const;

export const LostFormField = {
  reason: 'deal_lost_reason',
} as const;

/** Block Kit limits (https://api.slack.com/reference/block-kit). Renderers cut to these. */
export const SlackLimits = {
  messageBlocks: 50,
  modalBlocks: 100,
  sectionText: 3000,
  headerText: 150,
  buttonText: 75,
  optionText: 75,
  selectOptions: 100,
  sectionFields: 10,
  fieldText: 2000,
  contextElements: 10,
  actionsElements: 25,
  actionValue: 2000,
  modalTitle: 24,
  plainTextInputMax: 3000,
} as const;

/**
 * The `min_query_length` of the search-as-you-type selects (organization, person, deal).
 * The picker search is built with it and asks the CRM nothing for a shorter term.
 */
export const PICKER_MIN_QUERY = 2;

/**
 * The value carried by a "move to this stage" control (the card's stage select and the
 * stage picker's buttons). Ids are short, so it stays far below Slack's 150-character
 * option value limit.
 */
export interface DealStageValue {
  dealId: string;
  stageId: string;
}
export const encodeDealStage = (value: DealStageValue): string => JSON.stringify({ dealId: value.dealId, stageId: value.stageId });

/** The slash commands, as declared in manifest.yml. */
export const SlashCommand = {
  deal: '/deal',
  pipeline: '/pipeline',
} as const;
