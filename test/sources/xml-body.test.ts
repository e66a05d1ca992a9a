import fc from 'fast-check';
import { parseXmlBody, soapFault, typedByContract, xmlRecords } from '../../lambdas/sources/xml-body';

const contract = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    name: { type: 'string' },
    price: { type: 'number' },
    active: { type: 'boolean' },
    code: { type: 'string' },
    note: { type: ['string', 'null'] },
    tags: { type: 'array', items: { type: 'string' } },
    lines: {
      type: 'array',
      items: { type: 'object', properties: { sku: { type: 'string' }, quantity: { type: 'integer' } } },
    },
  },
};

/** Records of a legacy service, written as such services write them (namespaces, CDATA, attributes). */
const envelope = `<?xml version="1.0" encoding="utf-8"?>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"
               xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
               xmlns:m="urn:example:catalog">
  <soap:Body>
    <m:GetProductsResponse>
      <m:Products page="1">
        <m:Product id="1">
          <m:name><![CDATA[Fjallraven <Foldsack> No. 1 & more]]></m:name>
          <m:price currency="EUR"> 109.95 </m:price>
          <m:active>true</m:active>
          <m:code>007</m:code>
          <m:note xsi:nil="true"/>
          <m:tags><m:tag>bags</m:tag><m:tag>outdoor</m:tag></m:tags>
          <m:lines><m:line><m:sku>A-1</m:sku><m:quantity>2</m:quantity></m:line></m:lines>
        </m:Product>
        <m:Product id="2">
          <m:name>  Mens Casual Premium Slim Fit T-Shirts </m:name>
          <m:price>22.3</m:price>
          <m:active>0</m:active>
          <m:code>12</m:code>
          <m:note></m:note>
          <m:tags><m:tag>shirts</m:tag></m:tags>
          <m:lines/>
        </m:Product>
      </m:Products>
    </m:GetProductsResponse>
  </soap:Body>
</soap:Envelope>`;

function records(xml: string, path: string): unknown[] {
  const parsed = parseXmlBody(Buffer.from(xml));
  if (!('content' in parsed)) throw new Error(parsed.problem);
  const found = xmlRecords(parsed.content, path);
  if (!('content' in found)) throw new Error(found.problem);
  return found.content.map((record) => typedByContract(record, contract));
}

