/**
 * A deterministic corpus of varied shipments for the engine's golden test (golden-engine.test.ts): a seeded
 * generator over catalog chips and systems, unmatched models, specs, declared ECCNs, HS codes and descriptions,
 * countries (codes and names), party roles and details (listed names of the fixture lists, owners, addresses,
 * incorporation dates), routes through hubs, end uses, permits and licence-exception claims, payments, the
 * exporter's licences and reviewed false positives. Same seed ⇒ same corpus, so a recorded result per case
 * pins down what the engine decided before it was optimised.
 */
import type { LicenceCandidate } from '../../src/schemas/licence.js';
import type { SuppressionRecord } from '../../src/schemas/screening-result.js';
import type { ShipmentInput } from '../../src/schemas/shipment.js';
import { entryContentHash, partyNameKey } from '../../src/engine/suppressions.js';
import { FIXTURE_ENTRIES } from './fixtures.js';

export interface GoldenCase {
  id: number;
  ruleset: 'default' | 'ecfr_letter' | 'no_lists';
  input: ShipmentInput;
  today: string;
  now: string;
  licences: LicenceCandidate[];
  suppressions: SuppressionRecord[];
}

/** mulberry32: small, fast, and the same on every platform. */
function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1));
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
  const chance = (p: number) => next() < p;
  const some = <T>(xs: readonly T[], max: number): T[] => Array.from({ length: int(0, max) }, () => pick(xs));
  return { next, int, pick, chance, some };
}

