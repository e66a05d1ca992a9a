import { columnName, nestedColumnName } from '../../lambdas/contracts/column-names';
import { canonicalJson, recordHash } from '../../lambdas/contracts/canonical-json';
import { tablesFromSchema } from '../../lambdas/contracts/table-spec';

describe('column names', () => {
  it.each([
    ['countryCode', 'country_code'],
    ['EFConsPerCap', 'ef_cons_per_cap'],
    ['__v', 'v'],
    ['order', 'order_'],
    ['select', 'select_'],
    ['2nd place', 'f_2nd_place'],
    ['café-Straße', 'cafe_stra_e'],
    ['user.id', 'user_id'],
    ['???', 'field'],
  ])('%s becomes %s', (field, column) => {
    expect(columnName(field)).toBe(column);
  });

  it('joins nested fields with __', () => {
    expect(nestedColumnName(['address', 'geolocation', 'lat'])).toBe('address__geolocation__lat');
    expect(nestedColumnName(['rating', 'rate'])).toBe('rating__rate');
  });
});

describe('tables from a contract', () => {
  const schema = {
    type: 'object',
    required: ['id', 'items'],
    properties: {
      id: { type: 'integer' },
      placedAt: { type: 'string', format: 'date-time' },
      shipping: {
        type: 'object',
        required: ['city'],
        properties: { city: { type: 'string' }, zip: { type: ['string', 'null'] } },
      },
      secret: { type: 'string' },
      tags: { type: 'array', items: { type: 'string' } },
      items: {
        type: 'array',
        items: {
          type: 'object',
          required: ['sku'],
          properties: { sku: { type: 'string' }, qty: { type: 'integer' } },
        },
      },
      extra: { type: 'object' },
    },
  };

  it('flattens objects, keeps scalar arrays as JSON, moves arrays of objects to a child table, leaves out excluded fields', () => {
    const [main, child] = tablesFromSchema('orders', schema, ['secret']);
    expect(main).toEqual({
      name: 'orders',
      columns: [
        { name: 'id', path: ['id'], type: 'integer', nullable: false },
        { name: 'placed_at', path: ['placedAt'], type: 'timestamp', nullable: true },
        // Required inside an optional object: the column can still be null.
        { name: 'shipping__city', path: ['shipping', 'city'], type: 'string', nullable: true },
        { name: 'shipping__zip', path: ['shipping', 'zip'], type: 'string', nullable: true },
        { name: 'tags', path: ['tags'], type: 'json', nullable: true },
        { name: 'extra', path: ['extra'], type: 'json', nullable: true },
      ],
    });
    expect(child).toEqual({
      name: 'orders__items',
      arrayPath: ['items'],
      columns: [
        { name: 'sku', path: ['sku'], type: 'string', nullable: false },
        { name: 'qty', path: ['qty'], type: 'integer', nullable: true },
      ],
    });
  });
});

describe('record hash', () => {
  it('is the same whatever the key order, and changes with any value', () => {
    const a = { id: 1, name: 'x', nested: { b: [1, { d: true, c: null }], a: 'é' } };
    const b = { nested: { a: 'é', b: [1, { c: null, d: true }] }, name: 'x', id: 1 };
    expect(canonicalJson(a)).toBe('{"id":1,"name":"x","nested":{"a":"é","b":[1,{"c":null,"d":true}]}}');
    expect(recordHash(a)).toBe(recordHash(b));
    expect(recordHash(a)).toMatch(/^[0-9a-f]{32}$/);
    expect(recordHash({ ...a, id: 2 })).not.toBe(recordHash(a));
  });

  it('orders keys as the contract declares them, then unknown keys sorted, at every level', () => {
    const schema = {
      type: 'object',
      properties: {
        name: { type: 'string' },
        id: { type: 'integer' },
        nested: { type: 'object', properties: { z: { type: 'string' }, a: { type: 'string' } } },
      },
    };
    const record = { zeta: 1, id: 7, nested: { a: 'a', y: 2, z: 'z' }, alpha: true, name: 'n' };
    expect(canonicalJson(record, schema)).toBe(
      '{"name":"n","id":7,"nested":{"z":"z","a":"a","y":2},"alpha":true,"zeta":1}',
    );
    // A compact record already in the contract's order is its own canonical text.
    const inOrder = '{"name":"n","id":7,"nested":{"z":"z","a":"a"}}';
    expect(canonicalJson(JSON.parse(inOrder), schema)).toBe(inOrder);
    expect(recordHash(JSON.parse(inOrder), schema)).toBe(
      recordHash({ nested: { a: 'a', z: 'z' }, id: 7, name: 'n' }, schema),
    );
  });

  it('writes values as JSON.stringify does', () => {
    const value = { n: 1e21, f: 0.1, s: 'quote " and \\ and \n', u: undefined, arr: [undefined, NaN] };
    expect(canonicalJson(value)).toBe(
      JSON.stringify({ arr: [null, null], f: 0.1, n: 1e21, s: 'quote " and \\ and \n' }),
    );
  });
});
