import { createServer, IncomingMessage, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { extractResource } from '../../lambdas/extract/extract-resource';
import { EnvSecretResolver } from '../../lambdas/shared/secrets';
import type { ExtractResult } from '../../lambdas/shared/step-messages';
import { HttpStatusError, ResponseFormatError } from '../../lambdas/shared/errors';
import { parseSourceConfig } from '../../lambdas/sources/source-config';
import { parseXmlBody, xmlRecords } from '../../lambdas/sources/xml-body';
import { readRawPage, startTestEnvironment, TestEnvironment } from '../support/environment';
import { compileContract, createValidator } from '../../lambdas/contracts/contract';
import { validateResource } from '../../lambdas/validate/validate-resource';
import { validateDepsFor } from '../support/validate-deps';
import { localParquetFiles, queryRows } from '../support/duckdb';

const PRODUCTS = Array.from({ length: 7 }, (_, index) => ({
  id: index + 1,
  title: `Product <${index + 1}> & co`,
}));

/** What the loopback service was sent: its headers and envelope. */
interface Received {
  headers: IncomingMessage['headers'];
  body: string;
}

/**
 * A legacy SOAP 1.1 catalogue, as such services behave: GetProducts with page and pageSize in the
 * envelope, WS-Security UsernameToken required, a Fault (HTTP 500) for a bad page or bad credentials.
 * `cutShortOnce` answers one page with half its body, as a proxy that drops the connection would.
 */
function soapCatalogue(
  received: Received[],
  options: { cutShortOnce?: boolean; faultPage?: number },
): Server {
  let cut = options.cutShortOnce ?? false;
  return createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      received.push({ headers: request.headers, body });
      const fault = (code: string, text: string) => {
        response.writeHead(500, { 'content-type': 'text/xml; charset=utf-8' });
        response.end(
          `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><soap:Fault><faultcode>${code}</faultcode><faultstring>${text}</faultstring></soap:Fault></soap:Body></soap:Envelope>`,
        );
      };
      if (!/<wsse:Username>catalog<\/wsse:Username>/.test(body) || !/>s3cr&amp;t<\/wsse:Password>/.test(body))
        return fault('soap:Client.Authentication', 'The security token could not be authenticated');
      const page = Number(/<m:page>(\d+)<\/m:page>/.exec(body)?.[1]);
      const size = Number(/<m:pageSize>(\d+)<\/m:pageSize>/.exec(body)?.[1]);
      if (!(page >= 1) || page === options.faultPage)
        return fault('soap:Client', `Invalid page number: ${page}`);
      const items = PRODUCTS.slice((page - 1) * size, page * size);
      const xml = `<?xml version="1.0"?>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:m="urn:example:catalog">
  <soap:Body><m:GetProductsResponse><m:Products page="${page}">${items
    .map(
      (item) =>
        `<m:Product id="${item.id}"><m:title>${item.title.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')}</m:title></m:Product>`,
    )
    .join('')}</m:Products></m:GetProductsResponse></soap:Body>
</soap:Envelope>`;
      response.writeHead(200, { 'content-type': 'text/xml; charset=utf-8' });
      if (cut && page === 2) {
        cut = false;
        // A 200 whose body ends early, without any transport error.
        response.end(xml.slice(0, xml.length / 2));
        return;
      }
      response.end(xml);
    });
  });
}

const envelope = `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:m="urn:example:catalog">
  <soap:Body><m:GetProducts><m:page>{{page}}</m:page><m:pageSize>{{pageSize}}</m:pageSize></m:GetProducts></soap:Body>
</soap:Envelope>`;

function catalogueSource(baseUrl: string) {
  return parseSourceConfig(
    {
      name: 'legacy_catalog',
      baseUrl,
      format: 'xml',
      auth: { type: 'wsse_username_token', username: 'catalog', password: { secret: 'CATALOG_PASSWORD' } },
      recordsPath: 'Envelope.Body.GetProductsResponse.Products.Product',
      paginator: {
        type: 'page_number',
        pageParam: 'page',
        sizeParam: 'pageSize',
        size: 3,
        stopOnShortPage: true,
      },
      retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 5 },
      resources: [
        {
          name: 'products',
          path: '/CatalogService.asmx',
          primaryKey: ['id'],
          request: { body: envelope, soap: { version: '1.1', action: 'urn:example:catalog/GetProducts' } },
        },
      ],
    },
    'test',
  );
}

describe('a SOAP source', () => {
  let env: TestEnvironment;
  beforeAll(async () => (env = await startTestEnvironment()));
  afterAll(async () => env.close());

  async function run(
    options: { cutShortOnce?: boolean; faultPage?: number; password?: string },
    batchId: string,
  ) {
    const received: Received[] = [];
    const server = soapCatalogue(received, options);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const source = catalogueSource(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
      const deps = env.deps({
        secrets: new EnvSecretResolver({ CATALOG_PASSWORD: options.password ?? 's3cr&t' }),
      });
      const outcome = await extractResource(deps, {
        source,
        resource: 'products',
        batchId,
        logicalDate: '2026-11-20',
      }).then(
        (result) => ({ result }),
        (error: Error) => ({ error }),
      );
      return { ...outcome, received };
    } finally {
      server.close();
    }
  }

  it('POSTs its envelope with SOAPAction and a UsernameToken, pages by number in the body, and lands the XML as received', async () => {
    const { result, received } = (await run({}, 'soap-pages')) as {
      result: ExtractResult;
      received: Received[];
    };
    expect(result).toMatchObject({ pages: 3, records: 7, done: true });
    expect(received.map((request) => /<m:page>(\d+)<\/m:page>/.exec(request.body)?.[1])).toEqual([
      '1',
      '2',
      '3',
    ]);
    for (const request of received) {
      expect(request.headers['content-type']).toBe('text/xml; charset=utf-8');
      expect(request.headers.soapaction).toBe('"urn:example:catalog/GetProducts"');
      // The page travels in the body, not in the query string; the password is escaped in the envelope.
      expect(request.body).toContain('<m:pageSize>3</m:pageSize>');
      expect(request.body).toMatch(
        /<soap:Header><wsse:Security [^>]+><wsse:UsernameToken><wsse:Username>catalog<\/wsse:Username><wsse:Password Type="[^"]+#PasswordText">s3cr&amp;t<\/wsse:Password>/,
      );
    }
    const titles: string[] = [];
    for (const key of result.pageKeys) {
      const page = parseXmlBody(await readRawPage(env.s3, key));
      const found = xmlRecords(
        'content' in page ? page.content : undefined,
        'Envelope.Body.GetProductsResponse.Products.Product',
      );
      titles.push(
        ...('content' in found ? found.content : []).map((record) => (record as { title: string }).title),
      );
    }
    expect(titles).toEqual(PRODUCTS.map((product) => product.title));
  });

  it('reaches validate: its XML pages become typed Parquet rows, and a record the contract refuses a reject', async () => {
    const { result } = (await run({}, 'soap-validate')) as { result: ExtractResult; received: Received[] };
    expect(result.pageKeys.every((key) => key.endsWith('.xml.gz'))).toBe(true);
    const contract = compileContract(
      'legacy_catalog',
      'products',
      {
        type: 'object',
        required: ['id', 'title'],
        properties: { id: { type: 'integer', minimum: 2 }, title: { type: 'string' } },
        'x-pipeline': { mode: 'freeze', primaryKey: ['id'] },
      },
      createValidator(),
    );
    const deps = validateDepsFor(env, new Map([['legacy_catalog/products', contract]]));
    const validated = await validateResource(deps, {
      source: 'legacy_catalog',
      resource: 'products',
      batchId: 'soap-validate',
      logicalDate: '2026-11-20',
    });
    // Product 1 breaks the contract's minimum: a reject with its reason; the other six are rows.
    expect(validated).toMatchObject({
      inputRecords: 7,
      validRecords: 6,
      rejectedRecords: 1,
      quarantinedPages: 0,
    });
    const [file] = await localParquetFiles(env.s3, 'transformed', validated.tables.products!.keys);
    expect(await queryRows(`select id, title from '${file}' order by id`)).toEqual(
      PRODUCTS.slice(1).map((product) => ({ id: BigInt(product.id), title: product.title })),
    );
  });

  it('retries a body cut short, then goes on', async () => {
    const { result, received } = (await run({ cutShortOnce: true }, 'soap-cut-once')) as {
      result: ExtractResult;
      received: Received[];
    };
    expect(result).toMatchObject({ records: 7 });
    expect(received).toHaveLength(4);
    expect(env.logs.lines.some((line) => line.message === 'response body unreadable, retrying')).toBe(true);
  });

  it('names the SOAP Fault when the service fails, after retrying as for any 5xx', async () => {
    const { error, received } = (await run({ faultPage: 2 }, 'soap-fault')) as {
      error: Error;
      received: Received[];
    };
    expect(error).toBeInstanceOf(HttpStatusError);
    expect(error.message).toMatch(
      /^\[legacy_catalog\/products\] POST http:\/\/127\.0\.0\.1:\d+\/CatalogService\.asmx: the API answered HTTP 500 after 3 attempts: SOAP Fault soap:Client: Invalid page number: 2\. Next step: /,
    );
    expect(received).toHaveLength(1 + 3);
  });

  it('names the Fault of a refused UsernameToken, and never logs the password', async () => {
    const { error } = (await run({ password: 'wrong-password' }, 'soap-auth')) as { error: Error };
    expect(error.message).toMatch(
      /: SOAP Fault soap:Client\.Authentication: The security token could not be authenticated\. Next step: /,
    );
    expect(JSON.stringify(env.logs.lines)).not.toContain('wrong-password');
  });

  it('fails loudly when every answer is cut short, keeping the last body in raw', async () => {
    const received: Received[] = [];
    const server = createServer((_request, response) => {
      received.push({ headers: {}, body: '' });
      response.writeHead(200, { 'content-type': 'text/xml' });
      response.end(
        '<soap:Envelope xmlns:soap="urn:s"><soap:Body><m:GetProductsResponse xmlns:m="urn:m"><m:Products><m:Product id="1"><m:tit',
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const source = catalogueSource(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
      const deps = env.deps({ secrets: new EnvSecretResolver({ CATALOG_PASSWORD: 's3cr&t' }) });
      const failure = extractResource(deps, {
        source,
        resource: 'products',
        batchId: 'soap-cut',
        logicalDate: '2026-11-20',
      });
      await expect(failure).rejects.toBeInstanceOf(ResponseFormatError);
      await expect(failure).rejects.toThrow(
        / POST .+: page 1 is not well-formed XML \(it ends with 6 element\(s\) still open, the last <m:tit>: cut short\), on every one of 3 attempts\. Next step: /,
      );
      expect(received).toHaveLength(3);
    } finally {
      server.close();
    }
  });
});
