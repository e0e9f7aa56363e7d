/** The product catalog for a country, partner-wide and customer-scoped (the customer's country). */
import { availabilityWire, productWire, skuWire } from '../catalog.js';
import { countryRules } from '../country-rules.js';
import { pcError } from '../errors.js';
import { ok, type RequestContext, type RouteDefinition, type SandboxServices } from '../http.js';
import { collection } from '../wire.js';
import { customerOf } from './lookup.js';

export function catalogRoutes(services: SandboxServices): RouteDefinition[] {
  const { catalog } = services;

  const countryOf = (ctx: RequestContext): string => {
    if (ctx.params.customerId) return services.state.countryOf(customerOf(ctx, services));
    const country = ctx.query.get('country');
    if (!country) throw pcError('invalidInput', [], 'country is required.');
    if (!countryRules(country)) throw pcError('invalidInput', [], `country ${country} isn't valid.`);
    return country.toUpperCase();
  };
  const productOf = (ctx: RequestContext) => {
    const product = catalog.products().find((p) => p.productId.toUpperCase() === (ctx.params.productId ?? '').toUpperCase());
    if (!product) throw pcError('productNotFound');
    return product;
  };
  const offerOf = (ctx: RequestContext) => {
    const product = productOf(ctx);
    const offer = product.offers.find((o) => o.skuId.toUpperCase() === (ctx.params.skuId ?? '').toUpperCase());
    if (!offer) throw pcError('skuNotFound');
    return offer;
  };

  const handlers: Array<[string, (ctx: RequestContext) => unknown]> = [
    ['/products', (ctx) => {
      const country = countryOf(ctx);
      const view = ctx.query.get('targetView');
      // The catalog holds license-based online services only.
      const items = view && !/^(onlineservices|microsoft365)$/i.test(view) ? [] : catalog.products().map((p) => productWire(p.productId, p.title, country));
      return collection(items);
    }],
    ['/products/{productId}', (ctx) => {
      const product = productOf(ctx);
      return productWire(product.productId, product.title, countryOf(ctx));
    }],
    ['/products/{productId}/skus', (ctx) => {
      const country = countryOf(ctx);
      return collection(productOf(ctx).offers.map((o) => skuWire(o, country)));
    }],
    ['/products/{productId}/skus/{skuId}', (ctx) => skuWire(offerOf(ctx), countryOf(ctx))],
    ['/products/{productId}/skus/{skuId}/availabilities', (ctx) => {
      const country = countryOf(ctx);
      return collection([availabilityWire(offerOf(ctx), country, countryRules(country)?.currency ?? 'USD')]);
    }],
    ['/products/{productId}/skus/{skuId}/availabilities/{availabilityId}', (ctx) => {
      const offer = offerOf(ctx);
      if (offer.availabilityId.toUpperCase() !== (ctx.params.availabilityId ?? '').toUpperCase()) throw pcError('availabilityNotFound');
      const country = countryOf(ctx);
      return availabilityWire(offer, country, countryRules(country)?.currency ?? 'USD');
    }],
  ];
  return handlers.flatMap(([suffix, handler]) => [
    { method: 'GET' as const, pattern: `/v1${suffix}`, handle: (ctx: RequestContext) => ok(handler(ctx)) },
    { method: 'GET' as const, pattern: `/v1/customers/{customerId}${suffix}`, handle: (ctx: RequestContext) => ok(handler(ctx)) },
  ]);
}
