/**
 * Named schemas: registered with the app (app.addSchema) so routes reference them with ref() and
 * the OpenAPI document lists them under components/schemas for client generators. A schema here
 * must not nest another one with an $id inline (reference it with ref() instead).
 */
import {
  CreateWebhookEndpointBody,
  UpdateWebhookEndpointBody,
  WebhookDelivery,
  WebhookDeliveryPage,
  WebhookEndpoint,
  WebhookEndpointList,
  WebhookEndpointWithSecret,
} from '../../schemas/webhooks.js';

export const COMPONENT_SCHEMAS = [
  WebhookEndpoint,
  WebhookEndpointWithSecret,
  WebhookEndpointList,
  CreateWebhookEndpointBody,
  UpdateWebhookEndpointBody,
  WebhookDelivery,
  WebhookDeliveryPage,
];