const MODELS = [
  'NVIDIA H100 SXM5 80GB', 'NVIDIA H800 SXM5 80GB', 'H100 PCIe', 'NVIDIA H20 96GB', 'H200 NVL', 'NVIDIA L40S', 'L20 48GB', 'NVIDIA L4',
  'L2', 'GeForce RTX 4090', 'RTX 4090D', 'RTX 5090 D v2', 'A100 80GB', 'A800 PCIe', 'B200', 'GB200 NVL72', 'Blackwell Ultra', 'AMD Instinct MI300X',
  'MI308X', 'MI250X', 'Intel Gaudi 3', 'Gaudi2', 'Huawei Ascend 910B', 'Ascend 910C', 'DGX H100', 'HGX H20 8-GPU', 'HGX H100 4-GPU', 'MI300X platform',
  '4U server with 8x L40S', 'H100 x8', '8-GPU HGX B200 node', '8xH100 server', 'Dell PowerEdge XE9680 with 8 H200', 'Acme NPU', 'Mellanox ConnectX-7 400G adapter',
  'Generic server chassis', 'nvidia h100 sxm', 'NVIDIA A100', 'rack of 4 x B300 nodes',
];
const PART_NUMBERS = ['699-2G506-0210-300', '900-21001-0000-000', '900-21010-0000-000', '900-2G133-0080-000', '900-2G193-0000-000', 'XYZ-123'];
const ECCNS = ['3A090.a', '3a090a', '4A090', 'EAR99', 'ear 99', '3A991.p', '5A992.c', '4A994.l', 'n/a', '3A001.z', '5A002.z', '3A090(b)', '4A003'];
const HS = ['8473.30', '8471.80', '8542.31', '8504', '8544', '8517.62', '9503', '847130'];
const DESCRIPTIONS = ['GPU accelerator', 'network adapter', 'spare parts', 'samples', 'computer accessories', 'NVIDIA H100 board', 'H20 module', 'toys', 'server', 'controller modules'];
const COUNTRIES = ['US', 'DE', 'SG', 'MY', 'CN', 'HK', 'MO', 'AE', 'IR', 'RU', 'KP', 'IN', 'VN', 'TW', 'NL', 'JP', 'PK', 'BY', 'CU', 'GB', 'FR', 'SA', 'TH', 'IL', 'KR', 'SY', 'ID', 'KZ', 'TR', 'MX'];
const COUNTRY_NAMES = ['Germany', 'Deutschland', 'United Arab Emirates', 'Hong Kong', 'Malaysia', "People's Republic of China", 'DEU', 'SGP', 'Singapur', 'UAE'];
const ROLES = ['buyer', 'intermediate_consignee', 'ultimate_consignee', 'end_user', 'freight_forwarder', 'payer', 'exporter'] as const;
const LISTED = FIXTURE_ENTRIES.map((e) => e.name);
const NAMES = [
  ...LISTED, 'Sophgo Technologies', 'SOPHGO TECHNOLOGIES PTE LTD', 'Denied Export Trading', 'Northwind Compute GmbH', 'Example Cloud Pte. Ltd.', 'Fast Freight Pte Ltd',
  'KL Compute Sdn Bhd', 'Golden Pay Ltd', 'Rhein Logistics AG', 'Blue Ocean Shipping', 'Acme Research University', 'Shenzhen Bright Trading Co', 'Global Cargo Courier',
  'Tokyo AI Labs KK', 'Quantum Supercomputing Center', 'Hyperscale Cloud Inc',
];
const BUSINESS = ['cloud', 'datacenter', 'trading', 'logistics', 'research', 'oem', 'general_trader', 'retail', 'individual', 'freight_forwarder', 'system_integrator', 'Import-Export', undefined];
const ADDRESSES = ['Unit 5, Jalan Example', 'Apartment 12, Sunny Residence', 'Villa 3, Palm Road', '1 Industrial Park', 'Flat 4B, Harbour Tower', undefined];
const END_USES = [
  'AI model training', 'Cloud compute service', 'Cloud GPU instances for commercial customers', 'n/a', 'TBD', 'resale', 'supercomputer for weather research',
  'LLM fine-tuning', 'HPC cluster', 'military simulation', 'gaming', 'general purpose', '', '  ', undefined, undefined,
];
const PERMITS = ['MY_STP', 'LOCAL_IMPORT_PERMIT', 'HK_IMPORT_LICENCE', 'SG_IMPORT_PERMIT', 'AE_IMPORT_PERMIT', 'END_USER_STATEMENT', 'BIS_LICENCE', 'LE_NAC', 'LE_ACA', 'LE_HBM', 'LE_AIA', 'LE_ACM', 'my_stp'];
const PAYMENT = ['wire', 'letter_of_credit', 'cash', 'crypto', 'Money Order', 'hawala', undefined];
const SHIP_DATES = ['2026-11-30', '2026-12-15', '2026-01-20', '2025-06-01', '2025-01-10', '2024-06-01', '2023-11-20', '2022-12-01', '2026-11-28', undefined];
const LICENCE_NUMBERS = ['D1234567', 'D7654321', 'd1234567'];

function item(r: ReturnType<typeof rng>): ShipmentInput['items'][number] {
  const it: ShipmentInput['items'][number] = { quantity: r.pick([1, 2, 8, 16, 64, 100, 500, 1000, 2000, 12000]) };
  const kind = r.next();
  if (kind < 0.6) it.model = r.pick(MODELS);
  else if (kind < 0.7) it.partNumber = r.pick(PART_NUMBERS);
  else if (kind < 0.85) {
    it.model = r.pick(['Acme NPU', 'Custom accelerator', 'Edge AI card']);
    it.specs = {
      ...(r.chance(0.8) ? { tops: r.chance(0.5) ? { fp16: r.pick([50, 185, 400, 989.5]), int8: r.pick([100, 370, 1979]) } : { tf32: 300, fp8: r.pick([600, 1500]) } } : { tpp: r.pick([1000, 2400, 4799, 4800, 6000]) }),
      ...(r.chance(0.6) ? { dieAreaMm2: r.pick([300, 500, 814]) } : {}),
      ...(r.chance(0.7) ? { datacenter: r.chance(0.5) } : {}),
      ...(r.chance(0.5) ? { memoryBandwidthGBps: r.pick([900, 2000, 4000, 8000]) } : {}),
    };
  } else if (kind < 0.95) {
    it.model = r.pick(['Widget board', 'Server part']);
    it.eccn = r.pick(ECCNS);
  } else it.model = 'Unknown thing';
  if (r.chance(0.6)) it.unitPriceUsd = r.pick([50, 800, 9000, 12000, 30000, 90000]);
  if (r.chance(0.25) && it.eccn === undefined) it.eccn = r.pick(ECCNS);
  if (r.chance(0.35)) it.hsCode = r.pick(HS);
  if (r.chance(0.35)) it.description = r.pick(DESCRIPTIONS);
  if (r.chance(0.05) && it.partNumber === undefined) it.partNumber = r.pick(PART_NUMBERS);
  return it;
}

