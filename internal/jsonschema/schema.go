package jsonschema

import "encoding/json"

// Draft is the JSON Schema dialect of the schemas this package builds.
const Draft = "https://json-schema.org/draft/2020-12/schema"

// Schema is a JSON Schema 2020-12 object, with the keywords the builder
// uses. Its JSON encoding is the schema: "type" is a string when it names
// one type, an array otherwise.
type Schema struct {
	// SchemaURI is "$schema", set on document roots only.
	SchemaURI string `json:"$schema,omitempty"`
	// Ref is "$ref"; the builder never puts other keywords beside it.
	Ref         string   `json:"$ref,omitempty"`
	Type        []string `json:"type,omitempty"`
	Format      string   `json:"format,omitempty"`
	Description string   `json:"description,omitempty"`
	Deprecated  bool     `json:"deprecated,omitempty"`
	Enum        []any    `json:"enum,omitempty"`

	Minimum          *float64 `json:"minimum,omitempty"`
	Maximum          *float64 `json:"maximum,omitempty"`
	ExclusiveMinimum *float64 `json:"exclusiveMinimum,omitempty"`
	ExclusiveMaximum *float64 `json:"exclusiveMaximum,omitempty"`
	MinLength        uint64   `json:"minLength,omitempty"`
	MaxLength        *uint64  `json:"maxLength,omitempty"`
	MinItems         uint64   `json:"minItems,omitempty"`
	MaxItems         *uint64  `json:"maxItems,omitempty"`
	Pattern          string   `json:"pattern,omitempty"`
	ContentEncoding  string   `json:"contentEncoding,omitempty"`

	Items                *Schema            `json:"items,omitempty"`
	Properties           map[string]*Schema `json:"properties,omitempty"`
	Required             []string           `json:"required,omitempty"`
	AdditionalProperties *Schema            `json:"additionalProperties,omitempty"`
	PropertyNames        *Schema            `json:"propertyNames,omitempty"`
	AllOf                []*Schema          `json:"allOf,omitempty"`
	AnyOf                []*Schema          `json:"anyOf,omitempty"`
	OneOf                []*Schema          `json:"oneOf,omitempty"`
	// Const is "const" (the discriminator value of a sum type's variant).
	Const any `json:"const,omitempty"`
	// Discriminator is OpenAPI's discriminator object, set on sum types.
	Discriminator *Discriminator `json:"discriminator,omitempty"`

	// Defs is "$defs", set on document roots only.
	Defs map[string]*Schema `json:"$defs,omitempty"`
}

// Discriminator is OpenAPI's discriminator object: the property naming the
// variant and the schema of each variant by name.
type Discriminator struct {
	PropertyName string            `json:"propertyName"`
	Mapping      map[string]string `json:"mapping,omitempty"`
}

// MarshalJSON writes s with "type" as a string when it names one type.
func (s *Schema) MarshalJSON() ([]byte, error) {
	type plain Schema
	if len(s.Type) != 1 {
		return json.Marshal((*plain)(s))
	}
	return json.Marshal(struct {
		*plain
		Type string `json:"type"`
	}{(*plain)(s), s.Type[0]})
}

// withNull adds "null" to s's types, once.
func (s *Schema) withNull() {
	for _, t := range s.Type {
		if t == "null" {
			return
		}
	}
	s.Type = append(s.Type, "null")
}
