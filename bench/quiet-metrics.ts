/** Imported first by a bench whose output is a table: Powertools then writes no metrics to stdout. */
process.env.POWERTOOLS_METRICS_DISABLED = 'true';
