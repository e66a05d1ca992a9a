import * as z from 'zod';

/**
 * The messages the state machine carries from one step to the next, one schema each. The producing
 * step builds its output as the type derived here; the consuming step parses its input with the same
 * schema (or a `pick` of it), so renaming a field is a compile error wherever it is used, never a
 * surprise at run time. Schemas say only what the steps promise each other; each step's handler adds
 * nothing of its own.
 */

const count = z.number().int().min(0);
const batchId = z.string().regex(/^[A-Za-z0-9_.:-]{1,80}$/, 'letters, digits and _ . : - only, at most 80');
const logicalDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD');
/** An incremental cursor: a timestamp or id the API pages from. */
const cursorValue = z.union([z.string(), z.number()]);

/** The fields every per-resource step receives: which resource of which batch. */
export const batchStepFields = {
  source: z.string().min(1),
  resource: z.string().min(1),
  batchId,
  logicalDate,
};

// the schedule or an operator → plan

/** What starts a run: the schedule passes its scheduled time; an operator may pass a date and sources. */
export const runRequestSchema = z
  .object({
    /** ISO time the schedule fired for (EventBridge Scheduler's `<aws.scheduler.scheduled-time>`). */
    scheduledTime: z.string().optional(),
    /** YYYY-MM-DD, for a backfill or a re-run of a given day; wins over the scheduled time. */
    logicalDate: z.string().optional(),
    /** Only these sources (default: every source enabled for the environment). */
    sources: z.array(z.string().min(1)).optional(),
    /** Only these resources of the chosen sources, including ones that are off by default. */
    resources: z.array(z.string().min(1)).optional(),
    /**
     * Fetch the logical date's own window (a past day), not from the committed cursor, and leave the
     * cursor where it is; only resources that can (docs/sources.md, "Backfill") take part.
     */
    backfill: z.boolean().optional(),
  })
  .loose();
export type RunRequest = z.infer<typeof runRequestSchema>;

/** The state machine passes the execution's input as it came, and its name as the batch id. */
export const planEventSchema = z.object({ batchId, input: runRequestSchema.nullish() });
export type PlanEvent = z.input<typeof planEventSchema>;

// plan → run lease, extract

export const plannedResourceSchema = z.object({ source: z.string().min(1), resource: z.string().min(1) });
export type PlannedResource = z.infer<typeof plannedResourceSchema>;

export const runPlanSchema = z.object({
  batchId,
  logicalDate,
  resources: z.array(plannedResourceSchema),
  /** The run fetches its day's window and commits no cursor (always present: the state machine reads it). */
  backfill: z.boolean(),
});
export type RunPlan = z.infer<typeof runPlanSchema>;

// extract → extract (continuation), validate (page groups), reconcile, commit-state

/** Where a paginator stands between two pages. */
export const pageStateSchema = z
  .object({
    offset: z.number().optional(),
    page: z.number().optional(),
    cursor: z.string().optional(),
    nextUrl: z.string().optional(),
  })
  .strict();
export type PageState = z.infer<typeof pageStateSchema>;

/** A partition whose walk paused mid-way, and where it resumes. */
export const pausedPartitionSchema = z.object({
  partition: z.number().int().min(0),
  state: pageStateSchema,
  nextPage: z.number().int().min(1),
});
export type PausedPartition = z.infer<typeof pausedPartitionSchema>;

/** What the next invocation needs to go on where this one stopped (small: it travels in Step Functions). */
export const continuationSchema = z.object({
  nextPartition: z.number().int().min(0),
  paused: z.array(pausedPartitionSchema),
  startCursor: cursorValue.optional(),
  stateEtag: z.string().optional(),
});
export type Continuation = z.infer<typeof continuationSchema>;

/** A run of consecutive manifest pages that one validate invocation takes. */
export const pageGroupSchema = z.object({
  index: z.number().int().min(0),
  /** Position of the group's first page in the manifest (0-based). */
  first: z.number().int().min(0),
  count: z.number().int().positive(),
});
export type PageGroup = z.infer<typeof pageGroupSchema>;

export const extractEventSchema = z
  .object({
    ...batchStepFields,
    continuation: continuationSchema.nullish(),
    maxPagesPerInvocation: z.number().int().positive().optional(),
    /** Fetch the logical date's window instead of going on from the committed cursor (a backfill). */
    backfill: z.boolean().nullish(),
  })
  .loose();
export type ExtractEvent = z.input<typeof extractEventSchema>;

