// Captures what an in-process CLI run writes to stderr or stdout; restores the stream however `fn` ends.
type Stream = NodeJS.WriteStream;

async function capture<T>(stream: Stream, fn: () => Promise<T>): Promise<{ value: T; text: string }> {
  const write = stream.write.bind(stream);
  let text = '';
  stream.write = ((chunk: string | Uint8Array) => {
    text += chunk.toString();
    return true;
  }) as Stream['write'];
  try {
    return { value: await fn(), text };
  } finally {
    stream.write = write;
  }
}

export async function captureStderr<T>(fn: () => Promise<T>): Promise<{ value: T; stderr: string }> {
  const { value, text } = await capture(process.stderr, fn);
  return { value, stderr: text };
}

export async function captureStdout<T>(fn: () => Promise<T>): Promise<{ value: T; stdout: string }> {
  const { value, text } = await capture(process.stdout, fn);
  return { value, stdout: text };
}
