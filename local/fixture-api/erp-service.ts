import type { IncomingMessage } from 'node:http';
import { XMLParser } from 'fast-xml-parser';
import type { FakestoreData } from './fixture-data';
import { HttpAnswer } from './http-answer';
import { xmlEscape } from '../../lambdas/sources/xml-body';

/**
 * A legacy ERP's order service, served as such systems serve SOAP 1.1: the store's orders (FakeStore's
 * carts.csv, one row per order line) behind `POST /erp/OrderService.asmx`, its WSDL at `?wsdl`,
 * WS-Security UsernameToken required, paging by page number in the envelope, `changedSince` for
 * incremental reads, and a SOAP Fault (HTTP 500) for whatever it cannot answer.
 */
export const ERP_USERNAME = 'erp-pipeline';
export const ERP_ACTION = 'urn:example:erp/GetOrderLines';
const ERP_NAMESPACE = 'urn:example:erp';
const SOAP_NAMESPACE = 'http://schemas.xmlsoap.org/soap/envelope/';
const MAX_PAGE_SIZE = 50;

const xml = (body: string, status = 200) =>
  new HttpAnswer(status, `<?xml version="1.0" encoding="utf-8"?>\n${body}`, {
    'content-type': 'text/xml; charset=utf-8',
  });

function fault(code: string, text: string): HttpAnswer {
  return xml(
    `<soap:Envelope xmlns:soap="${SOAP_NAMESPACE}"><soap:Body><soap:Fault><faultcode>${code}</faultcode><faultstring>${xmlEscape(text)}</faultstring></soap:Fault></soap:Body></soap:Envelope>`,
    500,
  );
}

const requestParser = new XMLParser({ removeNSPrefix: true, parseTagValue: false, ignoreAttributes: false });

export class ErpService {
  constructor(
    private readonly data: FakestoreData,
    private readonly password: string,
  ) {}

  answer(request: IncomingMessage, url: URL, body: string): HttpAnswer {
    if (url.pathname !== '/erp/OrderService.asmx')
      return fault('soap:Client', `no service at ${url.pathname}`);
    if (request.method === 'GET' && url.searchParams.has('wsdl'))
      return xml(wsdl(`http://${request.headers.host ?? url.host}${url.pathname}`));
    if (request.method !== 'POST') return fault('soap:Client', 'POST a SOAP envelope (the WSDL is at ?wsdl)');
    if (request.headers.soapaction !== `"${ERP_ACTION}"`)
      return fault('soap:Client', `unknown SOAPAction ${request.headers.soapaction ?? '(none)'}`);
    let envelope: Record<string, unknown>;
    try {
      envelope = requestParser.parse(body) as Record<string, unknown>;
    } catch {
      return fault('soap:Client', 'the request is not XML');
    }
    const read = (path: string): unknown =>
      path
        .split('.')
        .reduce<unknown>((value, part) => (value as Record<string, unknown> | undefined)?.[part], envelope);
    const token = read('Envelope.Header.Security.UsernameToken') as Record<string, unknown> | undefined;
    const password = token?.Password;
    const passwordText =
      typeof password === 'object' && password !== null
        ? (password as Record<string, unknown>)['#text']
        : password;
    if (token?.Username !== ERP_USERNAME || passwordText !== this.password)
      return fault(
        'soap:Client.Authentication',
        'The security token could not be authenticated or authorized',
      );
    const call = read('Envelope.Body.GetOrderLines') as Record<string, unknown> | undefined;
    if (!call) return fault('soap:Client', 'the Body holds no GetOrderLines');
    const page = Number(call.page);
    const size = Math.min(MAX_PAGE_SIZE, Number(call.pageSize) || 10);
    if (!Number.isInteger(page) || page < 1)
      return fault('soap:Client', `Invalid page number: ${String(call.page)}`);
    const since = call.changedSince ? Date.parse(String(call.changedSince)) : Number.NEGATIVE_INFINITY;
    if (Number.isNaN(since))
      return fault('soap:Client', `Invalid changedSince: ${String(call.changedSince)}`);
    const lines = this.data.orderLines.filter((line) => Date.parse(line.orderDate) >= since);
    const slice = lines.slice((page - 1) * size, page * size);
    const hasMore = page * size < lines.length;
    return xml(`<soap:Envelope xmlns:soap="${SOAP_NAMESPACE}" xmlns:erp="${ERP_NAMESPACE}">
  <soap:Body>
    <erp:GetOrderLinesResponse>
      <erp:OrderLines page="${page}" pageSize="${size}" total="${lines.length}">${slice
        .map(
          (line) => `
        <erp:OrderLine lineId="${line.lineId}">
          <erp:OrderId>${line.orderId}</erp:OrderId>
          <erp:CustomerId>${line.customerId}</erp:CustomerId>
          <erp:OrderDate>${line.orderDate}</erp:OrderDate>
          <erp:ProductId>${line.productId}</erp:ProductId>
          <erp:Quantity>${line.quantity}</erp:Quantity>
        </erp:OrderLine>`,
        )
        .join('')}
      </erp:OrderLines>
      <erp:HasMore>${hasMore}</erp:HasMore>
    </erp:GetOrderLinesResponse>
  </soap:Body>
</soap:Envelope>`);
  }
}

