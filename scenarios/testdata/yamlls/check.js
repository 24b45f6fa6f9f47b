// Validates YAML files against a JSON Schema with the YAML language server
// (the engine of VS Code's YAML extension and of yamlls), as an editor
// would, and prints each file's diagnostics as JSON lines:
//   node check.js SCHEMA.json FILE.yaml...
const { getLanguageService } = require('yaml-language-server');
const { TextDocument } = require('vscode-languageserver-textdocument');
const fs = require('fs');
const path = require('path');
const url = require('url');

const [schemaPath, ...files] = process.argv.slice(2);
const schema = JSON.parse(fs.readFileSync(schemaPath, 'utf8'));
const ls = getLanguageService({
  schemaRequestService: async (uri) => { throw new Error('no network: ' + uri); },
  workspaceContext: { resolveRelativePath: (p) => p },
  telemetry: { send() {}, sendError() {}, sendTrack() {} },
});
ls.configure({ validate: true, schemas: [{ uri: 'file:///gatecrash.schema.json', fileMatch: ['*.yaml'], schema }] });
(async () => {
  for (const f of files) {
    // Each file its own URI: the server reuses the parse of a URI and version it has seen.
    const doc = TextDocument.create(url.pathToFileURL(path.resolve(f)).href, 'yaml', 1, fs.readFileSync(f, 'utf8'));
    const diagnostics = await ls.doValidation(doc, false);
    console.log(JSON.stringify({
      file: f,
      diagnostics: diagnostics.map((d) => ({ line: d.range.start.line + 1, column: d.range.start.character + 1, message: d.message })),
    }));
  }
})().catch((e) => { console.error(e); process.exit(1); });
