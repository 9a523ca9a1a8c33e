/** The region every price in the catalog (catalog/instances.ts, plan/cost.ts) is quoted for. */
export const CATALOG_PRICE_REGION = "us-east-1";
