// The one access check every surface goes through (issue #16): a global middleware, after the
// context middleware and the replay guard and before any listener. It classifies the request
// (`surface-access.ts`), knows who is asking (`services/requester-directory.ts`) and the
// channel's rule (`services/channel-rules.ts`), asks the policy (`services/access-policy.ts`)
// and, refused, answers with a short polite notice that shows no deal data, in the form the
// surface allows: an ephemeral message for a command or a button, a field error (or a notice
// modal) for a submission, an empty list for a picker, a notice modal for a shortcut, a
// notice Home tab, nothing for an unfurl. The listener never runs.
//
// Ack first: when everything is known in this process's memory (the usual case) the decision
// costs nothing. When a person or a channel must be looked up (store, then Slack), commands,
// buttons and shortcuts are acknowledged first and checked right after the ack, before the
// listener's work (`slack/after-ack-check.ts`); submissions and pickers, whose ack is their
// answer, and events, which Bolt acknowledged already, are checked before.

import type { AnyMiddlewareArgs, Middleware } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { CrmClient } from '../crm/port.js';
import type { Requester } from '../domain/requester.js';
import type { AccessRefusal } from '../errors.js';
import type { Logger } from '../logger.js';
import { decideAccess, type AccessDecision, type AccessSettings, type ChannelAccess } from '../services/access-policy.js';
import { createChannelRules, isDirectMessage, type ChannelRules } from '../services/channel-rules.js';
import { createCrmLinks } from '../services/crm-links.js';
import {
  createRequesterDirectory,
  type FetchSlackUser,
  type InstallationIds,
  type RequesterDirectory,
  type SlackUserProfile,
} from '../services/requester-directory.js';
import { primeSlackPerson } from '../services/slack-people.js';
import { checkAfterAck } from '../slack/after-ack-check.js';
import type { Store } from '../store/store.js';
import { accessRefusedHome, accessRefusedMessage, accessRefusedModal } from '../ui/access-notices.js';
import { deliverReply } from './replies.js';
import { classifyRequest, type ClassifiedRequest } from './surface-access.js';

type Body = Record<string, unknown>;
const str = (value: unknown): string | null => (typeof value === 'string' && value.length > 0 ? value : null);
const rec = (value: unknown): Body => (value && typeof value === 'object' ? (value as Body) : {});

/** A Slack user object (`users.info`, the `user_change` event) read into the directory's terms. */
export function slackUserProfile(user: Body): SlackUserProfile | null {
  const id = str(user.id);
  if (!id) return null;
  const profile = rec(user.profile);
  return {
    id,
    teamId: str(user.team_id) ?? str(profile.team),
    enterpriseId: str(rec(user.enterprise_user).enterprise_id),
    isRestricted: user.is_restricted === true,
    isUltraRestricted: user.is_ultra_restricted === true,
    isStranger: user.is_stranger === true,
    isWorkspaceAdmin: user.is_admin === true || user.is_owner === true || user.is_primary_owner === true,
    email: str(profile.email),
    name: str(profile.real_name) ?? str(user.real_name) ?? str(user.name) ?? id,
    tz: str(user.tz),
  };
}

const slackError = (error: unknown): string | null => {
  const e = error as { code?: string; data?: { error?: unknown } } | null;
  return e?.code === 'slack_webapi_platform_error' && typeof e.data?.error === 'string' ? e.data.error : null;
};

/** `users.info` as the directory's port; a user Slack does not know is null (a stranger). */
export function fetchSlackUser(client: WebClient): FetchSlackUser {
  return async (userId) => {
    try {
      const { user } = await client.users.info({ user: userId });
      return user ? slackUserProfile(user as Body) : null;
    } catch (error) {
      if (slackError(error) === 'user_not_found' || slackError(error) === 'users_not_found') return null;
      throw error;
    }
  };
}

