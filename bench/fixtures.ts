/** A typical shipment for benchmarks: 3 items, 4 parties, a route through a hub. */
export const typicalShipment = {
  reference: 'BENCH-0001',
  shipDate: '2026-11-30',
  items: [
    { model: 'NVIDIA H100 SXM5 80GB', quantity: 64, unitPriceUsd: 30000 },
    { model: 'NVIDIA L40S', quantity: 16, unitPriceUsd: 9000 },
    { model: 'Mellanox ConnectX-7 400G adapter', quantity: 64, hsCode: '8517.62', description: 'network adapter' },
  ],
  parties: [
    { role: 'buyer', name: 'Northwind Compute GmbH', country: 'DE', incorporatedOn: '2015-03-01', businessType: 'cloud' },
    { role: 'ultimate_consignee', name: 'Northwind Compute GmbH Frankfurt DC', country: 'DE' },
    { role: 'freight_forwarder', name: 'Rhein Logistics AG', country: 'DE' },
    { role: 'payer', name: 'Northwind Compute GmbH', country: 'DE' },
  ],
  route: { origin: 'US', via: ['NL'], destination: 'DE' },
  endUse: 'Cloud GPU instances for commercial customers',
};
