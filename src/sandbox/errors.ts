/**
 * Partner Center's error answers, as its documentation lists them (developer/error-codes.md; the
 * body shape is ApiFault: `{ code, description, data, source }`). Codes are sent as numbers, as in
 * every example Microsoft gives, although the schema types `code` as a string.
 *
 * Each entry is one documented code with its HTTP status and text; `{0}`, `{1}`… are filled in
 * order. A few answers Microsoft does not document are marked where they are used.
 */
export const PC_ERRORS = {
  invalidProperty: [400, 3000, 'Invalid property'],
  invalidInput: [400, 800002, 'Invalid request input'],
  noRelationship: [403, 20002, 'The partner ID {0} has no commerce relationship with the customer ID {1}.'],
  subscriptionNotFound: [404, 20003, 'Subscription with ID {0} not found.'],
  orderNotFound: [404, 20000, 'Order ID not found'],
  notFound: [404, 1000, 'Not found'],
  quantityWhileSuspending: [400, 2001, "Subscription quantity can't be increased or decreased while subscription is being suspended"],
  quantityOutOfRange: [400, 2002, "Subscription quantity isn't within minimum and maximum allowed quantity"],
  deletedCantUpdate: [400, 2011, "Subscription with ID {0} and deleted status can't be updated."],
  billingCycleViaOrder: [400, 2054, "The billing cycle for an existing subscription can't be updated using update-subscription operation. Use update-Order operation"],
  etagInvalid: [400, 2055, 'Etag is no longer valid'],
  providerNotPor: [404, 2072, "PartnerID of Indirect Provider isn't valid as Partner On Record"],
  mcaMissing: [403, 13605, 'Either a partner confirmation of the customer acceptance of the Microsoft Customer Agreement must be provided or the customer must accept the Microsoft Customer Agreement in the Microsoft Admin Center before you can complete this purchase'],
  availabilityNotFound: [404, 400019, 'Availability not found. Issue a new GET to ensure you have the current availability ID and retry the cart check out.'],
  productNotFound: [404, 400013, "Product wasn't found"],
  skuNotFound: [404, 400018, "SKU wasn't found"],
  registrationNotSupported: [400, 600002, "Organization registration ID value isn't supported"],
  registrationMissing: [400, 600049, 'Organization registration ID information is missing'],
  registrationInvalid: [400, 600050, 'Organization registration ID information is invalid and should be of the format {0}'],
  phoneMissing: [400, 600051, 'Customer phone number is missing'],
  tokenMissing: [401, 800001, 'Partner Token missing in request context'],
  accessDenied: [401, 400, 'Access denied'],
  appUserOnly: [403, 2032, 'Access denied'],
  unexpected: [500, 800003, 'Unexpected service error'],
  cartNotFound: [404, 800008, 'Unable to retrieve cart ID'],
  cartItemErrors: [400, 800009, 'Error in Cart item(s)'],
  partnerIdNotFound: [404, 800015, "PartnerID isn't found"],
  notIndirectReseller: [400, 800016, "PartnerID isn't a valid Indirect Reseller"],
  resellerInactive: [403, 800039, "Reseller program status isn't active"],
  cartBeingProcessed: [409, 800064, 'Cart {0} is being processed by another request'],
  cartAlreadySubmitted: [400, 800065, "can't check out an already submitted cart {0}."],
  notReady: [409, 800082, 'Subscription is not ready to be updated. Try again after sometime'],
  seatsExceeded: [403, 800088, 'The requested number of {0} seat/s exceeded the remaining limit of {1} seats allowed per subscription for the CatalogID - {2}'],
  quantityCantDecrease: [400, 800090, 'Subscription quantity cannot be decreased.'],
  suspendedCantUpdate: [400, 800091, "Can't update a subscription with suspended status"],
  autoRenewNotEligible: [400, 800093, "The subscription isn't eligible to be auto-renewed"],
  statusCantUpdate: [400, 800096, "Can't update the status for this subscription"],
  porCantUpdate: [400, 800098, "Can't update the partner on record for this subscription"],
  cancelWindowPassed: [400, 900117, 'You have passed your {0}-day cancellation window. We are unable to cancel your purchase'],
  mpaNotAccepted: [403, 900123, "Microsoft Partner Agreement hasn't been accepted by the indirect reseller"],
  seatWindowPassed: [400, 900257, 'You have passed your {0}-day window for reducing seats for this subscription.'],
  targetNotActive: [400, 900258, 'The target transition ToSubscriptionId field is invalid. Target subscription must be active.'],
  targetSameAsSource: [400, 900259, "The target transition ToSubscriptionId field is invalid. Target subscription id can't be the same as the source subscription ID."],
  targetOtherItem: [400, 900260, 'The target transition ToSubscriptionId field is invalid. Target subscription must have the same CatalogItemId as in the transition request.'],
  termShorter: [400, 900267, "Target transition can't have a term duration shorter than that of the source subscription."],
  termInvalid: [400, 900268, 'The term duration on the target transition is invalid.'],
  billingInvalid: [400, 900269, 'The billing cycle is invalid.'],
  billingLongerThanTerm: [400, 900270, 'The billing cycle cannot be longer than the term.'],
  mfaRequired: [401, 900421, 'Multi-factor authentication is required for this App+User call. Sign in again with MFA and use the new refresh token.'],
  agreementStatusBadInput: [400, 2000, '{0}'],
  agreementStatusEmpty: [400, 2001, 'Both MPN Id and Tenant Id cannot be empty.'],
  agreementStatusInvalid: [400, 2200, 'The MPN Id {0} is invalid or not migrated to Partner Center.'],
  agreementStatusRegion: [400, 2201, "The reseller's CSP region does not match the indirect provider's region."],
  agreementStatusNotCsp: [400, 2204, 'The PartnerID {0} is not a CSP indirect reseller.'],
  agreementStatusNoAccount: [400, 2205, 'Account not found for tenant {0}.'],
  mpnProfileNotFound: [404, 3000, 'Partner Organization with partner_id {0} could not be found'],
} as const satisfies Record<string, readonly [number, number, string]>;

export type PcErrorName = keyof typeof PC_ERRORS;

/** A refusal in Partner Center's shape; thrown by a handler, answered by the server. */
export class PcError extends Error {
  readonly status: number;
  readonly code: number | string;
  readonly description: string;
  readonly data: unknown[];
  readonly source: string;

  constructor(status: number, code: number | string, description: string, data: unknown[] = [], source = 'PartnerFD') {
    super(description);
    this.name = 'PcError';
    this.status = status;
    this.code = code;
    this.description = description;
    this.data = data;
    this.source = source;
  }

  body(): Record<string, unknown> {
    return { code: this.code, description: this.description, data: this.data, source: this.source };
  }
}

/** The documented error `name`, with its `{n}` placeholders filled and, when given, a more precise description. */
export function pcError(name: PcErrorName, args: Array<string | number> = [], description?: string): PcError {
  const [status, code, text] = PC_ERRORS[name];
  const filled = text.replace(/\{(\d+)\}/g, (_, i: string) => String(args[Number(i)] ?? ''));
  return new PcError(status, code, description ?? filled);
}
