// A typed ONNX graph as a plain data structure: values (name, dtype, shape), nodes, initializers, subgraphs.
// Op constructors (ops.ts) only append nodes; nothing here encodes protobuf, so passes (LoRA, backward) can rewrite it.

export type DType = 'float32' | 'float16' | 'bfloat16' | 'int64' | 'int32' | 'bool' | 'uint8';
/** A dimension: a fixed size, or a symbolic name (unknown until run time). */
export type Dim = number | string;

/** ONNX TensorProto.DataType numbers (raw, so newer types need no newer enum). */
export const ONNX_DTYPE: Record<DType, number> = {
  float32: 1,
  uint8: 2,
  int32: 6,
  int64: 7,
  bool: 9,
  float16: 10,
  bfloat16: 16,
};
export const DTYPE_SIZE: Record<DType, number> = {
  float32: 4,
  uint8: 1,
  int32: 4,
  int64: 8,
  bool: 1,
  float16: 2,
  bfloat16: 2,
};

export interface Value {
  readonly name: string;
  readonly dtype: DType;
  /** Shape when known; a symbolic Dim is a named unknown size, `null` means unknown rank. */
  readonly shape: readonly Dim[] | null;
}

export type AttrValue =
  | number
  | bigint
  | string
  | number[]
  | bigint[]
  | Graph
  | { float: number }
  | { floats: number[] }
  | { tensor: ConstTensor };

export interface Node {
  readonly op: string;
  readonly domain: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attrs: Readonly<Record<string, AttrValue>>;
  readonly name: string;
}

/** A constant with inline data (small tensors only). */
export interface ConstTensor {
  readonly dtype: DType;
  readonly dims: readonly number[];
  readonly data: Float32Array | BigInt64Array | Int32Array | Uint8Array;
}

/** A weight stored outside the .onnx file: a byte range of a file next to (or below) the model file. */
export interface ExternalTensor {
  readonly dtype: DType;
  readonly dims: readonly number[];
  readonly location: string;
  readonly offset: number;
  readonly length: number;
}

export interface Initializer {
  readonly value: Value;
  readonly inline?: ConstTensor;
  readonly external?: ExternalTensor;
  /** Origin (e.g. the Hugging Face parameter name) for adapters and gradient passes. */
  readonly source?: string;
}

/** Shared across a model and its subgraphs so every value name is unique in every scope. */
export class NameScope {
  private n = 0;
  fresh(hint: string): string {
    return `${hint}_${this.n++}`;
  }
}

/** A graph under construction; subgraphs (Loop/If bodies) share the parent's NameScope and may read its values. */
export class Graph {
  readonly nodes: Node[] = [];
  readonly inputs: Value[] = [];
  readonly outputs: Value[] = [];
  readonly initializers: Initializer[] = [];
  constructor(
    readonly name: string,
    readonly scope: NameScope = new NameScope(),
    readonly parent?: Graph,
  ) {}

  /** A new subgraph for a control-flow body. */
  sub(name: string): Graph {
    return new Graph(name, this.scope, this);
  }

  /** The outermost graph (initializers belong there so every body shares one copy). */
  root(): Graph {
    return this.parent ? this.parent.root() : this;
  }

  input(name: string, dtype: DType, shape: readonly Dim[] | null): Value {
    const v: Value = { name, dtype, shape };
    this.inputs.push(v);
    return v;
  }

  /** Marks `v` as a graph output, renamed through Identity when a name is requested. */
  output(v: Value, name?: string): Value {
    // ORT rejects a subgraph output that is an outer-scope value or initializer: route those through Identity.
    const local = this.inputs.some((i) => i.name === v.name) || this.nodes.some((n) => n.outputs.includes(v.name));
    if (this.parent && !local && name === undefined) name = this.scope.fresh('out');
    if (name === undefined || name === v.name) {
      this.outputs.push(v);
      return v;
    }
    const out: Value = { name, dtype: v.dtype, shape: v.shape };
    this.nodes.push({
      op: 'Identity',
      domain: '',
      inputs: [v.name],
      outputs: [name],
      attrs: {},
      name: this.scope.fresh('Identity'),
    });
    this.outputs.push(out);
    return out;
  }

  /** Appends one node; returns its output values (dtype/shape given by the op constructor). */
  add(
    op: string,
    inputs: readonly (Value | null)[],
    outs: readonly { dtype: DType; shape: readonly Dim[] | null }[],
    attrs: Record<string, AttrValue> = {},
    domain = '',
    nodeName?: string,
  ): Value[] {
    const outputs = outs.map((o) => ({ name: this.scope.fresh(op.toLowerCase()), dtype: o.dtype, shape: o.shape }));
    this.nodes.push({
      op,
      domain,
      attrs,
      name: nodeName ?? this.scope.fresh(`n${op}`),
      inputs: inputs.map((i) => (i ? i.name : '')),
      outputs: outputs.map((o) => o.name),
    });
    return outputs;
  }

  /** A small inline constant held as an initializer of the root graph. */
  constant(t: ConstTensor, hint = 'const'): Value {
    const value: Value = { name: this.scope.fresh(hint), dtype: t.dtype, shape: [...t.dims] };
    this.root().initializers.push({ value, inline: t });
    return value;
  }

  /** An external weight (root graph initializer). */
  external(t: ExternalTensor, source: string): Value {
    const value: Value = {
      name: this.scope.fresh(source.replace(/[^A-Za-z0-9_]/g, '_').slice(-60)),
      dtype: t.dtype,
      shape: [...t.dims],
    };
    this.root().initializers.push({ value, external: t, source });
    return value;
  }
}
