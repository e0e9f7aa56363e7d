/**
 * The bounds of a PartnerID (formerly MPN ID), SPEC §1.2: digits only, at most 10 digits and at most
 * 2147483647, since Partner Center types it as a 32-bit integer. Microsoft documents no lower bound
 * (its own examples include `12345`). The one place they live.
 */
export const PARTNER_ID = { maxDigits: 10, maxValue: 2_147_483_647 } as const;

/** What a PartnerID is, in the words of a message. */
export const PARTNER_ID_FORMAT = `digits only, at most ${PARTNER_ID.maxDigits} digits and at most ${PARTNER_ID.maxValue}, no leading zero`;

const DIGITS = new RegExp(`^[1-9][0-9]{0,${PARTNER_ID.maxDigits - 1}}$`);

/**
 * True for a well-formed PartnerID. Only ASCII digits count: full-width or other look-alikes do not.
 * No leading zero: an integer has none, so `0123456` would name a PartnerID Partner Center cannot hold.
 */
export function isMpnId(value: string): boolean {
  return DIGITS.test(value) && Number(value) <= PARTNER_ID.maxValue;
}
