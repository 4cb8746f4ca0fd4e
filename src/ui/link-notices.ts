// What people read about linked CRM users and personal credentials (issue #16):
// `/deal link`, `/deal link list`, `/deal unlink` (admins), and `/deal connect` /
// `/deal disconnect` — the modal asking for one's own token and every answer to it. The
// token itself is never put back into a view or a message: a refused one is asked for again
// in an empty field.

import type { KnownBlock, ModalView } from '@slack/types';
import type { CrmProvider, User } from '../crm/port.js';
import type { CrmLink, CrmLinkView } from '../services/crm-links.js';
import { CallbackId, ConnectFormField, SlackLimits } from './ids.js';
import { codeSpan, escapeMrkdwn, mrkdwnText, plainText, truncate, userMention } from './mrkdwn.js';
import { noticeModal } from './notice-modal.js';

type Message = { text: string; blocks: KnownBlock[] };

const message = (text: string): Message => ({
  text,
  blocks: [{ type: 'section', text: mrkdwnText(text, SlackLimits.sectionText) }],
});

const NAME_MAX = 80;
const name = (text: string): string => escapeMrkdwn(truncate(text, NAME_MAX));

/** Who a CRM user is, in a line: *Ada Lovelace* (ada@example.com). */
function userLine(user: Pick<User, 'name' | 'email'>): string {
  return `*${name(user.name)}*${user.email ? ` (${escapeMrkdwn(truncate(user.email, NAME_MAX))})` : ''}`;
}

// ---------------------------------------------------------------------------- links

export const notAdminMessage = (): Message =>
  message('Only a workspace admin or owner (or someone listed in DEALBOT_ADMINS) can link people or read the audit. Ask one of them.');

export function linkedMessage(input: { slackUserId: string; user: User; replaced: CrmLink | null; crmName: string }): Message {
  const before = input.replaced ? ' (their previous link is replaced)' : '';
  return message(
    `${userMention(input.slackUserId)} is now linked to ${userLine(input.user)} in ${escapeMrkdwn(input.crmName)}${before}. Their changes through Dealbot are recorded as that user.`,
  );
}

export function noSuchCrmUserMessage(input: { email: string; known: User[]; crmName: string }): Message {
  const known =
    input.known.length > 0 ? ` Users it has include ${input.known.map((u) => escapeMrkdwn(u.email ?? u.name)).join(', ')}.` : '';
  return message(`${escapeMrkdwn(input.crmName)} has no user with the email ${codeSpan(input.email)}. Check the spelling.${known}`);
}

export const inactiveCrmUserMessage = (user: User, crmName: string): Message =>
  message(`${userLine(user)} is deactivated in ${escapeMrkdwn(crmName)}: nobody can be linked to them. Reactivate the user there first.`);

export function unlinkedMessage(slackUserId: string, removed: CrmLink | null): Message {
  if (!removed) {
    return message(
      `${userMention(slackUserId)} had no link made by hand. (Someone whose Slack email is a CRM user's is linked to that user by the email.)`,
    );
  }
  return message(
    `${userMention(slackUserId)} is no longer linked by hand. If their Slack email is a CRM user's, that user is theirs again.`,
  );
}

export function linkListMessage(links: CrmLinkView[], crmName: string): Message {
  if (links.length === 0) {
    return message(
      `No links were made by hand. People are linked to the ${escapeMrkdwn(crmName)} user with their Slack email; link anyone else with ${codeSpan('/deal link @person their@crm.email')}.`,
    );
  }
  const lines = links.slice(0, 40).map((link) => {
    const who = link.user
      ? userLine(link.user)
      : `${escapeMrkdwn(link.crmEmail ?? `#${link.crmUserId}`)} _(no longer in ${escapeMrkdwn(crmName)})_`;
    const by = link.linkedBy ? ` · by ${userMention(link.linkedBy)}` : '';
    return `• ${userMention(link.slackUserId)} → ${who}${by}`;
  });
  const more = links.length > 40 ? `\n…and ${links.length - 40} more.` : '';
  return message(`*Linked by hand to ${escapeMrkdwn(crmName)} users*\n${lines.join('\n')}${more}`);
}

// ------------------------------------------------------------------------ connect

