import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { readPath } from '../shared/json-path';
import type { BodyVerdict } from '../shared/body-verdict';

/**
 * XML bodies (SOAP 1.1/1.2 envelopes, plain XML over HTTP) read into the same shape a JSON body has,
 * so that records paths, paginators and contracts work on them unchanged:
 *
 * - an element is a field named by its local name (namespace prefixes dropped: `soap:Body` is `Body`);
 * - an attribute is a field `@name` beside the element's children; an element with attributes and
 *   text keeps its text as `#text`;
 * - CDATA is text; text is kept as sent, whitespace included (the indentation between elements is not
 *   text and is dropped);
 * - every value is text as received: what it is (a number, a boolean, a list) the contract says, and
 *   `typedByContract` makes it so (XML cannot tell one `<item>` from a list of one).
 */

/** Text made safe inside an XML element or a quoted attribute. */
export const xmlEscape = (value: string) =>
  value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Attribute fields are named `@<name>`; text beside attributes is `#text`. */
export const XML_ATTRIBUTE_PREFIX = '@';
export const XML_TEXT_FIELD = '#text';

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: XML_ATTRIBUTE_PREFIX,
  textNodeName: XML_TEXT_FIELD,
  removeNSPrefix: true,
  // Text stays text: "007" is a code, not 7, unless the contract says number.
  parseTagValue: false,
  parseAttributeValue: false,
  // Text exactly as sent (" a " is not "a"); the indentation between elements is dropped below.
  trimValues: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
});

/**
 * What fast-xml-parser's validator found, in words: a document that ends with elements still open
 * (a body cut short) says which; anything else its message, with where.
 */
function validatorProblem(
  result: true | { err: { msg: string; line: number; col: number } },
): string | undefined {
  if (result === true) return undefined;
  const open = /^Invalid '\[(.*)\]' found\.$/s.exec(result.err.msg);
  if (open) {
    const names = (JSON.parse(`[${open[1]}]`) as unknown[]).map(String);
    return `it ends with ${names.length} element(s) still open, the last <${names.at(-1)}>: cut short`;
  }
  return `${result.err.msg.slice(0, 160)} at line ${result.err.line}, column ${result.err.col}`;
}

/**
 * A body parsed as XML, or why it is not: empty, not well-formed (a body cut short is not), or carrying
 * a document type declaration, which SOAP forbids and which is how entity-expansion attacks arrive.
 */
export function parseXmlBody(body: Buffer | string): BodyVerdict<unknown> {
  const text = typeof body === 'string' ? body : body.toString('utf8');
  if (!text.trim()) return { problem: 'is not XML (the body is empty)' };
  if (/<!DOCTYPE/i.test(text)) return { problem: 'is refused: it declares a document type (<!DOCTYPE …>)' };
  const problem = validatorProblem(XMLValidator.validate(text) as never);
  if (problem) return { problem: `is not well-formed XML (${problem})` };
  return { content: withoutIndentation(parser.parse(text)) };
}

/** The whitespace-only text between elements (a pretty-printed document's indentation), removed. */
function withoutIndentation(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutIndentation);
  if (value === null || typeof value !== 'object') return value;
  const fields: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value as Record<string, unknown>)) {
    if (key === XML_TEXT_FIELD && typeof field === 'string' && !field.trim()) continue;
    fields[key] = withoutIndentation(field);
  }
  return fields;
}

/** A SOAP Fault: its code and its words, as the service sent them. */
export interface SoapFault {
  code: string;
  message: string;
  /** Present when the fault carried a `detail` / `Detail` element (kept as parsed, for the log). */
  detail?: unknown;
}

const text = (value: unknown): string | undefined => {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'object') {
    const inner = (value as Record<string, unknown>)[XML_TEXT_FIELD];
    return inner === undefined ? undefined : String(inner);
  }
  return String(value);
};

/** The first of a repeated element (SOAP 1.2 allows a Reason in several languages). */
const first = (value: unknown): unknown => (Array.isArray(value) ? value[0] : value);

/**
 * The Fault in a SOAP envelope's Body, 1.1 (`faultcode`, `faultstring`) or 1.2 (`Code/Value`,
 * `Reason/Text`), or undefined when the Body holds none.
 */
export function soapFault(document: unknown): SoapFault | undefined {
  const fault = readPath(document, 'Envelope.Body.Fault');
  if (fault === undefined) return undefined;
  const fields = (fault && typeof fault === 'object' ? fault : {}) as Record<string, unknown>;
  const code = text(fields.faultcode) ?? text(readPath(fields, 'Code.Value')) ?? 'unknown';
  const message =
    text(fields.faultstring) ?? text(first(readPath(fields, 'Reason.Text'))) ?? '(no fault string)';
  const detail = fields.detail ?? fields.Detail;
  return { code, message, ...(detail === undefined ? {} : { detail }) };
}

/** The JSON Schema of a contract field, as far as typing XML text needs it. */
interface FieldSchema {
  type?: string | string[];
  properties?: Record<string, FieldSchema>;
  items?: FieldSchema;
}

const typesOf = (schema: FieldSchema): string[] =>
  Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];

/** A number as XML writes one (xsd:decimal, xsd:double, xsd:integer): nothing looser. */
const XML_NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

