/**
 * Named schemas: registered with the app (app.addSchema, by the openapi plugin) so routes reference
 * them with ref() and the OpenAPI document lists them under components/schemas, which is what
 * client generators turn into named types. A named schema must not nest another one that carries
 * an $id (reference it with ref() instead): the base shapes in src/schemas stay $id-free and are
 * named here, once.
 */
import { Type, type TSchema } from 'typebox';
import { ShipmentInput } from '../../schemas/shipment.js';
import { ScreeningResult } from '../../schemas/screening-result.js';
import { Disposition, DispositionBody, DispositionHistory, ScreeningPage, SealRunResponse, VerifyReport } from '../../schemas/audit.js';
import { SearchResponse } from '../../schemas/party-search.js';
import {
  CreateWebhookEndpointBody,
  UpdateWebhookEndpointBody,
  WebhookDelivery,
  WebhookDeliveryPage,
  WebhookEndpoint,
  WebhookEndpointList,
  WebhookEndpointWithSecret,
} from '../../schemas/webhooks.js';
import { ApiKeyCreated, ApiKeyList, CreateApiKeyBody } from './api-keys.js';
import { ClassifyBody, ClassifyResponse, MonitoringChangeSummary } from './screenings.js';
import { BatchResultLine } from '../../schemas/batch.js';
import { WEBHOOK_EVENT_SCHEMAS } from './webhook-events.js';

/** A copy of `schema` under a component name. */
function named<S extends TSchema>(id: string, schema: S): S & { $id: string } {
  return { ...schema, $id: id };
}

export const ShipmentSchema = named('Shipment', ShipmentInput);
export const ScreeningResultSchema = named('ScreeningResult', ScreeningResult);
export const StoredScreeningSchema = named(
  'StoredScreening',
  Type.Object({
    ...ScreeningResult.properties,
    shipment: ShipmentInput,
    screenedBy: Type.Union([Type.Object({ keyId: Type.String(), name: Type.String({ description: "The key's holder, else its name" }) }), Type.Null()]),
    dispositions: Type.Array(Disposition, { description: 'Oldest first' }),
    monitoring: MonitoringChangeSummary,
  }),
);
export const ClassifyRequestSchema = named('ClassifyRequest', ClassifyBody);
export const ClassifyResultSchema = named('ClassifyResult', ClassifyResponse);
export const ScreeningPageSchema = named('ScreeningPage', ScreeningPage);
export const DispositionRequestSchema = named('DispositionRequest', DispositionBody);
export const DispositionSchema = named('Disposition', Disposition);
export const DispositionHistorySchema = named('DispositionHistory', DispositionHistory);
export const CreateApiKeySchema = named('CreateApiKey', CreateApiKeyBody);
export const ApiKeyCreatedSchema = named('ApiKeyCreated', ApiKeyCreated);
export const ApiKeyListSchema = named('ApiKeyList', ApiKeyList);
export const PartySearchResultSchema = named('PartySearchResult', SearchResponse);
export const AuditVerifyReportSchema = named('AuditVerifyReport', VerifyReport);
export const SealRunSchema = named('SealRun', SealRunResponse);
export const BatchResultLineSchema = named('BatchResultLine', BatchResultLine);

export const COMPONENT_SCHEMAS: TSchema[] = [
  ShipmentSchema,
  ScreeningResultSchema,
  StoredScreeningSchema,
  ClassifyRequestSchema,
  ClassifyResultSchema,
  ScreeningPageSchema,
  DispositionRequestSchema,
  DispositionSchema,
  DispositionHistorySchema,
  CreateApiKeySchema,
  ApiKeyCreatedSchema,
  ApiKeyListSchema,
  PartySearchResultSchema,
  AuditVerifyReportSchema,
  SealRunSchema,
  WebhookEndpoint,
  WebhookEndpointWithSecret,
  WebhookEndpointList,
  CreateWebhookEndpointBody,
  UpdateWebhookEndpointBody,
  WebhookDelivery,
  WebhookDeliveryPage,
  BatchResultLineSchema,
  ...WEBHOOK_EVENT_SCHEMAS,
];