/** What each CRM calls the credential a person pastes, and where they find it. */
const CREDENTIAL: Record<Exclude<CrmProvider, 'local'>, { label: string; where: string }> = {
  pipedrive: { label: 'Your Pipedrive API token', where: 'In Pipedrive: your name (top right) → Personal preferences → API.' },
  productive: {
    label: 'Your Productive API token',
    where: 'In Productive: Settings → API integrations → Generate new token (read and write).',
  },
  pipelinedeals: { label: 'Your PipelineDeals API key', where: 'In PipelineDeals: your name → Account settings → API key.' },
};

export const CONNECT_MODAL_TITLE = 'Connect your CRM';

export interface ConnectModalInput {
  provider: Exclude<CrmProvider, 'local'>;
  crmName: string;
  privateMetadata: string;
  /** Why the last token was not kept (plain words). */
  banner?: string | null;
}

export function connectModal(input: ConnectModalInput): ModalView {
  const credential = CREDENTIAL[input.provider];
  const blocks: KnownBlock[] = [];
  if (input.banner)
    blocks.push({ type: 'section', text: mrkdwnText(`⚠️ ${escapeMrkdwn(truncate(input.banner, 500))}`, SlackLimits.sectionText) });
  blocks.push(
    {
      type: 'section',
      text: mrkdwnText(
        `Your changes through Dealbot will be made with your own ${escapeMrkdwn(input.crmName)} credential, so ${escapeMrkdwn(input.crmName)}'s history names you. It is checked with ${escapeMrkdwn(input.crmName)} first, then kept encrypted; ${codeSpan('/deal disconnect')} forgets it.`,
        SlackLimits.sectionText,
      ),
    },
    {
      type: 'input',
      block_id: ConnectFormField.token,
      label: plainText(credential.label, 150),
      hint: plainText(credential.where, 150),
      element: { type: 'plain_text_input', action_id: ConnectFormField.token, max_length: 200 },
    },
  );
  return {
    type: 'modal',
    callback_id: CallbackId.connectCrmModal,
    title: plainText(CONNECT_MODAL_TITLE, SlackLimits.modalTitle),
    submit: plainText('Check and save', SlackLimits.modalTitle),
    close: plainText('Cancel', SlackLimits.modalTitle),
    private_metadata: input.privateMetadata,
    blocks,
  };
}

const notice = (text: string): ModalView => noticeModal({ title: CONNECT_MODAL_TITLE, text });

export const connectCheckingModal = (crmName: string): ModalView => notice(`Checking it with ${escapeMrkdwn(crmName)}…`);

export const connectedModal = (user: User, crmName: string): ModalView =>
  notice(`Connected: ${escapeMrkdwn(crmName)} knows this credential as ${userLine(user)}. Your changes through Dealbot now use it.`);

export const connectTokenProblem = (token: string): string | null => (token.trim() === '' ? 'Paste your token here.' : null);

/** Banners over the form asked again: the token field comes back empty. */
export const connectRefusedBanner = (crmName: string): string =>
  `${crmName} did not accept that token, so nothing was saved. Copy it again (the whole of it) and paste it here.`;
export const connectNotYoursBanner = (user: User, crmName: string): string =>
  `That token belongs to ${user.name}${user.email ? ` (${user.email})` : ''} in ${crmName}, not to the ${crmName} user you are linked to, so nothing was saved. Paste your own.`;
export const connectUnreachableBanner = (crmName: string, summary: string): string =>
  `${crmName} could not check the token just now (${summary}), so nothing was saved. Try again in a minute.`;

/** `/deal connect` where it has nothing to do. */
export const connectOffMessage = (): Message =>
  message(
    'Personal credentials are turned off: this Dealbot has no DEALBOT_SECRET_KEY to keep them encrypted with. Your changes are made with the shared credential and name you in Dealbot. Ask whoever runs Dealbot to set DEALBOT_SECRET_KEY.',
  );
export const connectNotNeededMessage = (crmName: string): Message =>
  message(
    `${escapeMrkdwn(crmName)} has no credentials to connect: you are its user already, and your changes are recorded under your name.`,
  );

export const disconnectedMessage = (removed: boolean, crmName: string): Message =>
  message(
    removed
      ? `Done: your ${escapeMrkdwn(crmName)} credential is forgotten. Your changes now go through Dealbot's shared credential, noted as made by you.`
      : `You had no ${escapeMrkdwn(crmName)} credential stored. Nothing to forget.`,
  );