export const extractResultSchema = z.object({
  source: z.string(),
  resource: z.string(),
  batchId: z.string(),
  logicalDate: z.string(),
  /** False when a continuation must be passed to the next invocation. */
  done: z.boolean(),
  continuation: continuationSchema.optional(),
  manifestKey: z.string(),
  /** Raw keys landed by this invocation (emptied by the state machine: the manifest lists them all). */
  pageKeys: z.array(z.string()),
  /** Totals over the whole batch so far. */
  pages: count,
  /** Pages landed whose body could not be read as records (always 0 for a result: such a page fails extract). */
  unreadablePages: count,
  records: count,
  startCursor: cursorValue.optional(),
  /** The cursor to commit once the whole run has succeeded; extract itself never commits it. */
  pendingCursor: cursorValue.optional(),
  /** ETag of the committed state this run started from, for the conditional commit. */
  stateEtag: z.string().optional(),
  /** Once done: the page groups validate should take, one invocation each (docs/contracts.md). */
  pageGroups: z.array(pageGroupSchema).optional(),
  retries: count,
  durationMs: z.number().min(0),
});
export type ExtractResult = z.infer<typeof extractResultSchema>;

// validate → reconcile

export const validateEventSchema = z
  .object({ ...batchStepFields, pageGroup: pageGroupSchema.optional() })
  .loose();
export type ValidateEvent = z.input<typeof validateEventSchema>;

export const validateResultSchema = z.object({
  source: z.string(),
  resource: z.string(),
  batchId: z.string(),
  inputRecords: count,
  validRecords: count,
  rejectedRecords: count,
  /** Pages that could not be read as records at all (quarantined whole; not in inputRecords). */
  quarantinedPages: count,
  /** The group's pages, each read or counted: reconcile compares them with the pages extract landed. */
  pages: count,
  /** The quarantined pages and why (the first 3: every one is in the reject file). */
  unreadable: z.array(z.object({ key: z.string(), problem: z.string() })),
  tables: z.record(z.string(), z.object({ rows: count, keys: z.array(z.string()) })),
  rejectKeys: z.array(z.string()),
  schemaVersions: z.record(z.string(), z.number()),
  /** discard_value mode: how often each unknown field was dropped from an accepted record. */
  discardedValues: z.record(z.string(), z.number()),
  /** Batch-level warnings (the pre-load tier of data quality), e.g. a resource that came back empty. */
  warnings: z.array(z.string()),
});
export type ValidateResult = z.infer<typeof validateResultSchema>;

// reconcile → notify, the warehouse steps

/** What reconcile reads of each extract. */
export const extractedResourceSchema = extractResultSchema
  .pick({ source: true, resource: true, pages: true, unreadablePages: true, records: true })
  .partial({ unreadablePages: true })
  .loose();
export type ExtractedResource = z.infer<typeof extractedResourceSchema>;

/** What reconcile reads of each validate invocation (one per page group). */
export const validatedGroupSchema = validateResultSchema
  .pick({
    source: true,
    resource: true,
    inputRecords: true,
    validRecords: true,
    rejectedRecords: true,
    quarantinedPages: true,
    pages: true,
    unreadable: true,
    rejectKeys: true,
    tables: true,
    warnings: true,
  })
  .partial({ unreadable: true, warnings: true })
  .loose();
export type ValidatedGroup = z.infer<typeof validatedGroupSchema>;

export const reconcileEventSchema = z.object({
  batchId: z.string().min(1),
  logicalDate: z.string().min(1),
  extracted: z.array(extractedResourceSchema),
  validated: z.array(z.array(validatedGroupSchema)),
});
export type ReconcileEvent = z.input<typeof reconcileEventSchema>;

export const resourceCountsSchema = z.object({
  source: z.string(),
  resource: z.string(),
  pages: count,
  extracted: count,
  valid: count,
  rejected: count,
  quarantinedPages: count,
  rejectKeys: z.array(z.string()),
  /** Rows written per table (the resource's own and its child tables). */
  tables: z.record(z.string(), count),
  /** The Parquet parts written, which the warehouse is to load. */
  parquetKeys: z.array(z.string()),
  warnings: z.array(z.string()),
});
export type ResourceCounts = z.infer<typeof resourceCountsSchema>;

export const runCountsSchema = z.object({
  resources: z.array(resourceCountsSchema),
  totals: z.object({ extracted: count, valid: count, rejected: count, quarantinedPages: count }),
});
export type RunCounts = z.infer<typeof runCountsSchema>;

export const reconcileResultSchema = runCountsSchema.extend({ batchId: z.string(), logicalDate: z.string() });
export type ReconcileResult = z.infer<typeof reconcileResultSchema>;

// quality → notify

export const qualityEventSchema = z.object({
  batchId: z.string().min(1),
  logicalDate: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a day, YYYY-MM-DD'),
});
export type QualityEvent = z.input<typeof qualityEventSchema>;

export const qualitySummarySchema = z.object({
  verdict: z.enum(['pass', 'warn', 'fail', 'skipped']),
  checks: count,
  failed: z.array(z.string()),
  warned: z.array(z.string()),
});
export type QualitySummary = z.infer<typeof qualitySummarySchema>;
