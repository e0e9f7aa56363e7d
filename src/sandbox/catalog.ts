/**
 * The new-commerce catalog the sandbox sells: products → SKUs → availabilities, whose
 * `catalogItemId` (`product:sku:availability`) is what carts order and what a subscription's
 * `offerId` carries (developer/product-resources.md, get-a-subscription-by-id.md).
 *
 * Seat limits are Partner Center's "Max Seat Count" per SKU, pooled across every subscription of
 * the SKU on one customer tenant (pricing-and-offers.md, "Offer limits in new commerce").
 */
export interface OfferTerm {
  duration: 'P1M' | 'P1Y' | 'P3Y';
  billingCycles: BillingCycle[];
}

export type BillingCycle = 'monthly' | 'annual' | 'triennial';

export interface OfferDefinition {
  productId: string;
  skuId: string;
  /** The availability currently sold; Microsoft warns these IDs change over time. */
  availabilityId: string;
  title: string;
  description?: string;
  minimumQuantity: number;
  maximumQuantity: number;
  terms: OfferTerm[];
  /** `product:sku` of the higher tiers a subscription of this offer may transition to. */
  upgradeTargets: string[];
  /** False for an offer that cannot auto-renew (PATCH with autoRenewEnabled=true then fails with 800093). */
  isRenewable?: boolean;
}

const SHORT_TERMS: OfferTerm[] = [
  { duration: 'P1Y', billingCycles: ['monthly', 'annual'] },
  { duration: 'P1M', billingCycles: ['monthly'] },
];
const WITH_TRIENNIAL: OfferTerm[] = [...SHORT_TERMS, { duration: 'P3Y', billingCycles: ['monthly', 'annual', 'triennial'] }];

function offer(productSku: string, availabilityId: string, title: string, max: number, upgradeTargets: string[], terms = SHORT_TERMS): OfferDefinition {
  const [productId = '', skuId = ''] = productSku.split(':');
  return { productId, skuId, availabilityId, title, minimumQuantity: 1, maximumQuantity: max, terms, upgradeTargets };
}

/** The default catalog: the common Microsoft 365 offers, with their real product and SKU IDs. */
export function defaultOffers(): OfferDefinition[] {
  return [
    offer('CFQ7TTC0LH18:0001', 'CFQ7TTC0K971', 'Microsoft 365 Business Basic', 300, ['CFQ7TTC0LDPB:0001', 'CFQ7TTC0LCHC:0002']),
    offer('CFQ7TTC0LDPB:0001', 'CFQ7TTC0LGNT', 'Microsoft 365 Business Standard', 300, ['CFQ7TTC0LCHC:0002']),
    offer('CFQ7TTC0LCHC:0002', 'CFQ7TTC0K78T', 'Microsoft 365 Business Premium', 300, []),
    offer('CFQ7TTC0LFLX:0001', 'CFQ7TTC0K39X', 'Microsoft 365 E3', 10000, ['CFQ7TTC0LFLZ:0001'], WITH_TRIENNIAL),
    offer('CFQ7TTC0LFLZ:0001', 'CFQ7TTC0KCSV', 'Microsoft 365 E5', 10000, [], WITH_TRIENNIAL),
    offer('CFQ7TTC0LH16:0001', 'CFQ7TTC0K4TS', 'Exchange Online (Plan 1)', 10000, ['CFQ7TTC0LH1P:0001']),
    offer('CFQ7TTC0LH1P:0001', 'CFQ7TTC0K5DM', 'Exchange Online (Plan 2)', 10000, []),
    offer('CFQ7TTC0RQ8W:0001', 'CFQ7TTC0QVFK', 'Microsoft Teams Essentials', 300, ['CFQ7TTC0LH18:0001']),
    offer('CFQ7TTC0LHSV:0001', 'CFQ7TTC0LHWM', 'Microsoft Defender for Business', 300, []),
    offer('CFQ7TTC0LH0Z:0001', 'CFQ7TTC0K18P', 'Microsoft 365 Apps for business', 300, ['CFQ7TTC0LDPB:0001']),
  ];
}

export type CatalogLookup =
  | { kind: 'current'; offer: OfferDefinition }
  /** The product and SKU exist but the availability is no longer sold (checkout: 400019). */
  | { kind: 'retired'; offer: OfferDefinition }
  | { kind: 'unknown' };

export class Catalog {
  private readonly byProductSku = new Map<string, OfferDefinition>();
  private readonly retiredAvailabilities = new Set<string>();
  private rotation = 0;

  constructor(offers: OfferDefinition[]) {
    for (const o of offers) this.byProductSku.set(productSkuKey(o.productId, o.skuId), { ...o, terms: o.terms.map((t) => ({ ...t })) });
  }

  offers(): OfferDefinition[] {
    return [...this.byProductSku.values()];
  }

