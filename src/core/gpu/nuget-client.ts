// The few NuGet v3 endpoints a package download needs, as onnxruntime-node's own installer walks them
// (script/install-utils.js): the service index, the flat container's PackageBaseAddress (version list and
// .nupkg), and, for the checksum it does not check, the registration leaf and its catalog entry, which
// carry the package's SHA-512 and size. Every answer is bounded and checked before use.

export class NugetError extends Error {
  override name = 'NugetError';
}

/** Longest JSON answer read (nuget.org's are a few KB; a version list of a busy package, some hundred). */
const MAX_JSON_BYTES = 4 * 1024 * 1024;

export interface NugetPackage {
  id: string;
  version: string;
  /** The .nupkg's URL. */
  url: string;
  /** Its SHA-512, base64, and size in bytes, from the catalog. */
  sha512: string;
  size: number;
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** GETs `url` as JSON, at most MAX_JSON_BYTES; null on 404 (a package or version that is not there). */
async function getJson(url: string, signal: AbortSignal | undefined): Promise<Json | null> {
  let response: Response;
  try {
    response = await fetch(url, { signal, headers: { accept: 'application/json' } });
  } catch (err) {
    if (signal?.aborted) throw err;
    throw new NugetError(`cannot reach ${new URL(url).origin} (${(err as Error).message}); check the network or set a mirror`);
  }
  if (response.status === 404) return null;
  if (!response.ok) throw new NugetError(`${url} answered HTTP ${response.status}`);
  const declared = Number(response.headers.get('content-length') ?? '0');
  if (declared > MAX_JSON_BYTES) throw new NugetError(`${url} answered ${declared} bytes, more than a NuGet index can be`);
  const reader = response.body?.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const next = reader ? await reader.read() : { done: true as const, value: undefined };
    if (next.done) break;
    size += next.value.length;
    if (size > MAX_JSON_BYTES) {
      await reader?.cancel();
      throw new NugetError(`${url} answered more than ${MAX_JSON_BYTES} bytes`);
    }
    chunks.push(next.value);
  }
  let value: unknown;
  try {
    value = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new NugetError(`${url} did not answer JSON`);
  }
  if (!isObject(value)) throw new NugetError(`${url} did not answer a JSON object`);
  return value;
}

/** A URL the server gave, resolved against `base`; only http(s). */
function serverUrl(value: unknown, base: string, what: string): string {
  if (typeof value !== 'string') throw new NugetError(`the NuGet index has no ${what}`);
  const url = new URL(value, base);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new NugetError(`the NuGet index gives a ${url.protocol} URL for ${what}`);
  return url.href;
}

function resource(index: Json, indexUrl: string, type: string): string {
  const resources = Array.isArray(index.resources) ? index.resources : [];
  const found = resources.find((r): r is Json => isObject(r) && (r['@type'] === type || (typeof r['@type'] === 'string' && r['@type'].startsWith(`${type}/`))));
  return serverUrl(found?.['@id'], indexUrl, type).replace(/\/?$/, '/');
}

/** Finds `id` at `version` on the feed whose service index is `indexUrl`, with its checksum and size. */
export async function resolveNugetPackage(indexUrl: string, id: string, version: string, signal?: AbortSignal): Promise<NugetPackage> {
  const index = await getJson(indexUrl, signal);
  if (!index) throw new NugetError(`${indexUrl} is not a NuGet service index (HTTP 404)`);
  const base = resource(index, indexUrl, 'PackageBaseAddress/3.0.0');
  const registrations = resource(index, indexUrl, 'RegistrationsBaseUrl');
  const lower = { id: id.toLowerCase(), version: version.toLowerCase() };
  const versions = await getJson(`${base}${lower.id}/index.json`, signal);
  const listed = Array.isArray(versions?.versions) ? versions.versions.filter((v): v is string => typeof v === 'string').map((v) => v.toLowerCase()) : [];
  if (!listed.includes(lower.version)) throw new NugetError(`${id} ${version} is not on ${new URL(indexUrl).origin} (it has ${listed.slice(-5).join(', ') || 'no versions'})`);
  const leaf = await getJson(`${registrations}${lower.id}/${lower.version}.json`, signal);
  if (!leaf) throw new NugetError(`the feed has no registration for ${id} ${version}`);
  const catalog = typeof leaf.catalogEntry === 'string' ? await getJson(serverUrl(leaf.catalogEntry, registrations, 'the catalog entry'), signal) : isObject(leaf.catalogEntry) ? leaf.catalogEntry : null;
  if (!catalog) throw new NugetError(`the feed has no catalog entry for ${id} ${version}`);
  const { packageHash, packageHashAlgorithm, packageSize } = catalog;
  if (packageHashAlgorithm !== 'SHA512' || typeof packageHash !== 'string' || !/^[A-Za-z0-9+/]{86}==$/.test(packageHash)) throw new NugetError(`the catalog entry of ${id} ${version} has no SHA-512 to check the download against`);
  if (!Number.isSafeInteger(packageSize) || (packageSize as number) <= 0) throw new NugetError(`the catalog entry of ${id} ${version} has no package size`);
  return { id, version, url: `${base}${lower.id}/${lower.version}/${lower.id}.${lower.version}.nupkg`, sha512: packageHash, size: packageSize as number };
}
