// Only our installation (issue #16): a request that names another app (`api_app_id`), another
// workspace or another organization than the one the bot token belongs to (`auth.test` at
// start, `runtime/slack-identity.ts`) is dropped before any other middleware or listener
// runs — Socket Mode and HTTP alike, since both arrive here. It is acknowledged (Slack would
// otherwise retry it), answered with nothing, and logged at info. A signed request can only
// come from Slack, so such a request is a misrouted or forged one; nothing in it is trusted
// enough to reply to.
//
// The console is an installation of its own (the stand-in's team and app).

import type { AnyMiddlewareArgs, Middleware } from '@slack/bolt';
import type { Logger } from '../logger.js';

export interface Installation {
  /** The token's team; for an org-wide install, null or any workspace of the org. */
  teamId: string | null;
  enterpriseId: string | null;
  isEnterpriseInstall: boolean;
  /** The app's id (`auth.test`'s `app_id`); null when Slack did not say: then any app id passes. */
  appId: string | null;
}

type Body = Record<string, unknown>;
const str = (value: unknown): string | null => (typeof value === 'string' && value.length > 0 ? value : null);
const rec = (value: unknown): Body => (value && typeof value === 'object' ? (value as Body) : {});

/** Why a request is not for this installation, or null when it is. */
export function foreignTo(installation: Installation, body: Body, context: Body): 'app' | 'team' | 'enterprise' | null {
  const appId = str(body.api_app_id) ?? str(rec(body.view).app_id);
  if (installation.appId && appId && appId !== installation.appId) return 'app';
  const enterpriseId = str(context.enterpriseId) ?? str(body.enterprise_id) ?? str(rec(body.enterprise).id);
  if (enterpriseId && enterpriseId !== installation.enterpriseId) return 'enterprise';
  if (installation.isEnterpriseInstall) return enterpriseId === installation.enterpriseId ? null : 'enterprise';
  const teamId = str(context.teamId) ?? str(body.team_id) ?? str(rec(body.team).id);
  if (installation.teamId && teamId !== installation.teamId) return 'team';
  return null;
}

export function createInstallationGuard(options: { installation: Installation; logger: Logger }): Middleware<AnyMiddlewareArgs> {
  const { installation, logger } = options;
  return async (args) => {
    const body = rec(args.body);
    const foreign = foreignTo(installation, body, rec(args.context));
    if (!foreign) return args.next();
    ((args.context as { logger?: Logger }).logger ?? logger).info(
      {
        foreign,
        apiAppId: str(body.api_app_id),
        teamId: str(args.context.teamId),
        enterpriseId: str(args.context.enterpriseId),
        type: str(body.type) ?? (str(body.command) ? 'command' : null),
      },
      'dropped a request for another installation',
    );
    const ack = (args as { ack?: (response?: unknown) => Promise<void> }).ack;
    if (ack) await ack();
  };
}