type PartyInput = NonNullable<ShipmentInput['parties']>[number];

function party(r: ReturnType<typeof rng>): PartyInput {
  const p: PartyInput = { role: r.pick(ROLES), name: r.pick(NAMES) };
  if (r.chance(0.9)) p.country = r.chance(0.1) ? r.pick(COUNTRY_NAMES) : r.pick(COUNTRIES);
  if (r.chance(0.25)) p.headquartersCountry = r.pick(COUNTRIES);
  if (r.chance(0.3)) p.incorporatedOn = r.pick(['2024-05-01', '2026-06-01', '2015-03-01', '2025-12-01', '2026-10-30']);
  const b = r.pick(BUSINESS);
  if (b !== undefined) p.businessType = b;
  if (r.chance(0.4)) p.website = r.pick(['example.com', ' ', 'acme.cn']);
  const a = r.pick(ADDRESSES);
  if (a !== undefined) p.address = a;
  if (r.chance(0.1)) p.partyId = r.pick(['C-1', 'C-2', 'V-9']);
  if (r.chance(0.15)) p.owners = Array.from({ length: r.int(1, 3) }, () => ({ name: r.pick(NAMES), share: r.pick([10, 25, 30, 50, 60, 100]), ...(r.chance(0.8) ? { country: r.pick(COUNTRIES) } : {}) }));
  return p;
}

function licence(r: ReturnType<typeof rng>, i: number, input: ShipmentInput): LicenceCandidate {
  const parties = (input.parties ?? []).filter(() => r.chance(0.6)).map((p) => ({ role: p.role, name: r.chance(0.8) ? p.name : `${p.name} (other)`, country: p.country ?? 'US' }));
  return {
    id: `lic-${i}`,
    number: r.pick(LICENCE_NUMBERS),
    status: r.chance(0.85) ? 'active' : 'revoked',
    eccns: r.some(['3A090', '4A090', '3A090.a', '3A991.p', '5A992'], 2).concat('3A090'),
    chips: r.chance(0.3) ? ['nvidia-h100-sxm'] : [],
    destination: r.chance(0.7) ? input.route.destination : r.pick(COUNTRIES),
    parties,
    quantity: r.chance(0.5) ? r.pick([10, 100, 5000]) : null,
    valueUsd: r.chance(0.5) ? r.pick([1e5, 1e7, 1e9]) : null,
    validFrom: r.pick(['2024-01-01', '2026-12-01']),
    validTo: r.pick(['2025-06-30', '2027-12-31']),
    quantityDrawn: r.pick([0, 5, 90]),
    valueDrawnUsd: r.pick([0, 50000]),
  };
}

function suppression(r: ReturnType<typeof rng>, i: number, p: PartyInput): SuppressionRecord {
  const entry = FIXTURE_ENTRIES.find((e) => e.name === p.name) ?? r.pick(FIXTURE_ENTRIES);
  const byId = p.partyId !== undefined && r.chance(0.5);
  return {
    id: `sup-${i}`,
    partyId: byId ? p.partyId! : null,
    partyNameKey: byId ? null : partyNameKey(p.name),
    partyCountry: byId ? null : (p.country ?? null),
    entryId: entry.id,
    entryHash: r.chance(0.75) ? entryContentHash(entry) : 'sha256:stale',
    justification: 'different company',
    by: 'key-1',
    at: '2026-01-01T00:00:00.000Z',
    expiresAt: r.pick(['2027-01-01T00:00:00.000Z', '2026-06-01T00:00:00.000Z']),
  };
}

