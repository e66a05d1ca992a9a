/**
 * Settings of a local run, applied before any handler module loads (Powertools reads them once, at
 * import). Locally, CloudWatch's embedded metric lines would only clutter the progress output.
 */
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
