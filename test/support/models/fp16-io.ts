// The fp16-I/O variant of a generated graph: the graph's float inputs and outputs declared float16, as
// Hugging Face / optimum fp16 exports declare them, with a Cast to float32 right after each float input and
// a Cast back to float16 before each float output. Inside, the arithmetic stays the fp32 graph's, so the
// file runs on ONNX Runtime's CPU provider here and the only rounding is float16's at the boundaries; what
// it tests is the captioner feeding and reading the declared types. int64 and bool inputs stay as they are.
import { DataType, type Attribute, type GraphData, type NodeData, type ValueInfo } from '../../../src/core/captioner/onnx/onnx-proto.js';

/** Every use of a name in a graph and its If branches (which see the outer graph's names), renamed. */
function renameUses(graph: GraphData, renames: ReadonlyMap<string, string>): GraphData {
  const nodes = graph.nodes.map((node): NodeData => {
    const attributes: Record<string, Attribute> = {};
    for (const [key, a] of Object.entries(node.attributes)) attributes[key] = a.kind === 'graph' ? { kind: 'graph', value: renameUses(a.value, renames) } : a;
    return {
      ...node,
      inputs: node.inputs.map((n) => renames.get(n) ?? n),
      outputs: node.outputs.map((n) => renames.get(n) ?? n),
      attributes,
    };
  });
  return { ...graph, nodes };
}

function cast(from: string, to: string, dataType: DataType, name: string): NodeData {
  return { opType: 'Cast', inputs: [from], outputs: [to], name, attributes: { to: { kind: 'int', value: dataType } } };
}

const isFloat = (v: ValueInfo) => v.dataType === DataType.FLOAT;
const asHalf = (v: ValueInfo): ValueInfo => (isFloat(v) ? { ...v, dataType: DataType.FLOAT16 } : v);

/** The graph with float16 inputs and outputs around its float32 body (see the file comment). */
export function withHalfIO(graph: GraphData): GraphData {
  const floatInputs = graph.inputs.filter(isFloat).map((v) => v.name);
  const floatOutputs = graph.outputs.filter(isFloat).map((v) => v.name);
  // Inside, each float input and output is read and written under a new name; the graph's own names
  // belong to the casts.
  const renames = new Map([...floatInputs, ...floatOutputs].map((name) => [name, `${name}/fp32`]));
  const body = renameUses(graph, renames);
  return {
    ...body,
    nodes: [
      ...floatInputs.map((name) => cast(name, renames.get(name)!, DataType.FLOAT, `${name}/cast_in`)),
      ...body.nodes,
      ...floatOutputs.map((name) => cast(renames.get(name)!, name, DataType.FLOAT16, `${name}/cast_out`)),
    ],
    inputs: graph.inputs.map(asHalf),
    outputs: graph.outputs.map(asHalf),
  };
}
