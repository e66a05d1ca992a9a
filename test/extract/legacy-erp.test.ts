import { extractResource } from '../../lambdas/extract/extract-resource';
import { HttpStatusError, ResponseFormatError } from '../../lambdas/shared/errors';
import { EnvSecretResolver } from '../../lambdas/shared/secrets';
import { parseXmlBody, soapFault, typedByContract, xmlRecords } from '../../lambdas/sources/xml-body';
import { loadContracts } from '../../lambdas/contracts/contract';
import { loadFakestoreData } from '../../local/fixture-api/fixture-data';
import { ERP_ACTION } from '../../local/fixture-api/erp-service';
import { fixtureCredentials } from '../../local/fixture-api/server';
import { readRawPage, startTestEnvironment, TestEnvironment } from '../support/environment';
import { builtInSourceAt } from '../support/sources';

const RECORDS_PATH = 'Envelope.Body.GetOrderLinesResponse.OrderLines.OrderLine';

describe('the built-in SOAP source (legacy_erp) against the fixture ERP service', () => {
  let env: TestEnvironment;
  beforeAll(async () => (env = await startTestEnvironment()));
  afterAll(async () => env.close());
  beforeEach(() => {
    env.api.faults.clear();
    env.api.requests.length = 0;
  });

  const extract = (batchId: string, secrets?: Record<string, string>) =>
    extractResource(secrets ? env.deps({ secrets: new EnvSecretResolver(secrets) }) : env.deps(), {
      source: builtInSourceAt(env.api, 'legacy_erp'),
      resource: 'order_lines',
      batchId,
      logicalDate: '2026-11-20',
    });

  it('publishes a WSDL naming its operation, action and address', async () => {
    const response = await fetch(`${env.api.baseUrls.legacy_erp}/OrderService.asmx?wsdl`);
    const text = await response.text();
    expect(response.headers.get('content-type')).toBe('text/xml; charset=utf-8');
    expect(text).toContain(`<soap:operation soapAction="${ERP_ACTION}"/>`);
    expect(text).toContain(`<soap:address location="${env.api.baseUrls.legacy_erp}/OrderService.asmx"/>`);
  });

  it('reads every order line of the store, page by page in the envelope, typed by the contract', async () => {
    const result = await extract('erp-all');
    const lines = loadFakestoreData().orderLines;
    expect(result).toMatchObject({ records: lines.length, pages: Math.ceil(lines.length / 10), done: true });
    const contract = loadContracts().get('legacy_erp/order_lines')!;
    const read = [];
    for (const key of result.pageKeys) {
      const page = parseXmlBody(await readRawPage(env.s3, key));
      const found = xmlRecords('content' in page ? page.content : undefined, RECORDS_PATH);
      read.push(
        ...('content' in found ? found.content : []).map((record) =>
          typedByContract(record, contract.schema as never),
        ),
      );
    }
    expect(read).toEqual(
      lines.map((line) => ({
        lineId: line.lineId,
        OrderId: line.orderId,
        CustomerId: line.customerId,
        OrderDate: line.orderDate,
        ProductId: line.productId,
        Quantity: line.quantity,
      })),
    );
    expect(result.pendingCursor).toBe('2020-03-02T00:00:00.000Z');
  });

  it('retries a connection cut, a 200 cut short and an HTML answer (one after the other), and goes on', async () => {
    env.api.faults.add({ kind: 'truncate', path: '/erp/OrderService.asmx', times: 1 });
    env.api.faults.add({ kind: 'cut_short', path: '/erp/OrderService.asmx', times: 1 });
    env.api.faults.add({ kind: 'html', path: '/erp/OrderService.asmx', times: 1 });
    const result = await extract('erp-faults');
    expect(result.records).toBe(loadFakestoreData().orderLines.length);
    expect(env.api.faults.fired().map((rule) => rule.fired)).toEqual([1, 1, 1]);
  });

  it('fails loudly, naming the element left open, when every answer is cut short', async () => {
    env.api.faults.add({ kind: 'cut_short', path: '/erp/OrderService.asmx', times: 20 });
    await expect(extract('erp-truncated')).rejects.toThrow(ResponseFormatError);
    await expect(extract('erp-truncated-2')).rejects.toThrow(
      /page 1 is not well-formed XML \(.*cut short\), on every one of \d+ attempts/,
    );
  });

  it('names the Fault of a wrong password, and never writes the password anywhere', async () => {
    const failure = extract('erp-auth', { ERP_PASSWORD: 'not-the-password' });
    await expect(failure).rejects.toThrow(HttpStatusError);
    await expect(failure).rejects.toThrow(
      /SOAP Fault soap:Client\.Authentication: The security token could not be authenticated or authorized/,
    );
    expect(JSON.stringify(env.logs.lines)).not.toContain('not-the-password');
    expect(JSON.stringify(env.logs.lines)).not.toContain(fixtureCredentials.ERP_PASSWORD);
  });

  it('answers a bad page with a SOAP 1.1 Fault, as the service does', async () => {
    const response = await fetch(`${env.api.baseUrls.legacy_erp}/OrderService.asmx`, {
      method: 'POST',
      headers: { 'content-type': 'text/xml; charset=utf-8', soapaction: `"${ERP_ACTION}"` },
      body: `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:erp="urn:example:erp"><soap:Header><wsse:Security xmlns:wsse="urn:wsse"><wsse:UsernameToken><wsse:Username>erp-pipeline</wsse:Username><wsse:Password>${fixtureCredentials.ERP_PASSWORD}</wsse:Password></wsse:UsernameToken></wsse:Security></soap:Header><soap:Body><erp:GetOrderLines><erp:page>0</erp:page><erp:pageSize>10</erp:pageSize></erp:GetOrderLines></soap:Body></soap:Envelope>`,
    });
    expect(response.status).toBe(500);
    const parsed = parseXmlBody(Buffer.from(await response.text()));
    expect(soapFault('content' in parsed ? parsed.content : undefined)).toEqual({
      code: 'soap:Client',
      message: 'Invalid page number: 0',
    });
  });
});
