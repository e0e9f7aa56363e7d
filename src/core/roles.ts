/** Partner Center's provider roles (SPEC §1.7). */
export const ROLES = ['Global admin', 'Account admin', 'User management admin', 'Admin agent', 'Sales agent', 'Helpdesk agent', 'Billing admin'] as const;
export type Role = (typeof ROLES)[number];

/** Every kind of change a row can ask for, each checked against the matrix below. */
export type Permission =
  | 'partnership.request'
  | 'partnership.remove'
  | 'customer.manage'
  | 'subscription.order'
  | 'subscription.partner-of-record'
  | 'subscription.support-contact'
  | 'subscription.status'
  | 'users.manage'
  | 'catalog.import'
  | 'read';

/**
 * The role matrix of SPEC §1.7 (Partner Center's role documentation, PARTNER-CENTER-RULES R5a): the
 * one table every role check reads, in the CLI and the console alike.
 */
export const ROLE_MATRIX: Readonly<Record<Permission, readonly Role[]>> = {
  'partnership.request': ['Global admin', 'Admin agent', 'Sales agent'],
  'partnership.remove': ['Global admin', 'Admin agent', 'Sales agent'],
  'customer.manage': ['Global admin', 'Admin agent', 'Sales agent'],
  'subscription.order': ['Global admin', 'Admin agent', 'Sales agent', 'Helpdesk agent', 'Billing admin'],
  'subscription.partner-of-record': ['Global admin', 'Admin agent', 'Sales agent'],
  'subscription.support-contact': ['Global admin', 'Admin agent', 'Helpdesk agent'],
  'subscription.status': ['Global admin', 'Admin agent', 'Sales agent', 'Helpdesk agent', 'Billing admin'],
  'users.manage': ['Global admin', 'User management admin', 'Account admin'],
  'catalog.import': ['Global admin', 'Admin agent'],
  read: [...ROLES],
};

/** What each permission is, in the words of a `role.forbidden` message. */
export const PERMISSION_LABELS: Readonly<Record<Permission, string>> = {
  'partnership.request': 'request a partnership or resend an invitation',
  'partnership.remove': 'remove a partnership',
  'customer.manage': 'create or update a customer or set its reseller',
  'subscription.order': 'order a subscription, change its seats, term or billing, upgrade or cancel it',
  'subscription.partner-of-record': 'set the partner of record',
  'subscription.support-contact': 'set the support contact',
  'subscription.status': 'suspend or reactivate a subscription or change its auto-renew',
  'users.manage': 'add, change or remove users and their roles',
  'catalog.import': 'import or refresh the offer catalog',
  read: 'read the store',
};

/** Names Partner Center used before, read as today's role. */
const ROLE_ALIASES: Readonly<Record<string, Role>> = { useradmin: 'User management admin', usermgmtadmin: 'User management admin' };

const ROLE_BY_KEY = new Map<string, Role>([...ROLES.map((r) => [roleKey(r), r] as const), ...Object.entries(ROLE_ALIASES)]);

function roleKey(text: string): string {
  return text.toLowerCase().replace(/[^a-z]/g, '');
}

/** `global admin`, `GlobalAdmin`, `Global Admin` → `Global admin`; `User admin` → `User management admin`; undefined for an unknown role. */
export function parseRole(text: string): Role | undefined {
  return ROLE_BY_KEY.get(roleKey(text));
}

export function isAllowed(roles: readonly Role[], permission: Permission): boolean {
  const allowed = ROLE_MATRIX[permission];
  return roles.some((r) => allowed.includes(r));
}
