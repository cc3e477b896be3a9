// A minimal ONNX protobuf writer: just the messages a model file needs (ModelProto, GraphProto, NodeProto,
// TensorProto, ValueInfoProto, AttributeProto). Written by hand so that the device probes and the
// test-model generators need nothing outside npm (no Python, no protobuf library). Field numbers are from
// onnx/onnx.proto3.
// Output is deterministic: same inputs, same bytes.

export const DataType = { FLOAT: 1, UINT8: 2, INT64: 7, BOOL: 9, FLOAT16: 10 } as const;
export type DataType = (typeof DataType)[keyof typeof DataType];

export type Dim = number | string;

export interface TensorData {
  name: string;
  dims: readonly number[];
  dataType: DataType;
  /** Little-endian raw bytes (ONNX raw_data). */
  raw: Uint8Array;
}

export type Attribute =
  | { kind: 'float'; value: number }
  | { kind: 'int'; value: number }
  | { kind: 'ints'; value: readonly number[] }
  | { kind: 'tensor'; value: TensorData }
  | { kind: 'graph'; value: GraphData };

export interface NodeData {
  opType: string;
  inputs: readonly string[];
  outputs: readonly string[];
  name: string;
  attributes: Readonly<Record<string, Attribute>>;
  /** An operator set other than the default ONNX one (e.g. com.microsoft for MatMulNBits). */
  domain?: string;
}

export interface ValueInfo {
  name: string;
  dataType: DataType;
  /** Undefined: a tensor of unknown shape (used for If-branch outputs). */
  shape?: readonly Dim[];
}

export interface GraphData {
  name: string;
  nodes: readonly NodeData[];
  initializers: readonly TensorData[];
  inputs: readonly ValueInfo[];
  outputs: readonly ValueInfo[];
}

/** Growable byte buffer with the protobuf wire primitives. */
class Writer {
  private buf = new Uint8Array(256);
  private len = 0;

  private ensure(extra: number): void {
    if (this.len + extra <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + extra) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  byte(b: number): void {
    this.ensure(1);
    this.buf[this.len++] = b;
  }

  /** Varint of a signed 64-bit integer (negatives take 10 bytes, as protobuf int64 does). */
  varint(value: number | bigint): void {
    let v = BigInt.asUintN(64, BigInt(value));
    while (v >= 0x80n) {
      this.byte(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.byte(Number(v));
  }

  bytes(data: Uint8Array): void {
    this.ensure(data.length);
    this.buf.set(data, this.len);
    this.len += data.length;
  }

  tag(field: number, wireType: 0 | 1 | 2 | 5): void {
    this.varint((field << 3) | wireType);
  }

  intField(field: number, value: number | bigint): void {
    this.tag(field, 0);
    this.varint(value);
  }

  bytesField(field: number, data: Uint8Array): void {
    this.tag(field, 2);
    this.varint(data.length);
    this.bytes(data);
  }

  stringField(field: number, text: string): void {
    this.bytesField(field, new TextEncoder().encode(text));
  }

  messageField(field: number, write: (w: Writer) => void): void {
    const inner = new Writer();
    write(inner);
    this.bytesField(field, inner.finish());
  }

  floatField(field: number, value: number): void {
    this.tag(field, 5);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    this.bytes(b);
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

function writeTensor(w: Writer, t: TensorData): void {
  for (const d of t.dims) w.intField(1, d);
  w.intField(2, t.dataType);
  w.stringField(8, t.name);
  w.bytesField(9, t.raw);
}

function writeValueInfo(w: Writer, v: ValueInfo): void {
  w.stringField(1, v.name);
  w.messageField(2, (type) => {
    type.messageField(1, (tensorType) => {
      tensorType.intField(1, v.dataType);
      if (v.shape) {
        const shape = v.shape;
        tensorType.messageField(2, (s) => {
          for (const d of shape) {
            s.messageField(1, (dim) => (typeof d === 'number' ? dim.intField(1, d) : dim.stringField(2, d)));
          }
        });
      }
    });
  });
}

const ATTRIBUTE_TYPE = { float: 1, int: 2, tensor: 4, graph: 5, ints: 7 } as const;

function writeAttribute(w: Writer, name: string, a: Attribute): void {
  w.stringField(1, name);
  switch (a.kind) {
    case 'float':
      w.floatField(2, a.value);
      break;
    case 'int':
      w.intField(3, a.value);
      break;
    case 'tensor':
      w.messageField(5, (t) => writeTensor(t, a.value));
      break;
    case 'graph':
      w.messageField(6, (g) => writeGraph(g, a.value));
      break;
    case 'ints':
      for (const v of a.value) w.intField(8, v);
      break;
  }
  w.intField(20, ATTRIBUTE_TYPE[a.kind]);
}

function writeNode(w: Writer, n: NodeData): void {
  for (const i of n.inputs) w.stringField(1, i);
  for (const o of n.outputs) w.stringField(2, o);
  w.stringField(3, n.name);
  w.stringField(4, n.opType);
  for (const [name, a] of Object.entries(n.attributes)) w.messageField(5, (attr) => writeAttribute(attr, name, a));
  if (n.domain) w.stringField(7, n.domain);
}

function writeGraph(w: Writer, g: GraphData): void {
  for (const n of g.nodes) w.messageField(1, (node) => writeNode(node, n));
  w.stringField(2, g.name);
  for (const t of g.initializers) w.messageField(5, (tensor) => writeTensor(tensor, t));
  for (const v of g.inputs) w.messageField(11, (vi) => writeValueInfo(vi, v));
  for (const v of g.outputs) w.messageField(12, (vi) => writeValueInfo(vi, v));
}

/** Serialises a model: IR version 8, the default ONNX domain at `opset`, and any `domains` its nodes use. */
export function encodeModel(graph: GraphData, opset: number, producer: string, domains: readonly { domain: string; version: number }[] = []): Uint8Array {
  const w = new Writer();
  w.intField(1, 8); // ir_version
  w.stringField(2, producer);
  w.stringField(3, '1');
  w.messageField(7, (g) => writeGraph(g, graph));
  w.messageField(8, (o) => {
    o.stringField(1, '');
    o.intField(2, opset);
  });
  for (const { domain, version } of domains) {
    w.messageField(8, (o) => {
      o.stringField(1, domain);
      o.intField(2, version);
    });
  }
  return w.finish();
}
