// Only our installation (issue #16): which requests `foreignTo` calls foreign, for a workspace
// install and an org-wide one, and the middleware acknowledging and dropping them without
// running anything after it.

import { describe, expect, it, vi } from 'vitest';
import { createInstallationGuard, foreignTo, type Installation } from '../../src/listeners/installation-guard.js';
import { createLogger } from '../../src/logger.js';

const WORKSPACE: Installation = { teamId: 'T1', enterpriseId: null, isEnterpriseInstall: false, appId: 'A1' };
const GRID_WORKSPACE: Installation = { teamId: 'T1', enterpriseId: 'E1', isEnterpriseInstall: false, appId: 'A1' };
const ORG: Installation = { teamId: null, enterpriseId: 'E1', isEnterpriseInstall: true, appId: 'A1' };

describe('foreignTo', () => {
  it('accepts our team and app, and refuses another team, app or organization', () => {
    expect(foreignTo(WORKSPACE, { api_app_id: 'A1' }, { teamId: 'T1' })).toBeNull();
    expect(foreignTo(WORKSPACE, { api_app_id: 'A1' }, { teamId: 'T2' })).toBe('team');
    expect(foreignTo(WORKSPACE, { api_app_id: 'A2' }, { teamId: 'T1' })).toBe('app');
    expect(foreignTo(WORKSPACE, { api_app_id: 'A1' }, { teamId: 'T1', enterpriseId: 'E9' })).toBe('enterprise');
  });

  it('accepts any app id when Slack did not say ours, and a request that names none', () => {
    expect(foreignTo({ ...WORKSPACE, appId: null }, { api_app_id: 'A2' }, { teamId: 'T1' })).toBeNull();
    expect(foreignTo(WORKSPACE, {}, { teamId: 'T1' })).toBeNull();
  });

  it('a workspace of a grid: its team and its org', () => {
    expect(foreignTo(GRID_WORKSPACE, { api_app_id: 'A1' }, { teamId: 'T1', enterpriseId: 'E1' })).toBeNull();
    expect(foreignTo(GRID_WORKSPACE, { api_app_id: 'A1' }, { teamId: 'T2', enterpriseId: 'E1' })).toBe('team');
    expect(foreignTo(GRID_WORKSPACE, { api_app_id: 'A1' }, { teamId: 'T1', enterpriseId: 'E2' })).toBe('enterprise');
  });

  it('an org-wide install: any workspace of the org, no other org', () => {
    expect(foreignTo(ORG, { api_app_id: 'A1' }, { teamId: 'T7', enterpriseId: 'E1' })).toBeNull();
    expect(foreignTo(ORG, { api_app_id: 'A1' }, { teamId: 'T7', enterpriseId: 'E2' })).toBe('enterprise');
    expect(foreignTo(ORG, { api_app_id: 'A1' }, { teamId: 'T7' })).toBe('enterprise');
  });
});

describe('createInstallationGuard', () => {
  const guard = createInstallationGuard({ installation: WORKSPACE, logger: createLogger('silent') });
  const run = async (body: Record<string, unknown>, context: Record<string, unknown>) => {
    const next = vi.fn(async () => undefined);
    const ack = vi.fn(async () => undefined);
    await guard({ body, context, next, ack } as never);
    return { next, ack };
  };

  it('lets our requests through untouched', async () => {
    const { next, ack } = await run({ api_app_id: 'A1', command: '/deal' }, { teamId: 'T1' });
    expect(next).toHaveBeenCalledOnce();
    expect(ack).not.toHaveBeenCalled();
  });

  it('acknowledges a foreign request with nothing and runs nothing after it', async () => {
    const { next, ack } = await run({ api_app_id: 'A1', command: '/deal' }, { teamId: 'T2' });
    expect(next).not.toHaveBeenCalled();
    expect(ack).toHaveBeenCalledWith();
  });
});
