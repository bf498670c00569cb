// Sample catalogue, orders and customers served by the emulator. Fresh copies per emulator.
export function createSampleData() {
  const products = [
    {
      id: 1,
      sku: 'MB-01',
      name: 'Joust Duffle Bag',
      price: 34,
      status: 1,
      type_id: 'simple',
      attribute_set_id: 15,
      visibility: 4,
    },
    {
      id: 2,
      sku: 'MB-02',
      name: 'Strive Shoulder Pack',
      price: 32,
      status: 1,
      type_id: 'simple',
      attribute_set_id: 15,
      visibility: 4,
    },
    {
      id: 3,
      sku: 'ABC/10',
      name: 'Slash SKU Tee',
      price: 19.5,
      status: 1,
      type_id: 'simple',
      attribute_set_id: 9,
      visibility: 4,
    },
    {
      id: 4,
      sku: 'WS-RED L',
      name: 'Red Shirt L',
      price: 25,
      status: 2,
      type_id: 'simple',
      attribute_set_id: 9,
      visibility: 1,
    },
    {
      id: 5,
      sku: 'CFG-1',
      name: 'Configurable Hoodie',
      price: 54,
      status: 1,
      type_id: 'configurable',
      attribute_set_id: 9,
      visibility: 4,
    },
  ];
  const names: Record<string, Record<string, string>> = { fr: { 'MB-01': 'Sac Joust' } };
  const customers = [
    { id: 1, email: 'roni@example.com', firstname: 'Veronica', lastname: 'Costello', group_id: 1, website_id: 1 },
    { id: 2, email: 'jane@example.com', firstname: 'Jane', lastname: 'Doe', group_id: 1, website_id: 1 },
  ];
  const orders = [
    {
      entity_id: 1,
      increment_id: '000000001',
      status: 'pending',
      customer_id: 1,
      grand_total: 66,
      items: [
        { sku: 'MB-01', qty_ordered: 1 },
        { sku: 'MB-02', qty_ordered: 1 },
      ],
      status_histories: [] as unknown[],
    },
    {
      entity_id: 2,
      increment_id: '000000002',
      status: 'processing',
      customer_id: 2,
      grand_total: 19.5,
      items: [{ sku: 'ABC/10', qty_ordered: 1 }],
      status_histories: [] as unknown[],
    },
  ];
  const stock: Record<string, number> = { 'MB-01': 100, 'MB-02': 0, 'ABC/10': 7, 'WS-RED L': 3, 'CFG-1': 0 };
  const stores = [
    {
      id: 1,
      code: 'default',
      website_id: 1,
      locale: 'en_US',
      base_currency_code: 'USD',
      default_display_currency_code: 'USD',
      timezone: 'America/Chicago',
      weight_unit: 'lbs',
    },
    {
      id: 2,
      code: 'fr',
      website_id: 1,
      locale: 'fr_FR',
      base_currency_code: 'USD',
      default_display_currency_code: 'EUR',
      timezone: 'Europe/Paris',
      weight_unit: 'kgs',
    },
  ];
  return { products, names, customers, orders, stock, stores };
}

export type SampleData = ReturnType<typeof createSampleData>;
