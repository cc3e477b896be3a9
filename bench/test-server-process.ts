// The protocol test server in its own process, so that the bench's CPU figures are the client's alone.
// Prints its base URL on the first line of stdout; exits when stdin closes.
import { OpenAITestServer } from '../test/support/openai-test-server.js';

const latencyMs = Number(process.argv[2] ?? '50');
void OpenAITestServer.start({ model: 'bench', latencyMs, apiKey: 'sk-bench-0000000000', inspectPixels: false }).then((server) => {
  process.stdout.write(`${server.baseUrl}\n`);
  process.stdin.resume();
  process.stdin.on('end', () => void server.close().then(() => process.exit(0)));
});