/** `conversations.info`'s `is_ext_shared`; a channel the bot cannot see is taken as not shared. */
export function isExternallySharedPort(client: WebClient) {
  return async (channelId: string): Promise<boolean> => {
    try {
      const { channel } = await client.conversations.info({ channel: channelId });
      return Boolean((channel as { is_ext_shared?: boolean } | undefined)?.is_ext_shared);
    } catch (error) {
      if (slackError(error) === 'channel_not_found') return false;
      throw error;
    }
  };
}

/** What the guard keeps per workspace: who people are, the channels' rules. */
export interface WorkspaceAccess {
  requesters: RequesterDirectory;
  channels: ChannelRules;
}

export interface AccessGuardOptions {
  settings: AccessSettings;
  /** The installation's team and org: members are theirs. Null: anyone Slack does not call a stranger. */
  installation: InstallationIds | null;
  logger: Logger;
}

interface GuardContext {
  logger?: Logger;
  store?: Store;
  crm?: CrmClient;
  requester?: Requester | null;
  access?: AccessSettings;
  channelRules?: ChannelRules;
  requesters?: RequesterDirectory;
}

export function createAccessGuard(
  options: AccessGuardOptions,
): Middleware<AnyMiddlewareArgs> & { workspace(store: Store, crm: CrmClient): WorkspaceAccess } {
  const { settings, installation, logger } = options;
  const workspaces = new WeakMap<Store, WorkspaceAccess>();

  function workspace(store: Store, crm: CrmClient): WorkspaceAccess {
    let access = workspaces.get(store);
    if (!access) {
      const links = createCrmLinks({ store, crm });
      access = {
        requesters: createRequesterDirectory({
          store,
          installation,
          settings,
          linkedCrmUserId: (profile) => links.linkedCrmUserId(profile.id, profile.email, profile.name),
          onProfile: (profile) => primeSlackPerson(store, { id: profile.id, name: profile.name, email: profile.email, tz: profile.tz }),
          onTrouble: (error, what) => logger.warn({ err: error }, what),
        }),
        channels: createChannelRules({ store }),
      };
      workspaces.set(store, access);
    }
    return access;
  }

  /**
   * Whether the decision needs the person's CRM user (a CRM look-up, cached): for a change,
   * or for anything when unlinked people may not even read. A shortcut only opens a form, so
   * its submission is where the link is checked: the form opens without waiting on the CRM.
   */
  function needsLink(request: ClassifiedRequest): boolean {
    if (request.surface === 'shortcut' || request.need === 'none' || request.need === 'admin' || request.need === 'self') return false;
    if (settings.unlinkedUsers === 'none') return true;
    return request.need === 'write' || request.need === 'close';
  }

  /** The decision from what this process already knows; null when something must be looked up. */
  function decideNow(access: WorkspaceAccess, request: ClassifiedRequest & { userId: string }) {
    const requester = access.requesters.known(request.userId, { linked: needsLink(request) });
    const channel = request.channelId ? access.channels.known(request.channelId) : null;
    if (!requester || (request.channelId && !channel)) return null;
    return {
      requester,
      decision: decideAccess({ requester, need: request.need, channel, settings, opensForm: request.surface === 'shortcut' }),
    };
  }

  async function decideLater(access: WorkspaceAccess, request: ClassifiedRequest & { userId: string }, client: WebClient) {
    const [requester, channel] = await Promise.all([
      access.requesters.resolve(request.userId, fetchSlackUser(client), { linked: needsLink(request) }),
      request.channelId && !isDirectMessage(request.channelId)
        ? access.channels.access(request.channelId, isExternallySharedPort(client))
        : Promise.resolve<ChannelAccess | null>(null),
    ]);
    return {
      requester,
      decision: decideAccess({ requester, need: request.need, channel, settings, opensForm: request.surface === 'shortcut' }),
    };
  }

  const middleware: Middleware<AnyMiddlewareArgs> = async (args) => {
    const body = rec(args.body);
    const context = args.context as typeof args.context & GuardContext;
    const log = context.logger ?? logger;
    const request = classifyRequest(body);
    context.access = settings;
    if (!context.store || !context.crm) return args.next();
    const access = workspace(context.store, context.crm);
    context.channelRules = access.channels;
    context.requesters = access.requesters;
    context.requester = null;
    const userId = request.userId;
    if (!userId) return args.next();
    const asking = { ...request, userId };
    const ack = (args as { ack?: (response?: unknown) => Promise<void> }).ack;
    const client = (args as { client: WebClient }).client;

    const settle = async (decided: { requester: Requester; decision: AccessDecision }, acked: boolean): Promise<boolean> => {
      context.requester = decided.requester;
      if (decided.decision.allowed) return true;
      const { refusal } = decided.decision;
      log.info(
        { surface: asking.surface, need: asking.need, refusal, user: userId, kind: decided.requester.kind },
        'refused by the access policy',
      );
      await refuse({
        body,
        request: asking,
        refusal,
        ack: acked ? undefined : ack,
        client,
        crmName: context.crm?.displayName ?? 'the CRM',
      }).catch((error: unknown) => log.warn({ err: error, refusal }, 'could not tell a person why they were refused'));
      return false;
    };

    // Nothing to check: read who is asking only if it costs nothing, for listeners that want it.
    if (asking.need === 'none') {
      context.requester = access.requesters.known(userId);
      return args.next();
    }
    const now = decideNow(access, asking);
    if (now) {
      if (await settle(now, false)) await args.next();
      return;
    }
    const acksFirst = asking.surface === 'command' || asking.surface === 'action' || asking.surface === 'shortcut';
    if (acksFirst && checkAfterAck(ack, async () => settle(await decideLater(access, asking, client), true))) return args.next();
    if (await settle(await decideLater(access, asking, client), false)) await args.next();
  };

  return Object.assign(middleware, { workspace });
}

