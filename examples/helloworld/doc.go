// Command helloworld is the README's hello world: one handler served over
// REST, GraphQL and gRPC. main.go is kept identical to the README's code
// (readme_test.go checks it).
//
//	go run ./examples/helloworld
//	curl localhost:8080/hello/Ada
package main