describe('XML bodies', () => {
  it('reads a SOAP envelope into records typed by the contract: namespaces, CDATA, attributes, lists of one and of none, nil', () => {
    expect(records(envelope, 'Envelope.Body.GetProductsResponse.Products.Product')).toEqual([
      {
        id: 1,
        name: 'Fjallraven <Foldsack> No. 1 & more',
        price: 109.95,
        active: true,
        code: '007',
        note: null,
        tags: ['bags', 'outdoor'],
        lines: [{ sku: 'A-1', quantity: 2 }],
      },
      {
        id: 2,
        // Text as sent: a string keeps its spaces; a number does not need them.
        name: '  Mens Casual Premium Slim Fit T-Shirts ',
        price: 22.3,
        active: false,
        code: '12',
        note: '',
        tags: ['shirts'],
        lines: [],
      },
    ]);
  });

  it('reads one record, and none, as lists', () => {
    const one = envelope.replace(/<m:Product id="2">[\s\S]*?<\/m:Product>/, '');
    expect(records(one, 'Envelope.Body.GetProductsResponse.Products.Product')).toHaveLength(1);
    const none = envelope.replace(/<m:Products page="1">[\s\S]*<\/m:Products>/, '<m:Products page="9"/>');
    expect(records(none, 'Envelope.Body.GetProductsResponse.Products.Product')).toEqual([]);
  });

  it('names a records path that finds nothing, instead of reading an empty page', () => {
    const parsed = parseXmlBody(Buffer.from(envelope));
    expect(
      xmlRecords(
        'content' in parsed ? parsed.content : undefined,
        'Envelope.Body.GetOrdersResponse.Orders.Order',
      ),
    ).toEqual({
      problem:
        'has no element at "Envelope.Body.GetOrdersResponse.Orders" (records path "Envelope.Body.GetOrdersResponse.Orders.Order")',
    });
  });

  it('leaves what does not fit the contract as received, for the contract to reject with its reason', () => {
    const odd = envelope
      .replace('<m:price>22.3</m:price>', '<m:price>22,30</m:price>')
      .replace('<m:active>0</m:active>', '<m:active>maybe</m:active>');
    const [, second] = records(odd, 'Envelope.Body.GetProductsResponse.Products.Product') as Array<
      Record<string, unknown>
    >;
    expect(second).toMatchObject({ price: '22,30', active: 'maybe' });
    // An integer beyond what a double holds exactly stays text, never a rounded number.
    expect(typedByContract('9007199254740993', { type: 'integer' })).toBe('9007199254740993');
  });

  it('refuses a body cut short, an empty one, HTML, and a document type declaration, each with its reason', () => {
    const problem = (text: string) => {
      const verdict = parseXmlBody(Buffer.from(text));
      return 'problem' in verdict ? verdict.problem : 'parsed';
    };
    expect(problem(envelope.slice(0, envelope.length / 2))).toMatch(
      /^is not well-formed XML \(.+ at line \d+, column \d+\)$/,
    );
    expect(problem('')).toBe('is not XML (the body is empty)');
    expect(problem('<html><body><p>Service unavailable<br></body></html>')).toMatch(
      /^is not well-formed XML/,
    );
    expect(problem('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">]><a>&lol;</a>')).toBe(
      'is refused: it declares a document type (<!DOCTYPE …>)',
    );
  });

  it('finds SOAP 1.1 and 1.2 faults with their code and words', () => {
    const fault11 = `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><soap:Fault>
      <faultcode>soap:Client</faultcode><faultstring>Invalid page number: 0</faultstring>
      <detail><m:code xmlns:m="urn:x">E42</m:code></detail></soap:Fault></soap:Body></soap:Envelope>`;
    const fault12 = `<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope"><env:Body><env:Fault>
      <env:Code><env:Value>env:Receiver</env:Value></env:Code>
      <env:Reason><env:Text xml:lang="en">Backend unavailable</env:Text><env:Text xml:lang="de">Nicht verfügbar</env:Text></env:Reason>
      </env:Fault></env:Body></env:Envelope>`;
    const read = (xml: string) => {
      const parsed = parseXmlBody(Buffer.from(xml));
      return soapFault('content' in parsed ? parsed.content : undefined);
    };
    expect(read(fault11)).toEqual({
      code: 'soap:Client',
      message: 'Invalid page number: 0',
      detail: { code: 'E42' },
    });
    expect(read(fault12)).toEqual({ code: 'env:Receiver', message: 'Backend unavailable' });
    expect(read(envelope)).toBeUndefined();
  });

  it('gives back every record it was sent, whatever the values (written as XML, read, typed)', () => {
    // Text XML 1.0 can hold: no control characters but tab and newline (a parser turns \r into \n).
    const xmlChar = (character: string) => {
      const code = character.codePointAt(0)!;
      return code === 9 || code === 10 || (code >= 0x20 && code !== 0xfffe && code !== 0xffff);
    };
    const xmlText = fc
      .string({ unit: 'grapheme', maxLength: 20 })
      .filter((value) => [...value].every(xmlChar));
    const record = fc.record({
      id: fc.integer(),
      name: xmlText,
      price: fc.double({ noNaN: true, noDefaultInfinity: true }).filter((value) => !Object.is(value, -0)),
      active: fc.boolean(),
      note: fc.option(xmlText, { nil: null }),
      tags: fc.array(xmlText, { maxLength: 3 }),
    });
    const escape = (value: string) =>
      value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
    const asXml = (item: {
      id: number;
      name: string;
      price: number;
      active: boolean;
      note: string | null;
      tags: string[];
    }) =>
      `<p:Item id="${item.id}"><p:name>${escape(item.name)}</p:name><p:price>${item.price}</p:price><p:active>${item.active}</p:active>` +
      (item.note === null ? '<p:note xsi:nil="true"/>' : `<p:note>${escape(item.note)}</p:note>`) +
      `<p:tags>${item.tags.map((tag) => `<p:tag>${escape(tag)}</p:tag>`).join('')}</p:tags></p:Item>`;
    fc.assert(
      fc.property(fc.array(record, { maxLength: 4 }), (items) => {
        const xml = `<?xml version="1.0"?><s:Envelope xmlns:s="urn:s" xmlns:p="urn:p" xmlns:xsi="urn:xsi"><s:Body><p:Items>${items.map(asXml).join('\n  ')}</p:Items></s:Body></s:Envelope>`;
        // A list the contract declares and the XML leaves out is an empty list (XML has no other way to say it).
        expect(records(xml, 'Envelope.Body.Items.Item')).toEqual(
          items.map((item) => ({ ...item, lines: [] })),
        );
      }),
      { numRuns: 200 },
    );
  });
});
