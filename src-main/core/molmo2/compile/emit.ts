// Encodes a Graph as an ONNX ModelProto through onnx-proto (protobufjs), with raw numeric enums where needed.
// Inline constants go into raw_data; weights stay external (location/offset/length into existing files).
import onnxProto from 'onnx-proto';
import { ONNX_DTYPE, type AttrValue, type ConstTensor, type Graph, type Initializer, type Value } from './graph.js';

const { onnx } = onnxProto;

export interface ModelOptions {
  opset?: number;
  irVersion?: number;
  producer?: string;
  /** Extra metadata_props (e.g. the graph kind and config hash). */
  metadata?: Record<string, string>;
}

function rawBytes(t: ConstTensor): Uint8Array {
  return new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
}

function tensorProto(name: string, t: ConstTensor): onnxProto.onnx.ITensorProto {
  return { name, dataType: ONNX_DTYPE[t.dtype], dims: [...t.dims], rawData: rawBytes(t) };
}

function initializerProto(init: Initializer): onnxProto.onnx.ITensorProto {
  if (init.inline) return tensorProto(init.value.name, init.inline);
  const e = init.external!;
  return {
    name: init.value.name,
    dataType: ONNX_DTYPE[e.dtype],
    dims: [...e.dims],
    dataLocation: 1, // EXTERNAL
    externalData: [
      { key: 'location', value: e.location },
      { key: 'offset', value: String(e.offset) },
      { key: 'length', value: String(e.length) },
    ],
  };
}

function valueInfo(v: Value): onnxProto.onnx.IValueInfoProto {
  const tensorType: onnxProto.onnx.TypeProto.ITensor = { elemType: ONNX_DTYPE[v.dtype] };
  if (v.shape)
    tensorType.shape = { dim: v.shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) };
  return { name: v.name, type: { tensorType } };
}

function attrProto(name: string, a: AttrValue, opset: number): onnxProto.onnx.IAttributeProto {
  if (typeof a === 'number') return { name, type: 2, i: a };
  if (typeof a === 'bigint') return { name, type: 2, i: Number(a) };
  if (typeof a === 'string') return { name, type: 3, s: new TextEncoder().encode(a) };
  if (Array.isArray(a)) return { name, type: 7, ints: (a as (number | bigint)[]).map((x) => Number(x)) };
  if ('float' in a) return { name, type: 1, f: a.float };
  if ('floats' in a) return { name, type: 6, floats: a.floats };
  if ('tensor' in a) return { name, type: 4, t: tensorProto('', a.tensor) };
  return { name, type: 5, g: graphProto(a, opset) };
}

function graphProto(g: Graph, opset: number): onnxProto.onnx.IGraphProto {
  return {
    name: g.name,
    node: g.nodes.map((n) => ({
      opType: n.op,
      domain: n.domain,
      name: n.name,
      input: [...n.inputs],
      output: [...n.outputs],
      attribute: Object.entries(n.attrs).map(([k, v]) => attrProto(k, v, opset)),
    })),
    input: g.inputs.map(valueInfo),
    output: g.outputs.map((o) => valueInfo(g.parent ? { ...o, shape: null } : o)),
    initializer: g.initializers.map(initializerProto),
  };
}

/** onnxruntime's contrib-op domain (MatMulNBits). */
export const MS_DOMAIN = 'com.microsoft';

function usesDomain(g: Graph, domain: string): boolean {
  return g.nodes.some(
    (n) =>
      n.domain === domain ||
      Object.values(n.attrs).some((a) => a instanceof Object && 'nodes' in a && usesDomain(a as Graph, domain)),
  );
}

/** Serialises a root graph to ModelProto bytes (irVersion 10, opset 21 by default). */
export function encodeModel(g: Graph, opts: ModelOptions = {}): Uint8Array {
  const opset = opts.opset ?? 21;
  const model: onnxProto.onnx.IModelProto = {
    irVersion: opts.irVersion ?? 10,
    producerName: opts.producer ?? 'molmoscope-graph-compiler',
    opsetImport: [
      { domain: '', version: opset },
      ...(usesDomain(g, MS_DOMAIN) ? [{ domain: MS_DOMAIN, version: 1 }] : []),
    ],
    graph: graphProto(g, opset),
    metadataProps: Object.entries(opts.metadata ?? {}).map(([key, value]) => ({ key, value })),
  };
  return onnx.ModelProto.encode(onnx.ModelProto.fromObject(model as Record<string, unknown>)).finish();
}