/** The service's WSDL 1.1: one operation, document/literal, as a legacy system would publish it. */
function wsdl(address: string): string {
  return `<wsdl:definitions xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/" xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/"
    xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:erp="${ERP_NAMESPACE}" targetNamespace="${ERP_NAMESPACE}">
  <wsdl:types>
    <xs:schema targetNamespace="${ERP_NAMESPACE}" elementFormDefault="qualified">
      <xs:element name="GetOrderLines"><xs:complexType><xs:sequence>
        <xs:element name="page" type="xs:int"/>
        <xs:element name="pageSize" type="xs:int"/>
        <xs:element name="changedSince" type="xs:dateTime" minOccurs="0"/>
      </xs:sequence></xs:complexType></xs:element>
      <xs:element name="GetOrderLinesResponse"><xs:complexType><xs:sequence>
        <xs:element name="OrderLines"><xs:complexType><xs:sequence>
          <xs:element name="OrderLine" minOccurs="0" maxOccurs="unbounded"><xs:complexType><xs:sequence>
            <xs:element name="OrderId" type="xs:int"/>
            <xs:element name="CustomerId" type="xs:int"/>
            <xs:element name="OrderDate" type="xs:dateTime"/>
            <xs:element name="ProductId" type="xs:int"/>
            <xs:element name="Quantity" type="xs:int"/>
          </xs:sequence><xs:attribute name="lineId" type="xs:int" use="required"/></xs:complexType></xs:element>
        </xs:sequence></xs:complexType></xs:element>
        <xs:element name="HasMore" type="xs:boolean"/>
      </xs:sequence></xs:complexType></xs:element>
    </xs:schema>
  </wsdl:types>
  <wsdl:message name="GetOrderLinesIn"><wsdl:part name="parameters" element="erp:GetOrderLines"/></wsdl:message>
  <wsdl:message name="GetOrderLinesOut"><wsdl:part name="parameters" element="erp:GetOrderLinesResponse"/></wsdl:message>
  <wsdl:portType name="OrderServiceSoap">
    <wsdl:operation name="GetOrderLines"><wsdl:input message="erp:GetOrderLinesIn"/><wsdl:output message="erp:GetOrderLinesOut"/></wsdl:operation>
  </wsdl:portType>
  <wsdl:binding name="OrderServiceSoap" type="erp:OrderServiceSoap">
    <soap:binding transport="http://schemas.xmlsoap.org/soap/http" style="document"/>
    <wsdl:operation name="GetOrderLines"><soap:operation soapAction="${ERP_ACTION}"/>
      <wsdl:input><soap:body use="literal"/></wsdl:input><wsdl:output><soap:body use="literal"/></wsdl:output>
    </wsdl:operation>
  </wsdl:binding>
  <wsdl:service name="OrderService">
    <wsdl:port name="OrderServiceSoap" binding="erp:OrderServiceSoap"><soap:address location="${address}"/></wsdl:port>
  </wsdl:service>
</wsdl:definitions>`;
}