  products(): Array<{ productId: string; title: string; offers: OfferDefinition[] }> {
    const products = new Map<string, { productId: string; title: string; offers: OfferDefinition[] }>();
    for (const o of this.byProductSku.values()) {
      const key = o.productId.toUpperCase();
      const product = products.get(key) ?? { productId: o.productId, title: o.title, offers: [] };
      product.offers.push(o);
      products.set(key, product);
    }
    return [...products.values()];
  }

  offer(productId: string, skuId: string): OfferDefinition | undefined {
    return this.byProductSku.get(productSkuKey(productId, skuId));
  }

  /** An offer by `product:sku` or `product:sku:availability` (case-insensitive, as Partner Center compares IDs). */
  lookup(catalogItemId: string): CatalogLookup {
    const [productId, skuId, availabilityId] = catalogItemId.split(':');
    if (!productId || !skuId || !availabilityId) return { kind: 'unknown' };
    const found = this.offer(productId, skuId);
    if (!found) return { kind: 'unknown' };
    if (found.availabilityId.toUpperCase() === availabilityId.toUpperCase()) return { kind: 'current', offer: found };
    if (this.retiredAvailabilities.has(`${productSkuKey(productId, skuId)}:${availabilityId.toUpperCase()}`)) return { kind: 'retired', offer: found };
    return { kind: 'unknown' };
  }

  /** As Microsoft does from time to time: the SKU gets a new availability ID, the old one stops selling. */
  rotateAvailability(productSku: string): string {
    const [productId = '', skuId = ''] = productSku.split(':');
    const found = this.offer(productId, skuId);
    if (!found) throw new RangeError(`no offer ${productSku} in the catalog`);
    this.retiredAvailabilities.add(`${productSkuKey(productId, skuId)}:${found.availabilityId.toUpperCase()}`);
    this.rotation += 1;
    found.availabilityId = `CFQ7TTC0R${String(this.rotation).padStart(3, '0')}`;
    return found.availabilityId;
  }
}

export function productSkuKey(productId: string, skuId: string): string {
  return `${productId.toUpperCase()}:${skuId.toUpperCase()}`;
}

export function catalogItemIdOf(o: OfferDefinition): string {
  return `${o.productId}:${o.skuId}:${o.availabilityId}`;
}

export function termOf(o: OfferDefinition, duration: string): OfferTerm | undefined {
  return o.terms.find((t) => t.duration === duration);
}

const TERM_DESCRIPTIONS: Record<string, string> = { P1M: 'One-Month commitment for monthly/annual billing', P1Y: 'One-Year commitment for monthly/annual billing', P3Y: 'Three-Year commitment for monthly/annual/triennial billing' };

function link(uri: string): { uri: string; method: string; headers: never[] } {
  return { uri, method: 'GET', headers: [] };
}

export function productWire(productId: string, title: string, country: string): Record<string, unknown> {
  return {
    id: productId,
    title,
    description: title,
    productType: { id: 'OnlineServices', displayName: 'OnlineServices' },
    isMicrosoftProduct: true,
    publisherName: 'Microsoft Corporation',
    links: { skus: link(`/products/${productId}/skus?country=${country}`), self: link(`/products/${productId}?country=${country}`) },
    attributes: { objectType: 'Product' },
  };
}

export function skuWire(o: OfferDefinition, country: string): Record<string, unknown> {
  return {
    id: o.skuId,
    productId: o.productId,
    title: o.title,
    description: o.description ?? o.title,
    minimumQuantity: o.minimumQuantity,
    maximumQuantity: o.maximumQuantity,
    isTrial: false,
    supportedBillingCycles: [...new Set(o.terms.flatMap((t) => t.billingCycles))],
    purchasePrerequisites: [],
    inventoryVariables: [],
    provisioningVariables: [],
    actions: [],
    dynamicAttributes: { isAddon: false, prerequisiteSkus: [], upgradeTargetOffers: o.upgradeTargets, hasConstraints: true },
    links: {
      availabilities: link(`/products/${o.productId}/skus/${o.skuId}/availabilities?country=${country}`),
      self: link(`/products/${o.productId}/skus/${o.skuId}?country=${country}`),
    },
    attributes: { objectType: 'Sku' },
  };
}

export function availabilityWire(o: OfferDefinition, country: string, currency: string): Record<string, unknown> {
  return {
    id: o.availabilityId,
    productId: o.productId,
    skuId: o.skuId,
    catalogItemId: catalogItemIdOf(o),
    defaultCurrency: { code: currency, symbol: currency },
    segment: 'commercial',
    country,
    isPurchasable: true,
    isRenewable: o.isRenewable !== false,
    terms: o.terms.flatMap((t) =>
      t.billingCycles.map((billingCycle) => ({ duration: t.duration, description: TERM_DESCRIPTIONS[t.duration] ?? t.duration, billingCycle, cancellationPolicies: [{ refunds: [{ type: 'Full', expiresAfter: 'P7D', sequenceId: 1 }] }] })),
    ),
    links: { self: link(`/products/${o.productId}/skus/${o.skuId}/availabilities/${o.availabilityId}?country=${country}`) },
    attributes: { objectType: 'Availability' },
  };
}
