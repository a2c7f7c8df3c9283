/** Continuous monitoring: runs and what they found. */
import { Type } from 'typebox';
import { Decision, RulesetRef } from './screening-result.js';

export const MonitoringRunSummary = Type.Object({
  id: Type.String(),
  trigger: Type.String({ description: 'activation (start-up, reload, list import), effective_date (a dated rule came into force) or licence (a licence was amended or revoked: the screenings that drew on it)' }),
  licence: Type.Optional(
    Type.Object(
      { id: Type.String(), version: Type.Integer({ minimum: 1 }) },
      { description: 'A `licence` run: the licence amended or revoked (GET /v1/licences/{id}) and the version of it the run screened against' },
    ),
  ),
  status: Type.String({ description: 'running, completed, or superseded (a newer ruleset became active first; its own run covers the same screenings)' }),
  ruleset: RulesetRef,
  asOf: Type.String({ format: 'date', description: 'Screenings shipping on or after this date are covered' }),
  windowStart: Type.String({ format: 'date-time', description: 'Screenings stored since then are covered too (MONITOR_WINDOW_DAYS)' }),
  total: Type.Integer({ description: 'Screenings in the run’s scope, fixed when it started' }),
  rescreened: Type.Integer(),
  changed: Type.Integer({ description: 'Re-screens whose decision differs from where the screening stood' }),
  errors: Type.Integer({ description: 'Stored requests that no longer normalise under the new ruleset (recorded, not skipped)' }),
  createdAt: Type.String({ format: 'date-time' }),
  finishedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  lastError: Type.Union([Type.String(), Type.Null()], {
    description: 'Why the runner last stopped on a running run (database unavailable, the webhook queue refused an event), with when; it tries again by itself. Null once the run completed',
  }),
});

export const MonitoringChange = Type.Object({
  screeningId: Type.String(),
  reference: Type.String(),
  from: Decision,
  to: Decision,
  flagsAdded: Type.Array(Type.String(), { description: '"<ruleId> <subject>" of each flag that appeared (info flags left out)' }),
  flagsRemoved: Type.Array(Type.String(), { description: '"<ruleId> <subject>" of each flag that went away' }),
  at: Type.String({ format: 'date-time' }),
  seq: Type.Integer({ description: 'The screening’s audit seq; pass as `after` for the next page' }),
});

export const MonitoringRun = Type.Object({
  ...MonitoringRunSummary.properties,
  changes: Type.Array(MonitoringChange, { description: 'Changed decisions, in screening order' }),
  nextAfter: Type.Union([Type.Integer(), Type.Null()], { description: 'Pass as `after` for more changes; null when none are left' }),
});

export const MonitoringRunPage = Type.Object({
  items: Type.Array(MonitoringRunSummary),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
});

export const ListMonitoringRunsQuery = Type.Object(
  {
    cursor: Type.Optional(Type.String({ maxLength: 200 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
  },
  { additionalProperties: false },
);

export const MonitoringRunQuery = Type.Object(
  {
    after: Type.Optional(Type.Integer({ minimum: 0, description: 'Changes after this screening seq' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
  },
  { additionalProperties: false },
);

export const MonitoringRunParams = Type.Object({ id: Type.String({ format: 'uuid', description: 'Monitoring run id' }) });

export const OpenChange = Type.Object({
  screeningId: Type.String(),
  reference: Type.String(),
  from: Decision,
  to: Decision,
  runId: Type.String({ description: 'The monitoring run that made the latest change' }),
  changedAt: Type.String({ format: 'date-time' }),
  awaitingApproval: Type.Boolean({
    description: "A clearance recorded since the change waits for a second reviewer's approval (FOUR_EYES_DECISIONS): the change stays open until it is approved",
  }),
});

export const OpenChangesPage = Type.Object(
  {
    total: Type.Integer({ minimum: 0, description: 'All such screenings; `items` holds the oldest changes first, up to `limit`' }),
    items: Type.Array(OpenChange),
  },
  { description: 'Screenings whose latest monitoring change is to REVIEW, LICENSE_REQUIRED or BLOCK, with no final disposition since that change (a clearance awaiting four-eyes approval is not final)' },
);

export const OpenChangesQuery = Type.Object(
  { limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })) },
  { additionalProperties: false },
);