export function goldenCorpus(count: number, seed = 20261202): GoldenCase[] {
  const r = rng(seed);
  const out: GoldenCase[] = [];
  for (let id = 0; id < count; id++) {
    const shipDate = r.pick(SHIP_DATES);
    const via = r.some(COUNTRIES, 3);
    const origin = r.pick(['US', 'US', 'TW', 'CN', 'KR', 'IL', undefined]);
    const endUse = r.pick(END_USES);
    const method = r.pick(PAYMENT);
    const pay = r.chance(0.4) ? { ...(method !== undefined ? { method } : {}), ...(r.chance(0.7) ? { country: r.pick(COUNTRIES) } : {}) } : undefined;
    const input: ShipmentInput = {
      reference: `GOLD-${id}`,
      ...(shipDate !== undefined ? { shipDate } : {}),
      items: Array.from({ length: r.int(1, 4) }, () => item(r)),
      ...(r.chance(0.92) ? { parties: Array.from({ length: r.int(0, 5) }, () => party(r)) } : {}),
      route: {
        ...(origin !== undefined ? { origin } : {}),
        ...(via.length > 0 || r.chance(0.2) ? { via } : {}),
        destination: r.chance(0.08) ? r.pick(COUNTRY_NAMES) : r.pick(COUNTRIES),
      },
      ...(endUse !== undefined ? { endUse } : {}),
      ...(r.chance(0.4) ? { permits: r.some(PERMITS, 3).map((type) => ({ type, ...(r.chance(0.6) ? { number: r.pick([...LICENCE_NUMBERS, 'N-42', ' ']) } : {}) })) } : {}),
      ...(pay ? { payment: pay } : {}),
      ...(r.chance(0.15) ? { servicesDeclined: r.chance(0.7) } : {}),
      ...(r.chance(0.2) ? { retrospective: r.chance(0.7) } : {}),
      ...(r.chance(0.25) ? { newCustomer: r.chance(0.6) } : {}),
    };
    const ruleset = r.chance(0.8) ? 'default' : r.chance(0.5) ? 'ecfr_letter' : 'no_lists';
    const licences = r.chance(0.3) ? Array.from({ length: r.int(1, 3) }, (_, i) => licence(r, i, input)) : [];
    const suppressions = r.chance(0.2) ? (input.parties ?? []).filter(() => r.chance(0.7)).map((p, i) => suppression(r, i, p)) : [];
    // One case in six is a plain commercial shipment (catalog items below the controls or none at all, known
    // cloud parties in an allied country, no route hubs): the corpus needs CLEAR decisions too.
    if (r.chance(1 / 6)) {
      const dest = r.pick(['DE', 'JP', 'GB', 'FR', 'US', 'NL']);
      input.items = Array.from({ length: r.int(1, 3) }, () => ({ model: r.pick(['NVIDIA L4', 'L2', 'Generic server chassis', 'NVIDIA L40S', 'RTX 4090', 'H100 SXM5']), quantity: r.pick([1, 4, 16]), ...(r.chance(0.5) ? { unitPriceUsd: 2000 } : {}) }));
      input.parties = [
        { role: 'buyer', name: 'Northwind Compute GmbH', country: dest, businessType: 'cloud', website: 'example.com', incorporatedOn: '2015-03-01' },
        { role: 'end_user', name: 'Hyperscale Cloud Inc', country: dest, businessType: 'datacenter', website: 'example.com' },
      ];
      input.route = { origin: 'US', destination: dest };
      input.endUse = 'Cloud compute service';
      delete input.payment;
      delete input.permits;
      delete input.servicesDeclined;
    }
    out.push({ id, ruleset, input, today: '2026-11-28', now: '2026-11-28T12:00:00.000Z', licences, suppressions });
  }
  return out;
}
