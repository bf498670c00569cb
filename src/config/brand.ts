/**
 * The product's own name. Deliberately not "Magento …" and without Magento's logo or colours: the
 * sign-in page must not pass for Magento's admin, or phishing pages copying it would too.
 */
export const PRODUCT_NAME = 'Store Access Bridge';

export interface BrandModel {
  product: string;
  /** The store's name (BRAND_NAME), or null. */
  store: string | null;
  /** For <title>: "Store Access Bridge for Acme Outdoor". */
  full: string;
}

export function brandModel(storeName: string | null | undefined): BrandModel {
  const store = storeName?.trim() || null;
  return { product: PRODUCT_NAME, store, full: store ? `${PRODUCT_NAME} for ${store}` : PRODUCT_NAME };
}
