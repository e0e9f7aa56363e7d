import { NO_FIELDS } from './sync-plan.js';
import { userKey, type UserRecord } from '../core/entities.js';
import { diffRecords } from './diff-records.js';
import type { RowDecision, RowScope } from './row-context.js';

export function planUserRow(scope: RowScope<'Users'>): RowDecision {
  const row = scope.input.value!;
  const { state } = scope.ctx;
  const key = userKey(row.email);
  const before = state.users.get(key);
  if (!scope.permit('users.manage')) return scope.rejected();

  if (!before) {
    scope.requireOnCreate(['displayName', 'roles']);
    if (row.status === 'removed') scope.error('row.invalid-value', `Status: there is no user ${row.email} to remove`, 'status', row.status);
    if (scope.failed) return scope.rejected();
    const after: UserRecord = { email: key, displayName: row.displayName!, roles: row.roles!, status: 'active' };
    state.users.set(key, after);
    return { result: 'created', diags: [], note: `User ${key} added`, change: { entity: 'user', key, action: 'create', before: null, after, fields: NO_FIELDS } };
  }

  const after: UserRecord = {
    email: before.email,
    displayName: row.displayName ?? before.displayName,
    roles: row.roles ?? before.roles,
    status: row.status ?? before.status,
  };
  const diff = diffRecords('Users', before, after);
  if (!diff.fields.length) return { result: 'unchanged', diags: [], note: '' };
  state.users.set(key, after);
  if (state.activeGlobalAdmins() === 0) {
    state.users.set(key, before);
    scope.error('user.last-global-admin', `${before.email} is the last active Global admin; this change would leave none`, row.status === 'removed' ? 'status' : 'roles');
    return scope.rejected();
  }
  return { result: 'updated', diags: [], note: after.status === 'removed' && before.status !== 'removed' ? 'User deactivated' : '', change: { entity: 'user', key, action: 'update', before, after, fields: diff.fields } };
}
