/**
 * The routes whose request bodies are raw bytes (a recording's file, tus upload chunks): the
 * JSON body middleware neither parses them nor asks for JSON there. Everything else stays JSON-only.
 */
export const RAW_BODY_PATHS: readonly RegExp[] = [
  /^\/api\/v1\/recordings\/[^/]+\/content\/?$/,
  /^\/api\/v1\/recordings\/[^/]+\/uploads(\/[^/]+)?\/?$/,
];

export const takesRawBody = (path: string): boolean => RAW_BODY_PATHS.some((re) => re.test(path));
