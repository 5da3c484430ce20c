/**
 * What an extension creates, by the names a statement that needs it would
 * fail on ("type "geometry" does not exist", "schema "cron" does not
 * exist", "function net.http_post(…) does not exist"). Two uses:
 * - the embedded engine loads a shipped extension only when some migration
 *   names one of its objects (loading every one would slow every start);
 * - a statement that fails on an undefined object is skipped only when an
 *   unavailable extension would have created that object, never merely
 *   because some extension was unavailable earlier.
 * Names are lower case, unqualified; an extension that lives in its own
 * schema (pg_net's `net`, pg_cron's `cron`) lists it under `schemas`, and
 * every object in that schema counts as its.
 */
export interface ExtensionObjects {
  schemas?: readonly string[];
  types?: readonly string[];
  functions?: readonly string[];
  /** Access methods (CREATE INDEX … USING hnsw) and procedural languages. */
  others?: readonly string[];
}

export const EXTENSION_OBJECTS: ReadonlyMap<string, ExtensionObjects> = new Map<string, ExtensionObjects>([
  ['pgcrypto', {
    functions: ['gen_random_bytes', 'gen_salt', 'crypt', 'digest', 'hmac', 'encrypt', 'decrypt', 'encrypt_iv', 'decrypt_iv',
      'armor', 'dearmor', 'pgp_sym_encrypt', 'pgp_sym_decrypt', 'pgp_sym_encrypt_bytea', 'pgp_sym_decrypt_bytea',
      'pgp_pub_encrypt', 'pgp_pub_decrypt', 'pgp_pub_encrypt_bytea', 'pgp_pub_decrypt_bytea', 'pgp_key_id', 'pgp_armor_headers'],
  }],
  ['uuid-ossp', {
    functions: ['uuid_generate_v1', 'uuid_generate_v1mc', 'uuid_generate_v3', 'uuid_generate_v4', 'uuid_generate_v5',
      'uuid_nil', 'uuid_ns_dns', 'uuid_ns_url', 'uuid_ns_oid', 'uuid_ns_x500'],
  }],
  ['vector', {
    types: ['vector', 'halfvec', 'sparsevec'],
    functions: ['l2_distance', 'cosine_distance', 'inner_product', 'l1_distance', 'vector_dims', 'vector_norm', 'l2_normalize',
      'binary_quantize', 'subvector', 'hamming_distance', 'jaccard_distance'],
    others: ['hnsw', 'ivfflat'],
  }],
  ['citext', { types: ['citext'] }],
  ['hstore', { types: ['hstore'] }],
  ['ltree', { types: ['ltree', 'lquery', 'ltxtquery'] }],
  ['cube', { types: ['cube'] }],
  ['pg_trgm', { functions: ['similarity', 'word_similarity', 'show_trgm'], others: ['gin_trgm_ops', 'gist_trgm_ops'] }],
  ['unaccent', { functions: ['unaccent'] }],
  ['moddatetime', { functions: ['moddatetime'] }],
  ['fuzzystrmatch', { functions: ['levenshtein', 'soundex', 'metaphone', 'dmetaphone', 'difference'] }],
  // Not shipped by the embedded engine: what statements that need them fail on.
  ['pg_net', { schemas: ['net'] }],
  ['pg_cron', { schemas: ['cron'] }],
  ['pg_graphql', { schemas: ['graphql'] }],
  ['pgsodium', { schemas: ['pgsodium'] }],
  ['supabase_vault', { schemas: ['vault'] }],
  ['pgjwt', { functions: ['sign', 'verify', 'url_encode', 'url_decode'] }],
  ['http', { types: ['http_method', 'http_header', 'http_request', 'http_response'],
    functions: ['http', 'http_get', 'http_post', 'http_put', 'http_patch', 'http_delete', 'http_head', 'http_set_curlopt', 'urlencode'] }],
  ['pg_jsonschema', { functions: ['json_matches_schema', 'jsonb_matches_schema', 'jsonschema_is_valid', 'jsonschema_validation_errors'] }],
  ['pg_hashids', { functions: ['id_encode', 'id_decode', 'id_decode_once'] }],
  ['postgis', {
    types: ['geometry', 'geography', 'box2d', 'box3d', 'geometry_dump', 'valid_detail'],
    functions: ['st_*', 'postgis_*', 'geometrytype', 'addgeometrycolumn'],
    others: ['gist_geometry_ops_2d'],
  }],
  ['timescaledb', { schemas: ['timescaledb_information', '_timescaledb_catalog'], functions: ['create_hypertable', 'time_bucket', 'add_retention_policy', 'add_compression_policy'] }],
  ['pgroonga', { others: ['pgroonga'], functions: ['pgroonga_*'] }],
  ['rum', { others: ['rum'] }],
  ['plv8', { others: ['plv8'] }],
  ['plpython3u', { others: ['plpython3u'] }],
  ['h3', { types: ['h3index'], functions: ['h3_*'] }],
  ['pg_partman', { schemas: ['partman'] }],
  ['pgmq', { schemas: ['pgmq'] }],
]);

function matches(patterns: readonly string[] | undefined, name: string): boolean {
  return (patterns ?? []).some((p) => (p.endsWith('*') ? name.startsWith(p.slice(0, -1)) : p === name));
}

/** Whether `extension` would have created an object of this name (schema-qualified names match by schema too). */
export function extensionProvides(extension: string, object: { schema?: string | null; name: string }): boolean {
  const objects = EXTENSION_OBJECTS.get(extension);
  if (!objects) return false;
  const name = object.name.toLowerCase();
  const schema = object.schema?.toLowerCase() ?? null;
  if (schema !== null && matches(objects.schemas, schema)) return true;
  if (object.schema === undefined && matches(objects.schemas, name)) return true; // `schema "cron" does not exist`
  return matches(objects.types, name) || matches(objects.functions, name) || matches(objects.others, name);
}

const WORDS = /[A-Za-z_][A-Za-z0-9_$]*/g;

/**
 * Which of `extensions` the SQL text names an object of (as a whole word,
 * case-insensitively): the ones a migration set may need preinstalled.
 */
export function extensionsNamedIn(texts: Iterable<string>, extensions: readonly string[]): string[] {
  const words = new Set<string>();
  for (const text of texts) for (const [word] of text.matchAll(WORDS)) words.add(word.toLowerCase());
  return extensions.filter((extension) => {
    const o = EXTENSION_OBJECTS.get(extension);
    if (!o) return false;
    const names = [...(o.schemas ?? []), ...(o.types ?? []), ...(o.functions ?? []), ...(o.others ?? [])];
    return [...words].some((word) => matches(names, word));
  });
}
