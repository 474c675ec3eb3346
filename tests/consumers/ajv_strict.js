// Compiles JSON Schemas with ajv in strict mode, as a JavaScript consumer would, and validates
// documents against them. Input on stdin: {"schemas": {name: schema}, "documents": [[name, data]]};
// output on stdout: {"schemas": {name: error or null}, "documents": [errors or null]}.
// The one extension keyword ratebook writes, x-ratebook, is declared as an annotation.
"use strict";
const path = require("path");
const modules = path.join(__dirname, "..", "..", ".ci", "node", "node_modules");
const Ajv2020 = require(path.join(modules, "ajv", "dist", "2020")).default;
const addFormats = require(path.join(modules, "ajv-formats")).default;

const input = JSON.parse(require("fs").readFileSync(0, "utf8"));
const ajv = new Ajv2020({ strict: true, allErrors: true });
addFormats(ajv);
ajv.addKeyword({ keyword: "x-ratebook", schemaType: "object" });
const out = { schemas: {}, documents: [] };
const compiled = {};
// Schemas that name themselves ($id) are added first, so that one may refer to another
// (constraints.schema.json reuses the definitions of policy.schema.json), as a consumer would.
const named = new Set();
for (const schema of Object.values(input.schemas)) {
  if (schema && schema.$id && !named.has(schema.$id)) {
    ajv.addSchema(schema);
    named.add(schema.$id);
  }
}
for (const [name, schema] of Object.entries(input.schemas)) {
  try {
    compiled[name] = schema && schema.$id ? ajv.getSchema(schema.$id) : ajv.compile(schema);
    out.schemas[name] = null;
  } catch (e) {
    out.schemas[name] = String(e.message);
  }
}
for (const [name, data] of input.documents) {
  const validate = compiled[name];
  if (!validate) {
    out.documents.push(["schema did not compile"]);
  } else if (validate(data)) {
    out.documents.push(null);
  } else {
    out.documents.push(validate.errors.map((e) => `${e.instancePath} ${e.message}`));
  }
}
process.stdout.write(JSON.stringify(out));