function isNil(value: unknown): boolean {
  return (
    value !== null &&
    typeof value === 'object' &&
    String((value as Record<string, unknown>)[`${XML_ATTRIBUTE_PREFIX}nil`]) === 'true'
  );
}

/**
 * A value read from XML, typed as the contract's field declares it: text to a number, integer or
 * boolean where the contract says so; a list where it declares an array (one element, or none, is
 * still a list); an empty or `xsi:nil` element to null where null is allowed. What does not fit stays
 * as received, so that the contract rejects it with its reason instead of a guess passing.
 */
export function typedByContract(value: unknown, schema: FieldSchema | undefined): unknown {
  if (!schema) return value;
  const types = typesOf(schema);
  const nullable = types.includes('null');
  if (isNil(value)) return nullable ? null : value;
  if (types.includes('array')) {
    if (value === undefined || value === '') return [];
    // <tags><tag>a</tag><tag>b</tag></tags>: the wrapper's one child holds the items (an empty
    // <tag></tag> among them is an empty string, not a missing item).
    let items: unknown = value;
    if (items !== null && typeof items === 'object' && !Array.isArray(items)) {
      const children = Object.keys(items).filter((key) => !key.startsWith(XML_ATTRIBUTE_PREFIX));
      if (children.length === 1 && !schema.items?.properties?.[children[0]!])
        items = (items as Record<string, unknown>)[children[0]!];
    }
    const list = Array.isArray(items) ? items : [items];
    return list.map((item) => typedByContract(item, schema.items));
  }
  if (value === '' && nullable && !types.includes('string')) return null;
  if (types.includes('object') && value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const fields = value as Record<string, unknown>;
    const typed: Record<string, unknown> = {};
    for (const [key, field] of Object.entries(fields)) {
      const name = key.startsWith(XML_ATTRIBUTE_PREFIX) && !schema.properties?.[key] ? key.slice(1) : key;
      // An attribute is a field like a child element, unless the contract names it with its @.
      const target = schema.properties?.[name] ? name : key;
      typed[target] = typedByContract(field, schema.properties?.[target]);
    }
    for (const [name, property] of Object.entries(schema.properties ?? {}))
      if (!(name in typed) && typesOf(property).includes('array')) typed[name] = [];
    return typed;
  }
  if (typeof value === 'object' && value !== null && !Array.isArray(value) && XML_TEXT_FIELD in value)
    return typedByContract((value as Record<string, unknown>)[XML_TEXT_FIELD], schema);
  if (typeof value !== 'string') return value;
  // XML Schema's numbers and booleans ignore surrounding whitespace; strings keep theirs.
  const trimmed = value.trim();
  if ((types.includes('integer') || types.includes('number')) && XML_NUMBER.test(trimmed)) {
    const number = Number(trimmed);
    if (types.includes('number') || Number.isSafeInteger(number)) return number;
  }
  if (types.includes('boolean')) {
    if (trimmed === 'true' || trimmed === '1') return true;
    if (trimmed === 'false' || trimmed === '0') return false;
  }
  return value;
}

/**
 * The records at `recordsPath` in an XML document: the repeated element's occurrences, one (XML writes
 * a list of one as a single element) or none. The path's parent element must be there, even empty
 * (`<Products/>`): a path that names nothing is a problem, never a silent empty page.
 */
export function xmlRecords(document: unknown, recordsPath: string): BodyVerdict<unknown[]> {
  const parts = recordsPath.replace(/^\$\./, '').split('.').filter(Boolean);
  if (!parts.length)
    return {
      problem: 'needs a records path naming the repeated element (e.g. Envelope.Body.Response.Items.Item)',
    };
  const parentPath = parts.slice(0, -1).join('.');
  const parent = parentPath ? readPath(document, parentPath) : document;
  if (parent === undefined)
    return { problem: `has no element at "${parentPath}" (records path "${recordsPath}")` };
  const found =
    parent !== null && typeof parent === 'object'
      ? (parent as Record<string, unknown>)[parts.at(-1)!]
      : undefined;
  if (found === undefined || found === '') return { content: [] };
  return { content: Array.isArray(found) ? found : [found] };
}

/**
 * An XML page as extract and validate both read it: parsed, a SOAP Fault named as such, then its
 * records; or what is wrong, in words (`problem`) and as a reject's rule and value.
 */
export function readXmlPage(
  body: Buffer | string,
  recordsPath: string,
):
  | { content: { document: unknown; records: unknown[] } }
  | { problem: string; rule: 'invalid_xml' | 'soap_fault' | 'records_path'; actual: string } {
  const parsed = parseXmlBody(body);
  if (!('content' in parsed)) return { problem: parsed.problem, rule: 'invalid_xml', actual: parsed.problem };
  const document = parsed.content;
  const fault = soapFault(document);
  if (fault) {
    const said = `${fault.code}: ${fault.message}`;
    return { problem: `is a SOAP Fault (${said})`, rule: 'soap_fault', actual: said };
  }
  const records = xmlRecords(document, recordsPath);
  if (!('content' in records))
    return { problem: records.problem, rule: 'records_path', actual: records.problem };
  return { content: { document, records: records.content } };
}
