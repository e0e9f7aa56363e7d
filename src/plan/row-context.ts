import { errorDiag, type CellRef, type Diagnostic } from '../core/diagnostics.js';
import type { CountryRuleTable } from '../core/country-rules.js';
import type { ErrorCode } from '../core/error-codes.js';
import type { UserRecord } from '../core/entities.js';
import { isAllowed, PERMISSION_LABELS, ROLE_MATRIX, type Permission } from '../core/roles.js';
import { SHEETS, type SheetKind } from '../normalize/columns.js';
import type { InputRow, InputSheet } from '../normalize/normalize-sheet.js';
import type { Change, PlanOptions, RowResult, WrittenValues } from './sync-plan.js';
import type { WorkingState } from './working-state.js';

export interface PlanContext {
  now: string;
  options: PlanOptions;
  /** Partner Center's country rules (SPEC §1.4); the defaults when absent. */
  countryRules: CountryRuleTable | undefined;
  /** The email domains of the provider's own users: a customer contact is never at one. */
  providerDomains: ReadonlySet<string>;
  connected: ConnectedPlanning | undefined;
  /** The operator's user record; undefined when unknown or removed (every row is then refused). */
  operator: UserRecord | undefined;
  state: WorkingState;
}

/**
 * What planning knows of a connected store's Partner Center (SPEC §7), read before planning: the
 * partner-of-record verdicts of Partner Center's reseller validation, once per run per PartnerID.
 * Its time rules (the 7-day windows) are Partner Center's to judge: the store cannot see every seat's window.
 */
export interface ConnectedPlanning {
  /** PartnerID → Partner Center's verdict; a PartnerID not in the map was not asked about. */
  authorization: ReadonlyMap<string, { valid: boolean; pcCode?: string; reason?: string }>;
}

/** What planning one row decided. `change` lacks its `sourceFile`, added by the caller. */
export interface RowDecision {
  result: RowResult;
  diags: Diagnostic[];
  note: string;
  change?: Omit<Change, 'sourceFile'>;
  /** What an existing record writes back (kept in `PlannedSheet.written`). */
  written?: WrittenValues;
}

/** Helpers bound to one row: where its fields are, and how to report on them. */
export class RowScope<K extends SheetKind = SheetKind> {
  readonly diags: Diagnostic[] = [];
  constructor(
    readonly ctx: PlanContext,
    readonly sheet: InputSheet<K>,
    readonly input: InputRow<K>,
  ) {}

  at(field?: string): CellRef {
    const column = field ? this.sheet.columnOf.get(field) : undefined;
    const ref: CellRef = { sheet: this.sheet.name, row: this.input.row };
    if (column) {
      ref.column = column;
      const header = this.sheet.headers.find((h) => h.column === column)?.text;
      if (header) ref.header = header;
    }
    return ref;
  }

  error(code: ErrorCode, message: string, field?: string, value?: unknown): void {
    this.diags.push(errorDiag(code, message, this.at(field), value));
  }

  /** A problem that does not stop the row: listed on the Errors sheet, the row goes ahead. */
  warn(code: ErrorCode, message: string, field?: string, value?: unknown): void {
    this.diags.push({ ...errorDiag(code, message, this.at(field), value), severity: 'warning' });
  }

  /** Records `role.forbidden` (naming the roles that would allow it) unless the operator may do this. */
  permit(permission: Permission, field?: string): boolean {
    const operator = this.ctx.operator;
    if (operator && isAllowed(operator.roles, permission)) return true;
    const roles = operator?.roles.join(', ') || 'none';
    this.error('role.forbidden', `You (roles: ${roles}) may not ${PERMISSION_LABELS[permission]}; ${ROLE_MATRIX[permission].join(' or ')} may`, field);
    return false;
  }

  requireOnCreate(fields: readonly string[]): void {
    for (const field of fields) {
      const value = (this.input.value as Record<string, unknown> | undefined)?.[field];
      if (value === undefined || value === null) {
        const header = SHEETS[this.sheet.kind].columns.find((c) => c.field === field)?.header ?? field;
        this.error('row.required', `${header} is required to create a new record`, field);
      }
    }
  }

  get failed(): boolean {
    return this.diags.some((d) => d.severity === 'error');
  }

  rejected(): RowDecision {
    return { result: 'rejected', diags: this.diags, note: '' };
  }
}

/** `value ?? stored` for a blank-means-keep field, `null` for a cleared one. */
export function merged<T>(value: T | null | undefined, stored: T): T | null {
  return value === undefined ? stored : value;
}
