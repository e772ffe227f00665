// fast-check arbitraries generated from the contract's zod (v4) schemas by walking their definitions: values inside
// the declared bounds, the bounds themselves and their neighbours, and optional keys left out or given.
// `overrides` replaces the arbitrary of a named object key (paths must stay inside a test's scratch directory).
import fc from 'fast-check';
import type { z } from 'zod';

type Def = {
  type: string;
  checks?: Array<{ _zod: { def: Record<string, unknown> } }>;
  shape?: Record<string, z.ZodType>;
  element?: z.ZodType;
  innerType?: z.ZodType;
  options?: z.ZodType[];
  entries?: Record<string, string>;
  values?: unknown[];
  valueType?: z.ZodType;
  items?: z.ZodType[];
};

export type Overrides = Record<string, fc.Arbitrary<unknown>>;

const defOf = (s: z.ZodType) => (s as unknown as { _zod: { def: Def } })._zod.def;
const checksOf = (d: Def) => (d.checks ?? []).map((c) => c._zod.def);

function numberArb(d: Def): fc.Arbitrary<number> {
  let min = -1e12;
  let max = 1e12;
  let minOpen = false;
  let int = false;
  for (const c of checksOf(d)) {
    if (c.check === 'greater_than') [min, minOpen] = [c.value as number, !c.inclusive];
    if (c.check === 'less_than') max = c.value as number;
    if (c.check === 'number_format' && String(c.format).includes('int')) int = true;
  }
  if (int) {
    const lo = Math.ceil(minOpen ? min + 1 : min);
    const hi = Math.floor(Math.min(max, Number.MAX_SAFE_INTEGER));
    return fc.oneof(
      fc.integer({ min: lo, max: Math.min(hi, lo + 20) }),
      fc.constantFrom(lo, hi),
      fc.maxSafeInteger().map((n) => lo + (Math.abs(n) % (hi - lo + 1))),
    );
  }
  const lo = minOpen ? min + Math.max(1e-9, Math.abs(min) * 1e-12) : min;
  return fc
    .oneof(
      fc.double({ min: lo, max, noNaN: true, noDefaultInfinity: true }),
      fc.constantFrom(lo, max, (lo + max) / 2),
      fc.double({ min: lo, max: Math.min(max, lo + 10), noNaN: true }),
    )
    .filter((n) => Number.isFinite(n) && n >= lo && n <= max && !(minOpen && n <= min));
}

function lengthBounds(d: Def, dflt: number): { minLength: number; maxLength: number } {
  let minLength = 0;
  let maxLength = dflt;
  for (const c of checksOf(d)) {
    if (c.check === 'min_length') minLength = c.minimum as number;
    if (c.check === 'max_length') maxLength = Math.min(c.maximum as number, dflt);
  }
  return { minLength, maxLength: Math.max(minLength, maxLength) };
}

function objectArb(d: Def, overrides: Overrides): fc.Arbitrary<unknown> {
  const shape = d.shape ?? {};
  const record: Record<string, fc.Arbitrary<unknown>> = {};
  const required: string[] = [];
  for (const [k, v] of Object.entries(shape)) {
    record[k] = overrides[k] ?? arbitraryOf(v, overrides);
    const t = defOf(v).type;
    if (t !== 'optional' && t !== 'default') required.push(k);
  }
  return fc.record(record, { requiredKeys: required });
}

/** An arbitrary of values the schema is meant to accept (refinements across fields may still refuse some). */
export function arbitraryOf(schema: z.ZodType, overrides: Overrides = {}): fc.Arbitrary<unknown> {
  const d = defOf(schema);
  switch (d.type) {
    case 'string': {
      const b = lengthBounds(d, 64);
      return fc.oneof(fc.string(b), fc.string({ ...b, unit: 'binary' }));
    }
    case 'number':
      return numberArb(d);
    case 'boolean':
      return fc.boolean();
    case 'literal':
      return fc.constantFrom(...(d.values ?? []));
    case 'enum':
      return fc.constantFrom(...Object.values(d.entries ?? {}));
    case 'optional':
    case 'default':
    case 'readonly':
    case 'catch':
      return arbitraryOf(d.innerType!, overrides);
    case 'nullable':
      return fc.option(arbitraryOf(d.innerType!, overrides), { nil: null });
    case 'array':
      return fc.array(arbitraryOf(d.element!, overrides), lengthBounds(d, 8));
    case 'object':
      return objectArb(d, overrides);
    case 'union':
      return fc.oneof(...(d.options ?? []).map((o) => arbitraryOf(o, overrides)));
    case 'tuple':
      return fc.tuple(...(d.items ?? []).map((o) => arbitraryOf(o, overrides)));
    case 'record':
      return fc.dictionary(fc.string({ maxLength: 8 }), arbitraryOf(d.valueType!, overrides), { maxKeys: 4 });
    case 'unknown':
    case 'any':
      return fc.jsonValue({ maxDepth: 2 });
    default:
      throw new Error(`zod-arbitrary: no generator for schema type "${d.type}"`);
  }
}

/** Values that break a payload: wrong types, absurd numbers, huge strings, unknown keys, other JSON. */
export function invalidArbitraryOf(schema: z.ZodType, overrides: Overrides = {}): fc.Arbitrary<unknown> {
  const absurd = fc.constantFrom<unknown>(
    1e308,
    -1e308,
    1e9,
    -1,
    0,
    2e-9,
    1e-6,
    -0,
    0.5,
    Number.MAX_SAFE_INTEGER + 2,
    '',
    'x'.repeat(5000),
    null,
    true,
    [],
    {},
    [1e9],
    '1e9',
    '\u0000',
    '../..',
    '%',
  );
  const valid = arbitraryOf(schema, overrides);
  const mutated = fc.tuple(valid, fc.string({ maxLength: 12 }), absurd).map(([v, key, bad]) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const keys = Object.keys(v);
      const k = keys.length && key.length % 2 === 0 ? keys[key.length % keys.length]! : key || 'surprise';
      return { ...v, [k]: bad };
    }
    return bad;
  });
  return fc.oneof(mutated, fc.jsonValue({ maxDepth: 3 }), absurd);
}
