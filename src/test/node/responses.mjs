// The official OpenAI Node SDK against the gateway's Responses API, as an agent framework calls it.
// Usage: node responses.mjs <gateway base URL, ending in /v1> <model>
// Prints one JSON object per check on its own line ({"check": ..., ...}); ResponsesSdkTest asserts them.
// Exits non-zero when the SDK throws.
import OpenAI from 'openai';

const [baseURL, model] = process.argv.slice(2);
const client = new OpenAI({ baseURL, apiKey: 'sk-caller-not-a-provider-key', maxRetries: 0, timeout: 20000 });
const print = (check, fields) => console.log(JSON.stringify({ check, ...fields }));

// 1. A plain request: the SDK's output_text convenience, usage, and the stored response read back.
const first = await client.responses.create({ model, instructions: 'You are terse.', input: 'Say hello' });
print('create', { id: first.id, status: first.status, text: first.output_text, model: first.model,
  inputTokens: first.usage?.input_tokens, outputTokens: first.usage?.output_tokens, totalTokens: first.usage?.total_tokens });

const again = await client.responses.retrieve(first.id);
print('retrieve', { id: again.id, text: again.output_text });

// 2. A follow-up that continues the stored conversation.
const second = await client.responses.create({ model, previous_response_id: first.id, input: 'And again' });
print('previous', { id: second.id, previous: second.previous_response_id, text: second.output_text });

// 2b. The input the follow-up was made from: the stored turns and its own input, oldest first when asked.
const inputItems = await client.responses.inputItems.list(second.id, { order: 'asc' });
print('input-items', { roles: inputItems.data.map((i) => i.role), texts: inputItems.data.map((i) => i.content?.[0]?.text),
  ids: inputItems.data.map((i) => i.id) });

// 3. Streaming through the SDK's stream helper, which rebuilds the response from the events (and fails on a
//    sequence it does not expect).
const types = [];
const stream = client.responses.stream({ model, input: 'Stream please' });
let deltas = '';
for await (const event of stream) {
  types.push(event.type);
  if (event.type === 'response.output_text.delta') deltas += event.delta;
}
const streamed = await stream.finalResponse();
print('stream', { types, deltas, text: streamed.output_text, status: streamed.status,
  outputTokens: streamed.usage?.output_tokens, id: streamed.id });

// 4. A streamed answer continued by previous_response_id (it was stored at the stream's end).
const third = await client.responses.create({ model, previous_response_id: streamed.id, input: 'Thanks' });
print('previous-after-stream', { text: third.output_text });

// 5. Function calling: a function_call item out, its function_call_output in.
const tools = [{ type: 'function', name: 'get_weather', description: 'Weather of a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] }, strict: false }];
const call = await client.responses.create({ model, tools, input: 'Weather in Boston?' });
const fc = call.output.find((item) => item.type === 'function_call');
print('function-call', { name: fc?.name, arguments: fc?.arguments, callId: fc?.call_id });
const answered = await client.responses.create({ model, tools, previous_response_id: call.id,
  input: [{ type: 'function_call_output', call_id: fc.call_id, output: '{"temperature":"20C"}' }] });
print('function-output', { text: answered.output_text });

// 6. A function call streamed: the SDK rebuilds the function_call item from its argument deltas.
const toolStream = client.responses.stream({ model, tools, input: 'Weather in Boston, streamed?' });
const toolTypes = [];
for await (const event of toolStream) toolTypes.push(event.type);
const streamedCall = (await toolStream.finalResponse()).output.find((item) => item.type === 'function_call');
print('function-call-stream', { types: toolTypes, name: streamedCall?.name, arguments: streamedCall?.arguments });

// 7. The deleted response is gone.
const deleted = await client.responses.delete(first.id).then(() => true, (e) => String(e));
const gone = await client.responses.retrieve(first.id).then(() => 'found', (e) => e.status);
print('delete', { deleted, gone });
