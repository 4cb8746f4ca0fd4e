// What a person reads when the access policy refuses them (`services/access-policy.ts`):
// short, polite, with the next step, and never any deal data — the same words on every
// surface (an ephemeral message, a modal, the Home tab, a field error, a refused unfurl says
// nothing). `/deal channel` answers live here too.

import type { HomeView, KnownBlock, ModalView } from '@slack/types';
import type { ChannelRule } from '../domain/requester.js';
import type { AccessRefusal } from '../errors.js';
import { SlackLimits } from './ids.js';
import { codeSpan, escapeMrkdwn, mrkdwnText } from './mrkdwn.js';

/** Plain words and commands: written once as plain text and once as mrkdwn (commands in code spans). */
type Part = string | { command: string };

/** The words of a refusal, as parts (`ui/error-message.ts` writes a thrown refusal with them). */
export function refusalParts(refusal: AccessRefusal, crmName: string): Part[] {
  switch (refusal) {
    case 'guest':
      return ['Sorry, Dealbot shows deals to full members of this workspace only. If you need access, ask a workspace admin.'];
    case 'stranger':
      return ["Sorry, Dealbot's deals are only for members of the workspace that installed it, so it can't help you here."];
    case 'not-admin':
      return ['Only a workspace admin or owner (or someone listed in DEALBOT_ADMINS) can do that. Ask one of them.'];
    case 'unlinked':
      return [
        `Dealbot can't tell which ${crmName} user you are, so it can't do that for you yet. Ask a workspace admin to link you with `,
        { command: `/deal link @you <your ${crmName} email>` },
        ', or store your own credential with ',
        { command: '/deal connect' },
        '.',
      ];
    case 'channel-off':
      return ['Dealbot is turned off in this channel. Try it in another channel or a direct message, or ask a workspace admin.'];
    case 'channel-read-only':
      return ['This channel is read-only for Dealbot: deals can be looked at here but not changed. Make the change in another channel.'];
    case 'external-channel':
      return [
        'This channel is shared with another organization, so Dealbot posts no deals in it. Use a direct message, or ask a workspace admin to open it with ',
        { command: '/deal channel open' },
        '.',
      ];
    case 'not-owner':
      return ["Only the deal's owner or a workspace admin can mark it won or lost, or reopen it. Nothing was changed."];
    case 'not-your-undo':
      return ['Only the person who made that change can undo it. Nothing was changed.'];
    case 'not-your-subscription':
      return ["That channel's subscription was set by someone else: only they or a workspace admin can change it. Nothing was changed."];
  }
}

const asPlain = (parts: Part[]): string => parts.map((p) => (typeof p === 'string' ? p : p.command)).join('');
const asMrkdwn = (parts: Part[]): string => parts.map((p) => (typeof p === 'string' ? escapeMrkdwn(p) : codeSpan(p.command))).join('');

export interface AccessNotice {
  /** mrkdwn-safe fallback text. */
  text: string;
  blocks: KnownBlock[];
  /** The same words unescaped, for plain_text surfaces (a field error). */
  summary: string;
}

/** The refusal as a message (ephemeral reply, DM, `app.error()`'s answer). */
export function accessRefusedMessage(refusal: AccessRefusal, crmName: string): AccessNotice {
  const parts = refusalParts(refusal, crmName);
  const summary = asPlain(parts);
  return {
    text: escapeMrkdwn(summary),
    summary,
    blocks: [{ type: 'section', text: mrkdwnText(`🔒 ${asMrkdwn(parts)}`, SlackLimits.sectionText) }],
  };
}

/** The refusal as a modal (a shortcut, or a submission the form cannot show next to a field). */
export function accessRefusedModal(refusal: AccessRefusal, crmName: string): ModalView {
  return {
    type: 'modal',
    title: { type: 'plain_text', text: 'Dealbot' },
    close: { type: 'plain_text', text: 'Close' },
    blocks: accessRefusedMessage(refusal, crmName).blocks,
  };
}

/** The Home tab of someone who may not see deals. */
export function accessRefusedHome(refusal: AccessRefusal, crmName: string): HomeView {
  return { type: 'home', blocks: accessRefusedMessage(refusal, crmName).blocks };
}

const RULE_WORDS: { readonly [R in ChannelRule]: string } = {
  open: 'open: people can look at and change deals here',
  'read-only': 'read-only: people can look at deals here but not change them',
  off: 'off: Dealbot answers nothing here',
};

/** `/deal channel open|read-only|off` done: said in the channel, for everyone. */
export function channelRuleSetMessage(rule: ChannelRule, userId: string): { text: string } {
  return { text: `<@${userId}> set Dealbot in this channel to ${RULE_WORDS[rule]}.` };
}

/** `/deal channel` with nothing after it: the rule in force here. */
export function channelRuleShownMessage(rule: ChannelRule | null, externallyShared: boolean): { text: string } {
  if (rule)
    return { text: `Dealbot in this channel is ${RULE_WORDS[rule]}. An admin changes it with \`/deal channel open|read-only|off\`.` };
  if (externallyShared) {
    return {
      text: 'This channel is shared with another organization: Dealbot posts no deals here and changes none until an admin opens it with `/deal channel open`.',
    };
  }
  return { text: 'Dealbot is open in this channel (no rule set). An admin changes it with `/deal channel open|read-only|off`.' };
}

/** `/deal channel …` typed outside a channel (a DM has no rules). */
export function channelRuleNoChannelMessage(): { text: string } {
  return { text: 'Channel rules apply to channels: run `/deal channel open|read-only|off` in the channel itself.' };
}
