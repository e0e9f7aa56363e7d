import { isAllowed, PERMISSION_LABELS, ROLE_MATRIX, ROLES, type Permission, type Role } from '../core/roles.js';
import type { SheetKind } from '../normalize/columns.js';

/**
 * What each console page and action needs, in the role matrix's permissions (SPEC §1.7): the one
 * place the console names a permission. An action is allowed when the user holds any one of them.
 */
export const CONSOLE_ACCESS = {
  /** Every page of a signed-in user: home, plans, runs, audit trail, users, downloads. */
  view: ['read'],
  /**
   * Uploading a sheet to plan and apply it: any permission a row of that sheet may need. The plan
   * still checks each row against the matrix (`role.forbidden`); this refuses a whole sheet the user
   * could change nothing of.
   */
  sheets: {
    Resellers: ['partnership.request', 'partnership.remove'],
    Customers: ['customer.manage'],
    Subscriptions: ['subscription.order', 'subscription.status', 'subscription.partner-of-record', 'subscription.support-contact'],
    Users: ['users.manage'],
    Offers: ['catalog.import'],
  },
  /** `tiersync users set-password` for another user than oneself. */
  setOthersPassword: ['users.manage'],
} as const satisfies { view: readonly Permission[]; sheets: Record<SheetKind, readonly Permission[]>; setOthersPassword: readonly Permission[] };

export type Needed = readonly Permission[];

export function allows(roles: readonly Role[], needed: Needed): boolean {
  return needed.some((permission) => isAllowed(roles, permission));
}

/** The roles that would allow an action, in the matrix's order of roles. */
export function rolesAllowing(needed: Needed): Role[] {
  const allowed = new Set(needed.flatMap((permission) => ROLE_MATRIX[permission]));
  return ROLES.filter((role) => allowed.has(role));
}

/** What the action is, in the words of the matrix: "create or update a customer or set its reseller". */
export function describeNeeded(needed: Needed): string {
  return needed.map((permission) => PERMISSION_LABELS[permission]).join(' or ');
}

/** A refusal: what was asked, which roles would allow it. Shown on the 403 page. */
export interface Refusal {
  action: string;
  needed: Needed;
}

/** The sheets of an upload that the roles do not allow, each as a refusal. */
export function refusedSheets(roles: readonly Role[], kinds: Iterable<SheetKind>): Refusal[] {
  const refused: Refusal[] = [];
  for (const kind of new Set(kinds)) {
    const needed = CONSOLE_ACCESS.sheets[kind];
    if (!allows(roles, needed)) refused.push({ action: `Uploading a ${kind} sheet (${describeNeeded(needed)})`, needed });
  }
  return refused;
}

/** The sheets these roles may upload. */
export function uploadableSheets(roles: readonly Role[]): SheetKind[] {
  return (Object.keys(CONSOLE_ACCESS.sheets) as SheetKind[]).filter((kind) => allows(roles, CONSOLE_ACCESS.sheets[kind]));
}
