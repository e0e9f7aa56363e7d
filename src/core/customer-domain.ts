/** Domain prefix rules, SPEC §1.4: 1–27 ASCII letters and digits, compared lower-case. */
export const DOMAIN_PREFIX_MAX = 27;
const DOMAIN_PATTERN = new RegExp(`^[a-z0-9]{1,${DOMAIN_PREFIX_MAX}}$`);

/** `Contoso.onmicrosoft.com` → `contoso`; returns the lower-cased prefix (not yet validated). */
export function domainPrefixOf(value: string): string {
  const lower = value.trim().toLowerCase();
  return lower.endsWith('.onmicrosoft.com') ? lower.slice(0, -'.onmicrosoft.com'.length) : lower;
}

export function isDomainPrefix(value: string): boolean {
  return DOMAIN_PATTERN.test(value);
}

export function adminUserName(domain: string): string {
  return `admin@${domain}.onmicrosoft.com`;
}
