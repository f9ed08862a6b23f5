/** Injection token of the validated `JobsConfig`. */
export const JOBS_CONFIG = Symbol('shoal:jobs-config');
