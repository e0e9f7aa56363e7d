/** Partner Center's provider roles (SPEC §1.7). */
export const ROLES = ['Global admin', 'User admin', 'Admin agent', 'Sales agent', 'Billing admin'] as const;
export type Role = (typeof ROLES)[number];

/** Every kind of change a row can ask for, each checked against the matrix below. */
export type Permission =
  | 'partnership.request'
  | 'partnership.remove'
  | 'customer.manage'
  | 'subscription.order'
  | 'subscription.manage'
  | 'users.manage'
  | 'catalog.import'
  | 'read';

/** The role matrix of SPEC §1.7: the one table every role check reads. */
export const ROLE_MATRIX: Readonly<Record<Permission, readonly Role[]>> = {
  'partnership.request': ['Global admin', 'Admin agent', 'Sales agent'],
  'partnership.remove': ['Global admin', 'Admin agent'],
  'customer.manage': ['Global admin', 'Admin agent', 'Sales agent'],
  'subscription.order': ['Global admin', 'Admin agent', 'Sales agent'],
  'subscription.manage': ['Global admin', 'Admin agent'],
  'users.manage': ['Global admin', 'User admin'],
  'catalog.import': ['Global admin', 'Admin agent'],
  read: ['Global admin', 'Admin agent', 'Sales agent', 'User admin', 'Billing admin'],
};

/** What each permission is, in the words of a `role.forbidden` message. */
export const PERMISSION_LABELS: Readonly<Record<Permission, string>> = {
  'partnership.request': 'request a partnership or resend an invitation',
  'partnership.remove': 'remove a partnership',
  'customer.manage': 'create or update a customer or set its reseller',
  'subscription.order': 'order a subscription, change its quantity or upgrade it',
  'subscription.manage': 'set the partner of record or support contact, suspend or reactivate',
  'users.manage': 'add, change or remove users and their roles',
  'catalog.import': 'import the offer catalog',
  read: 'read the store',
};

const ROLE_BY_KEY = new Map(ROLES.map((r) => [roleKey(r), r]));

function roleKey(text: string): string {
  return text.toLowerCase().replace(/[^a-z]/g, '');
}

/** `global admin`, `GlobalAdmin`, `Global Admin` → `Global admin`; undefined for an unknown role. */
export function parseRole(text: string): Role | undefined {
  return ROLE_BY_KEY.get(roleKey(text));
}

export function isAllowed(roles: readonly Role[], permission: Permission): boolean {
  const allowed = ROLE_MATRIX[permission];
  return roles.some((r) => allowed.includes(r));
}
