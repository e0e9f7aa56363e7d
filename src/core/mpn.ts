/**
 * The bounds of a PartnerID (formerly MPN ID), SPEC §1.2: digits only, at most 10 digits and at most
 * 2147483647, since Partner Center types it as a 32-bit integer. Microsoft documents no lower bound
 * (its own examples include `12345`). The one place they live.
 */
export const PARTNER_ID = { maxDigits: 10, maxValue: 2_147_483_647 } as const;

/** What a PartnerID is, in the words of a message. */
export const PARTNER_ID_FORMAT = `digits only, at most ${PARTNER_ID.maxDigits} digits and at most ${PARTNER_ID.maxValue}`;

const DIGITS = new RegExp(`^[0-9]{1,${PARTNER_ID.maxDigits}}$`);

/**
 * True for a well-formed PartnerID. Only ASCII digits count: full-width or other look-alikes do not.
 * Kept as written: a text cell's leading zero stays (stores made earlier hold such IDs as keys).
 */
export function isMpnId(value: string): boolean {
  return DIGITS.test(value) && Number(value) <= PARTNER_ID.maxValue;
}
