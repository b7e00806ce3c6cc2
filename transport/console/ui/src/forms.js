// A form generated from an operation's input JSON Schema: strings,
// numbers, booleans, enums (select), nested objects, lists (add/remove),
// oneOf sum types (a variant selector), required marks and limit hints.
// The value is plain JSON, edited in place by onChange(newValue).
import { html } from "./ui.js";

/** deref follows a "#/…" JSON pointer $ref into root (the schema with the $defs). */
export function deref(root, s) {
  let seen = 0;
  while (s && s.$ref && seen++ < 32) {
    const parts = s.$ref.replace(/^#\/?/, "").split("/").filter(Boolean);
    let t = root;
    for (const p of parts) t = t && t[p.replace(/~1/g, "/").replace(/~0/g, "~")];
    const { $ref, ...rest } = s;
    s = { ...(t || {}), ...rest };
  }
  // {anyOf:[X]} is one type with a description of its own.
  if (s && Array.isArray(s.anyOf) && s.anyOf.length === 1) {
    const { anyOf, ...rest } = s;
    return deref(root, { ...anyOf[0], ...rest });
  }
  if (s && Array.isArray(s.allOf)) {
    const { allOf, ...rest } = s;
    const out = { ...rest, properties: { ...(rest.properties || {}) }, required: [...(rest.required || [])] };
    for (const part of allOf) {
      const p = deref(root, part);
      Object.assign(out.properties, p.properties || {});
      out.required.push(...(p.required || []));
      if (!out.type && p.type) out.type = p.type;
    }
    return out;
  }
  return s || {};
}

/** typeOf is the schema's JSON type (the first that is not null). */
export function typeOf(s) {
  if (Array.isArray(s.type)) return s.type.find((t) => t !== "null") || "null";
  if (s.type) return s.type;
  if (s.properties) return "object";
  if (s.items) return "array";
  if (s.enum) return typeof s.enum[0] === "number" ? "number" : "string";
  return "";
}

/** variants lists a oneOf's variants as {key, schema}. */
export function variants(root, s) {
  const prop = s.discriminator && s.discriminator.propertyName;
  const byRef = {};
  if (s.discriminator && s.discriminator.mapping) {
    for (const [k, ref] of Object.entries(s.discriminator.mapping)) byRef[ref] = k;
  }
  return s.oneOf.map((v, i) => {
    const r = deref(root, v);
    let key = (v.$ref && byRef[v.$ref]) || (prop && r.properties && r.properties[prop] && r.properties[prop].const);
    if (!key) key = r.title || (v.$ref ? v.$ref.split("/").pop() : "variant " + (i + 1));
    return { key, schema: r, prop };
  });
}

/** initial is a schema's starting value: required object fields filled in, the first oneOf variant. */
export function initial(root, schema, depth = 0) {
  const s = deref(root, schema);
  if (depth > 8) return undefined;
  if ("default" in s) return s.default;
  if ("const" in s) return s.const;
  if (Array.isArray(s.oneOf) && s.oneOf.length) {
    const [v] = variants(root, s);
    const val = initial(root, v.schema, depth + 1) || {};
    if (v.prop) val[v.prop] = v.key;
    return val;
  }
  switch (typeOf(s)) {
    case "object": {
      const out = {};
      for (const k of s.required || []) {
        const sub = deref(root, (s.properties || {})[k] || {});
        const t = typeOf(sub);
        if (t === "object" || sub.oneOf || "const" in sub) out[k] = initial(root, sub, depth + 1);
        else if (t === "array") out[k] = [];
        else if (t === "boolean") out[k] = false;
      }
      return out;
    }
    case "array":
      return [];
    default:
      return undefined;
  }
}

/** hints are a schema's limits as a short line: "min 1 · max 100 · ≤ 64 chars". */
function hints(s) {
  const h = [];
  if (s.minimum !== undefined) h.push("≥ " + s.minimum);
  if (s.exclusiveMinimum !== undefined) h.push("> " + s.exclusiveMinimum);
  if (s.maximum !== undefined) h.push("≤ " + s.maximum);
  if (s.exclusiveMaximum !== undefined) h.push("< " + s.exclusiveMaximum);
  if (s.minLength !== undefined) h.push("≥ " + s.minLength + " chars");
  if (s.maxLength !== undefined) h.push("≤ " + s.maxLength + " chars");
  if (s.minItems !== undefined) h.push("≥ " + s.minItems + " items");
  if (s.maxItems !== undefined) h.push("≤ " + s.maxItems + " items");
  if (s.pattern) h.push("pattern " + s.pattern);
  if (s.format) h.push(s.format);
  return h.join(" · ");
}

function Label({ name, required, schema }) {
  return html`<span class="label-text">${name}${required ? html`<abbr class="req" title="required" aria-hidden="true">*</abbr>` : ""}</span>`;
}

function Help({ schema }) {
  const h = hints(schema);
  if (!schema.description && !h) return null;
  return html`<small class="help">${schema.description || ""}${schema.description && h ? " — " : ""}${h}</small>`;
}

/** SchemaForm is the form of schema (an object, usually) whose $refs resolve in root. */
export function SchemaForm({ root, schema, value, onChange }) {
  return html`<div class="schema-form">
    <${Field} root=${root} schema=${schema || {}} value=${value} onChange=${onChange} name="" required=${true} top=${true} />
  </div>`;
}

/** Field renders one value of schema s. */
export function Field({ root, schema, value, onChange, name, required, top }) {
  const s = deref(root, schema);
  if ("const" in s) return null; // fixed: set by initial() or the variant selector
  if (Array.isArray(s.oneOf) && s.oneOf.length) {
    return html`<${OneOf} root=${root} s=${s} value=${value} onChange=${onChange} name=${name} required=${required} />`;
  }
  const t = typeOf(s);
  if (t === "object" && s.properties) {
    const v = value && typeof value === "object" ? value : {};
    const req = new Set(s.required || []);
    const set = (k, x) => {
      const next = { ...v };
      if (x === undefined) delete next[k];
      else next[k] = x;
      onChange(next);
    };
    const fields = Object.entries(s.properties).map(
      ([k, ps]) =>
        html`<${Field} key=${k} root=${root} schema=${ps} value=${v[k]} onChange=${(x) => set(k, x)} name=${k} required=${req.has(k)} />`,
    );
    if (top) return html`<div class="fields">${fields.length ? fields : html`<p class="muted">No input.</p>`}</div>`;
    return html`<fieldset class="object"><legend><${Label} name=${name} required=${required} /></legend><${Help} schema=${s} />${fields}</fieldset>`;
  }
  if (t === "array") {
    const list = Array.isArray(value) ? value : [];
    const items = s.items || {};
    return html`<fieldset class="array">
      <legend><${Label} name=${name} required=${required} /></legend><${Help} schema=${s} />
      ${list.map(
        (item, i) => html`<div class="item" key=${i}>
          <${Field} root=${root} schema=${items} value=${item} name=${`${name}[${i}]`}
            onChange=${(x) => onChange(list.map((y, j) => (j === i ? x : y)))} required=${false} />
          <button type="button" class="small" aria-label=${`Remove ${name}[${i}]`} onClick=${() => onChange(list.filter((_, j) => j !== i))}>Remove</button>
        </div>`,
      )}
      <button type="button" class="small" aria-label=${`Add to ${name}`} onClick=${() => onChange([...list, initial(root, items)])}>Add</button>
    </fieldset>`;
  }
  const input = scalarInput(root, s, t, value, onChange, name, required);
  return html`<label class="field"><${Label} name=${name} required=${required} />${input}<${Help} schema=${s} /></label>`;
}

function scalarInput(root, s, t, value, onChange, name, required) {
  if (Array.isArray(s.enum)) {
    return html`<select aria-label=${name} value=${value === undefined ? "" : String(value)}
      onChange=${(e) => {
        const raw = e.currentTarget.value;
        if (raw === "") return onChange(undefined);
        const hit = s.enum.find((x) => String(x) === raw);
        onChange(hit === undefined ? raw : hit);
      }}>
      ${required ? null : html`<option value="">—</option>`}
      ${s.enum.map((x) => html`<option value=${String(x)}>${String(x)}</option>`)}
    </select>`;
  }
  switch (t) {
    case "boolean":
      return html`<input type="checkbox" aria-label=${name} checked=${!!value} onChange=${(e) => onChange(e.currentTarget.checked)} />`;
    case "integer":
    case "number":
      return html`<input type="number" aria-label=${name} required=${required}
        step=${t === "integer" ? "1" : "any"} min=${s.minimum} max=${s.maximum}
        value=${value === undefined ? "" : String(value)}
        onInput=${(e) => {
          const raw = e.currentTarget.value;
          if (raw === "") return onChange(undefined);
          const n = Number(raw);
          onChange(isNaN(n) ? raw : n);
        }} />`;
    case "string":
      return html`<input type="text" aria-label=${name} required=${required} maxLength=${s.maxLength}
        placeholder=${s.format === "date-time" ? "2006-01-02T15:04:05Z" : s.format || ""}
        value=${value === undefined ? "" : String(value)}
        onInput=${(e) => {
          const raw = e.currentTarget.value;
          onChange(raw === "" && !required ? undefined : raw);
        }} />`;
    default:
      return html`<${RawJSON} name=${name} value=${value} onChange=${onChange} />`;
  }
}

/** RawJSON edits a value of no particular type (maps, any) as JSON text. */
function RawJSON({ name, value, onChange }) {
  return html`<textarea aria-label=${name} rows="3" class="mono" placeholder="JSON"
    value=${value === undefined ? "" : JSON.stringify(value)}
    onChange=${(e) => {
      const raw = e.currentTarget.value.trim();
      if (raw === "") return onChange(undefined);
      try {
        onChange(JSON.parse(raw));
        e.currentTarget.setCustomValidity("");
      } catch (err) {
        e.currentTarget.setCustomValidity(String(err.message));
        e.currentTarget.reportValidity();
      }
    }}></textarea>`;
}

/** OneOf is a sum type: a variant selector, then the chosen variant's fields. */
function OneOf({ root, s, value, onChange, name, required }) {
  const vs = variants(root, s);
  const v = value && typeof value === "object" ? value : {};
  let idx = vs.findIndex((x) => x.prop && v[x.prop] === x.key);
  if (idx < 0) idx = Math.max(0, vs.findIndex((x) => x.key === v.__variant));
  const cur = vs[idx];
  const choose = (i) => {
    const next = initial(root, vs[i].schema) || {};
    if (vs[i].prop) next[vs[i].prop] = vs[i].key;
    onChange(next);
  };
  return html`<fieldset class="oneof">
    <legend><${Label} name=${name || "value"} required=${required} /></legend><${Help} schema=${s} />
    <label class="field"><span class="label-text">${name ? name + " variant" : "variant"}</span>
      <select aria-label=${(name ? name + " " : "") + "variant"} value=${String(idx)} onChange=${(e) => choose(Number(e.currentTarget.value))}>
        ${vs.map((x, i) => html`<option value=${String(i)}>${x.key}</option>`)}
      </select>
    </label>
    <${Field} root=${root} schema=${cur.schema} value=${v} onChange=${(x) => onChange(cur.prop ? { ...x, [cur.prop]: cur.key } : x)} name=${cur.key} required=${true} top=${true} />
  </fieldset>`;
}
