// A NuGet v3 feed on 127.0.0.1 speaking the endpoints onnxruntime-node's installer and Recaption's GPU
// install call (service index, flat container, registration leaf, catalog entry), serving one package
// built here in the real .nupkg layout. It can break a download off after N bytes, refuse Range
// requests, or list a wrong checksum; it records every request it answered.
import { createHash } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import yazl from 'yazl';

export interface NugetServerOptions {
  id: string;
  version: string;
  /** Files of the package, by path inside it. */
  files: Record<string, Buffer>;
}

export interface NugetTestServer {
  index: string;
  nupkg: Buffer;
  requests: { url: string; range: string | null }[];
  /** The next package download stops after this many bytes (then the socket is destroyed). */
  breakAfter: number | null;
  /** Answer Range requests with the whole file (200), as some servers do. */
  ignoreRange: boolean;
  /** List this SHA-512 instead of the package's. */
  listedSha512: string | null;
  close(): Promise<void>;
}

async function buildNupkg(options: NugetServerOptions): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  zip.addBuffer(Buffer.from('<?xml version="1.0" encoding="utf-8"?><Types></Types>'), '[Content_Types].xml');
  zip.addBuffer(Buffer.from(`<?xml version="1.0"?><package><metadata><id>${options.id}</id><version>${options.version}</version></metadata></package>`), `${options.id}.nuspec`);
  for (const [name, data] of Object.entries(options.files)) zip.addBuffer(data, name);
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function startNugetServer(options: NugetServerOptions): Promise<NugetTestServer> {
  const nupkg = await buildNupkg(options);
  const id = options.id.toLowerCase();
  const version = options.version.toLowerCase();
  const sha512 = createHash('sha512').update(nupkg).digest('base64');
  const server = http.createServer();
  const state: NugetTestServer = {
    index: '',
    nupkg,
    requests: [],
    breakAfter: null,
    ignoreRange: false,
    listedSha512: null,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const json = (res: http.ServerResponse, value: unknown) => {
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify(value));
  };
  server.on('request', (req, res) => {
    const url = req.url ?? '/';
    const range = req.headers.range ?? null;
    state.requests.push({ url, range });
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    if (url === '/v3/index.json') {
      return json(res, {
        version: '3.0.0',
        resources: [
          { '@id': `${origin}/v3-flatcontainer/`, '@type': 'PackageBaseAddress/3.0.0' },
          { '@id': `${origin}/v3/registration5-semver1/`, '@type': 'RegistrationsBaseUrl/3.6.0' },
          { '@id': `${origin}/query`, '@type': 'SearchQueryService' },
        ],
      });
    }
    if (url === `/v3-flatcontainer/${id}/index.json`) return json(res, { versions: ['1.0.0', version] });
    if (url === `/v3/registration5-semver1/${id}/${version}.json`) {
      return json(res, { '@id': `${origin}${url}`, catalogEntry: `${origin}/v3/catalog0/data/${id}.${version}.json`, listed: true, packageContent: `${origin}/v3-flatcontainer/${id}/${version}/${id}.${version}.nupkg` });
    }
    if (url === `/v3/catalog0/data/${id}.${version}.json`) {
      return json(res, { id: options.id, version: options.version, packageHash: state.listedSha512 ?? sha512, packageHashAlgorithm: 'SHA512', packageSize: nupkg.length });
    }
    if (url === `/v3-flatcontainer/${id}/${version}/${id}.${version}.nupkg`) {
      const from = range && !state.ignoreRange ? Number(/^bytes=(\d+)-$/.exec(range)?.[1] ?? 0) : 0;
      const body = nupkg.subarray(from);
      const headers: http.OutgoingHttpHeaders = { 'content-type': 'application/octet-stream', 'content-length': body.length };
      if (from > 0) headers['content-range'] = `bytes ${from}-${nupkg.length - 1}/${nupkg.length}`;
      res.writeHead(from > 0 ? 206 : 200, headers);
      const cut = state.breakAfter;
      if (cut === null) return res.end(body);
      state.breakAfter = null;
      res.write(body.subarray(0, cut), () => setTimeout(() => res.destroy(), 20));
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.index = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v3/index.json`;
  return state;
}
