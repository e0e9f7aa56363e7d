/**
 * Every row-level problem tiersync reports, with the sentence that tells the operator what to do.
 * Codes are stable: results workbooks, logs and scripts depend on them. Add, never rename.
 */
export const ERROR_CODES = {
  'mpn.invalid-format': 'A PartnerID (formerly MPN ID) is digits only: at most 10 digits and at most 2147483647. Check the cell for letters, spaces, a decimal part or extra digits.',
  'mpn.unknown-reseller': 'No reseller with this Location PartnerID exists in the store or in this batch. Add the reseller on the Resellers sheet first, or correct the ID.',
  'mpn.global-not-location': "This is a reseller's Global (headquarters) PartnerID. Use the reseller's Location PartnerID, the one tied to its CSP tenant.",
  'mpn.is-provider': "This is the provider's own PartnerID; it cannot be used as a reseller.",
  'mpn.conflict': 'This PartnerID or tenant ID already belongs to another reseller. Each identifies one reseller only.',
  'partnership.not-active': 'The partnership with this reseller is not active. The reseller must accept the invitation first (tiersync accept), or be invited again.',
  'partnership.removal-not-allowed': 'Removing a partnership is destructive. Re-run with --allow-removals to remove it.',
  'partnership.not-found': 'There is no partnership with this reseller to remove. Check the PartnerID.',
  'partnership.invitation-expired': 'The invitation expired. Re-run with --resend-expired to send a new one.',
  'customer.domain-taken': 'Another customer already uses this domain prefix. Choose another one.',
  'customer.invalid-domain': 'A domain prefix is 1 to 27 letters and digits only (no dots, hyphens or spaces), e.g. contoso for contoso.onmicrosoft.com.',
  'customer.unknown': 'No customer with this domain exists in the store. Create it on the Customers sheet first.',
  'subscription.unknown-customer': 'The customer of this subscription does not exist in the store or in this batch. Add it on the Customers sheet, or correct the domain.',
  'subscription.unknown-id': 'No subscription with this Subscription ID exists. Leave Subscription ID empty to order a new one, or copy the ID from a results workbook or an export.',
  'subscription.quantity-out-of-range': "The seats would be outside the offer's limits for this customer: Partner Center counts the seats of every active subscription of one offer on a customer tenant together. Use a quantity within what the message says remains.",
  'subscription.billing-cycle-not-allowed': 'The offer does not allow this billing frequency. Use one of the frequencies listed in the offer catalog.',
  'subscription.upgrade-not-allowed': "The new offer is not an upgrade target of the current offer. Use one of the upgrade targets listed in the catalog, or order a new subscription.",
  'subscription.suspended': 'The subscription is suspended: its quantity cannot change. Reactivate it (Status = active) in the same row, or leave the quantity as it is.',
  'subscription.decrease-window-closed': 'Partner Center lets seats be removed only within 7 days (168 hours) of being added: by the purchase, the last renewal or a mid-term increase. Remove at most the seats the message names, or set Apply At = renewal to reduce the seats at the renewal.',
  'subscription.cancel-window-closed': 'A new-commerce subscription can be cancelled only within 7 days of its purchase or last renewal. Turn Auto Renew off so that it ends at its term end, or suspend it.',
  'subscription.term-shorter': 'Mid-term, a term can only become longer (1 month → 1 year → 3 years). Set Apply At = renewal to take the shorter term at the renewal.',
  'subscription.term-not-offered': 'The offer does not sell this term, or this billing frequency with this term (a billing frequency is at most as long as the term). Use a term and frequency the offer catalog lists.',
  'subscription.billing-change-not-allowed': 'Partner Center does not allow this billing-frequency change mid-term. Set Apply At = renewal to change it at the renewal.',
  'subscription.not-active': 'The subscription is cancelled or expired: it can no longer be changed. Order a new subscription instead.',
  'subscription.schedule-needs-auto-renew': 'A change for the renewal needs Auto Renew on: a subscription that does not renew has no renewal to change. Turn Auto Renew on in the same row, or apply the change now.',
  'customer.address': "The address does not meet the country's rules (state, postal code, city). Correct it as the message says.",
  'customer.registration-required': "Partner Center requires a registration number (company registration or tax ID) and a phone number for customers in this country. Fill in the cells the message names.",
  'customer.invalid-name': 'Partner Center refuses this name: a company name is 2 to 255 characters, not only spaces or punctuation, and not a bare legal form (LLC, Inc, Ltd, GmbH, …); a contact name is 2 to 50 characters; an address line at most 200. Correct it.',
  'customer.invalid-email': "Partner Center refuses this contact email: it must be the customer's own address, not at microsoft.com nor at the provider's own domain. Use the customer contact's address.",
  'offer.unknown': 'This offer is not in the catalog. Check the Offer ID, or import the catalog that contains it (tiersync catalog import).',
  'offer.invalid-reference': 'An upgrade target is not in the catalog or in this batch. Add the target offer first, or correct its ID.',
  'role.forbidden': 'Your roles do not allow this change. Ask a user with one of the roles named here to run it.',
  'role.unknown-user': 'The operator is not an active user of this store. Run with --as set to an active user (see the Users sheet).',
  'user.last-global-admin': 'This would leave the store without an active Global admin. Keep at least one.',
  'row.duplicate-key': 'The same record appears twice in this batch. Keep one row per record.',
  'row.missing-column': 'A required column is missing from this sheet. Add the column (see tiersync template) and upload again.',
  'row.required': 'This cell is required. Fill it in.',
  'row.invalid-value': 'This value is not valid for this column. Correct it as the message says.',
  'row.wrong-length': 'This row has a different number of fields than the header. Check for a stray delimiter or an unquoted field.',
  'row.too-long': 'This cell holds more than 32,767 characters, the most a spreadsheet cell can hold.',
  'order.cancelled': 'This row belongs to an order (a new customer and its subscriptions) in which another row was rejected, so none of it was applied. Fix the row named here and upload again.',
  'batch.atomic-cancelled': 'Nothing was applied because the run used --atomic and at least one row was rejected. Fix the rejected rows and upload again.',
  // Partner Center's refusals (connected stores), mapped from its error codes by src/partner-center/pc-errors.ts.
  'pc.quantity-decrease-window': "Partner Center refused to lower the seat count: new-commerce seats can only be reduced within 7 days (168 hours) of the purchase, renewal or the seats' addition. Keep the current quantity, or schedule the lower quantity for the renewal.",
  'pc.cancel-window': 'Partner Center refused to cancel: a new-commerce subscription can only be cancelled within 7 days of its purchase or renewal. Turn auto-renew off instead, so it ends at the end of its term.',
  'reseller.not-authorized': "Partner Center does not accept this reseller as partner of record: the PartnerID must be the reseller's CSP location ID, enrolled as an indirect reseller in the provider's region, with the Microsoft Partner Agreement accepted. Ask the reseller to check its Partner Center account, or correct the ID.",
  'pc.seat-limit': "Partner Center refused the quantity: it exceeds the seats still available for this product on the customer's tenant (a cap shared by every partner of the customer). Lower the quantity, or free seats in another subscription first.",
  'pc.customer-agreement-required': 'Partner Center needs the Microsoft Customer Agreement to be accepted before this purchase. Record the customer\'s acceptance (primary contact name, email and date) and run again.',
  'pc.no-relationship': 'Partner Center says the provider has no reseller relationship with this customer. Check the customer, or ask the customer to accept a reseller relationship in the Microsoft 365 admin center.',
  'pc.subscription-busy': 'Partner Center is still processing an earlier change to this subscription or order. Run again later; tiersync will not send the change twice.',
  'pc.order-in-progress': 'Partner Center is already processing this order or cart. Run tiersync refresh in a few minutes to pick up the result instead of ordering again.',
  'pc.sandbox-limit': 'The integration sandbox has reached its limit (75 customers, 5 subscriptions per customer, 25 licences per subscription, 5 resellers). Delete test customers or subscriptions in the sandbox first.',
  'pc.offer-unavailable': 'Partner Center no longer offers this product, SKU or availability for this customer. Refresh the catalog (tiersync catalog refresh) and choose a current offer.',
  'pc.auto-renew-not-allowed': 'Partner Center says this subscription cannot be set to renew automatically. Leave Auto-renew as it is for this offer.',
  'pc.partner-of-record-locked': "Partner Center refused to change this subscription's partner of record. Leave the partner of record as it is, or change it in Partner Center if Microsoft allows it there.",
  'pc.transition-refused': 'Partner Center refused the upgrade (transition) of this subscription. Check the upgrade targets Partner Center offers for it, its term and its remaining seats, then run again.',
  'pc.too-many-updates': 'Partner Center refuses more changes to this subscription (it has been updated too many times). Contact Microsoft partner support to make further changes.',
  'pc.forbidden': "Partner Center refused the call for lack of rights. The integration user needs the Admin agent role in Partner Center, and Conditional Access must allow its sign-in; ask the provider's Global admin.",
  'pc.not-found': 'Partner Center has no such object (it may have been deleted in Partner Center). Run tiersync refresh, then check the row.',
  'pc.stale-object': 'The object changed in Partner Center while tiersync was changing it. Run again: tiersync reads it afresh first.',
  'pc.throttled': "Partner Center kept refusing calls because of its rate limit, even after waiting as it asked. Run again later, or lower --pc-rate and --pc-concurrency.",
  'pc.invalid-request': "Partner Center refused a value in this row as invalid. Correct the value named in Partner Center's message and run again.",
  'pc.not-supported': "Partner Center's API does not make this change from tiersync. Make it in Partner Center itself (the message says where); the next tiersync refresh reads it back.",
  'pc.recovered': 'An earlier run stopped before it recorded what Partner Center did with this write; this run found out and recorded it (see the Recovered sheet).',
  'pc.error': "Partner Center refused the change for another reason. Read Partner Center's code and description in the message; fix the row, or ask Microsoft partner support about the code.",
} as const satisfies Record<string, string>;

export type ErrorCode = keyof typeof ERROR_CODES;

export function isErrorCode(code: string): code is ErrorCode {
  return Object.prototype.hasOwnProperty.call(ERROR_CODES, code);
}

/** What the operator should do about a code: the second half of every message. */
export function adviceFor(code: ErrorCode): string {
  return ERROR_CODES[code];
}
