// Whose Slack-side state a key belongs to. An app installed in one workspace keeps its state
// under the team id; an org-wide install (Enterprise Grid) under the enterprise id, since one
// install then serves every workspace of the org. The console is nobody's workspace: its
// state has a namespace of its own, so it never runs or posts a real workspace's digests.

export interface WorkspaceIds {
  teamId?: string | null;
  enterpriseId?: string | null;
  isEnterpriseInstall?: boolean | null;
}

export const CONSOLE_NAMESPACE = 'console';

/** Used when Slack named no team (never expected from a real request); kept apart from real workspaces. */
export const UNKNOWN_WORKSPACE_NAMESPACE = 'slack:unknown';

export function workspaceNamespace(ids: WorkspaceIds): string {
  if (ids.isEnterpriseInstall && ids.enterpriseId) return `slack:${ids.enterpriseId}`;
  if (ids.teamId) return `slack:${ids.teamId}`;
  return UNKNOWN_WORKSPACE_NAMESPACE;
}
