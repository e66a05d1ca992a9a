/** Imported first by a bench that runs whole pipelines: only errors are logged, so its table stands out. */
process.env.POWERTOOLS_LOG_LEVEL ??= 'ERROR';
