/** The length bounds of an MPN ID (PartnerID), SPEC §1.2.1. The one place they live. */
export const MPN_ID_MIN_DIGITS = 6;
export const MPN_ID_MAX_DIGITS = 8;

const MPN_PATTERN = new RegExp(`^[0-9]{${MPN_ID_MIN_DIGITS},${MPN_ID_MAX_DIGITS}}$`);

/** True for a well-formed MPN ID. Only ASCII digits count: full-width or other look-alikes do not. */
export function isMpnId(value: string): boolean {
  return MPN_PATTERN.test(value);
}
