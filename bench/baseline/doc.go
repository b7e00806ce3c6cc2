// Package baseline holds the servers the framework is measured against,
// written without it for the same handlers (package workload): REST on
// raw echo, net/http's ServeMux, chi and Huma v2, each with
// encoding/json and go-playground/validator (Huma with its own schema
// validation, as Huma users write it), and gRPC on protoc-generated
// grpc-go and connect-go.
//
// Each is written the way a user of that library would write it by hand,
// validation failures included: a 400 application/problem+json body
// listing the field violations (Huma: its own 422 problem).
package baseline
