// Preloaded into a child process (node --import): says on stderr when ONNX Runtime or transformers.js loads.
import Module from 'node:module';

const original = Module._load;
Module._load = function (request, ...rest) {
  if (/^(onnxruntime-node|@huggingface\/transformers)$/.test(request)) process.stderr.write(`LOADED ${request}\n`);
  return original.call(this, request, ...rest);
};
