// Validate AsyncAPI documents with the AsyncAPI project's own parser (@asyncapi/parser).
// Usage: node validate.mjs FILE...  Prints every diagnostic as one JSON line and exits 1 when
// any is an error (severity 0) or a document does not parse; tests/asyncapi runs it.
import { Parser, fromFile } from '@asyncapi/parser';

const parser = new Parser();
let failed = false;
for (const file of process.argv.slice(2)) {
  const { document, diagnostics } = await fromFile(parser, file).parse();
  for (const d of diagnostics) {
    console.log(JSON.stringify({ file, severity: d.severity, code: d.code, message: d.message, path: d.path }));
    if (d.severity === 0) failed = true;
  }
  if (!document) failed = true;
  else console.log(JSON.stringify({ file, parsed: true, version: document.version(), channels: document.channels().length, operations: document.operations().length, messages: document.messages().length }));
}
process.exit(failed ? 1 : 0);
