/**
 * The shop's arithmetic, as pure functions (unit-tested in pricing.test.ts): shipping by
 * destination zone, package weight and delivery speed; discounts; tax per destination; the order
 * total. Money is integer cents throughout (no floating-point sums), rounded once per step.
 */

export type Speed = 'standard' | 'express' | 'overnight';
export type Zone = 'domestic' | 'eu' | 'world';

/** Where the shop ships from (ISO 3166-1 alpha-2). */
export const HOME_COUNTRY = 'DE';
const EU = new Set(['AT', 'BE', 'BG', 'CY', 'CZ', 'DK', 'EE', 'ES', 'FI', 'FR', 'GR', 'HR', 'HU', 'IE', 'IT', 'LT', 'LU', 'LV', 'MT', 'NL', 'PL', 'PT', 'RO', 'SE', 'SI', 'SK']);

export function zoneOf(country: string): Zone {
  const c = country.toUpperCase();
  if (c === HOME_COUNTRY) return 'domestic';
  return EU.has(c) ? 'eu' : 'world';
}

/** Per zone: a base price and a price per started 500 g, in cents. */
const RATES: Record<Zone, { base: number; per500g: number }> = {
  domestic: { base: 490, per500g: 50 },
  eu: { base: 990, per500g: 120 },
  world: { base: 1990, per500g: 350 },
};
/** Speed surcharge in percent of the standard price; overnight only within the country. */
const SPEED_PERCENT: Record<Speed, number> = { standard: 100, express: 180, overnight: 300 };
/** Above this the parcel service refuses the package. */
export const MAX_WEIGHT_GRAMS = 31_500;

export class PricingError extends Error {}

export interface ShippingInput {
  country: string;
  weightGrams: number;
  speed: Speed;
}

/** Shipping cost in cents. Throws PricingError for a parcel the service cannot take. */
export function shippingCost({ country, weightGrams, speed }: ShippingInput): number {
  if (!Number.isInteger(weightGrams) || weightGrams < 0) throw new PricingError('The weight must be a whole number of grams.');
  if (weightGrams > MAX_WEIGHT_GRAMS) throw new PricingError(`Parcels over ${MAX_WEIGHT_GRAMS / 1000} kg cannot be shipped.`);
  const zone = zoneOf(country);
  if (speed === 'overnight' && zone !== 'domestic') throw new PricingError('Overnight delivery is only available within the country.');
  const rate = RATES[zone];
  const standard = rate.base + Math.ceil(weightGrams / 500) * rate.per500g;
  return Math.ceil((standard * SPEED_PERCENT[speed]) / 100);
}

export interface Discount {
  kind: 'percent' | 'fixed';
  /** Percent (1-100) or cents. */
  value: number;
}

/** The discount in cents for `subtotal`: never more than the subtotal. */
export function discountAmount(subtotal: number, discount: Discount | undefined): number {
  if (!discount) return 0;
  const off = discount.kind === 'percent' ? Math.floor((subtotal * Math.min(100, Math.max(0, discount.value))) / 100) : Math.max(0, discount.value);
  return Math.min(subtotal, off);
}

export interface QuoteLine {
  unitPrice: number;
  qty: number;
  weightGrams: number;
}

export interface QuoteInput {
  lines: readonly QuoteLine[];
  country: string;
  speed: Speed;
  discount?: Discount;
  /** The destination's tax rate in basis points (1900 = 19 %); 0 where none applies. */
  taxRateBp: number;
}

export interface Quote {
  subtotal: number;
  discount: number;
  shipping: number;
  tax: number;
  total: number;
  weightGrams: number;
}

/** Prices are net; tax is charged on the discounted goods and the shipping, as VAT is. */
export function quote(input: QuoteInput): Quote {
  const subtotal = input.lines.reduce((sum, l) => sum + l.unitPrice * l.qty, 0);
  const weightGrams = input.lines.reduce((sum, l) => sum + l.weightGrams * l.qty, 0);
  const discount = discountAmount(subtotal, input.discount);
  const shipping = shippingCost({ country: input.country, weightGrams, speed: input.speed });
  const tax = Math.round(((subtotal - discount + shipping) * input.taxRateBp) / 10_000);
  return { subtotal, discount, shipping, tax, total: subtotal - discount + shipping + tax, weightGrams };
}
