// Package jsondec decodes JSON into Go values whose types hold sum types
// (app.KindOneOf), which encoding/json cannot decode into: the decoder
// reads the discriminator and decodes the object into the right variant.
// Parts of the value without a sum type are decoded by encoding/json, so
// its rules (case-insensitive names, unknown properties ignored) hold
// everywhere.
package jsondec