/** The first input block of a submitted modal, where a field error can be shown. */
function firstInputBlock(view: Body): string | null {
  const blocks = Array.isArray(view.blocks) ? (view.blocks as Body[]) : [];
  return str(blocks.find((b) => b.type === 'input')?.block_id);
}

async function refuse(input: {
  body: Body;
  request: ClassifiedRequest & { userId: string };
  refusal: AccessRefusal;
  /** Absent when the request was acknowledged already. */
  ack: ((response?: unknown) => Promise<void>) | undefined;
  client: WebClient;
  crmName: string;
}): Promise<void> {
  const { body, request, refusal, ack, client, crmName } = input;
  const notice = accessRefusedMessage(refusal, crmName);
  const message = { text: notice.text, blocks: notice.blocks };
  switch (request.surface) {
    case 'command':
      // Refused before the ack: the refusal is the ack itself.
      if (ack) return ack({ response_type: 'ephemeral', ...message });
      break;
    case 'view': {
      if (!ack) return;
      const block = firstInputBlock(rec(body.view));
      return block
        ? ack({ response_action: 'errors', errors: { [block]: notice.summary } })
        : ack({ response_action: 'update', view: accessRefusedModal(refusal, crmName) });
    }
    case 'options':
      return ack?.({ options: [] });
    case 'shortcut': {
      await ack?.();
      const trigger = str(body.trigger_id);
      if (trigger) await client.views.open({ trigger_id: trigger, view: accessRefusedModal(refusal, crmName) });
      return;
    }
    case 'home':
      await client.views.publish({ user_id: request.userId, view: accessRefusedHome(refusal, crmName) });
      return;
    case 'unfurl':
    case 'event':
      return;
    case 'action':
    case 'other':
      await ack?.();
      break;
  }
  await deliverReply(
    { client, userId: request.userId, channelId: request.channelId, responseUrl: str(body.response_url) },
    { response_type: 'ephemeral', replace_original: false, ...message },
  );
}
