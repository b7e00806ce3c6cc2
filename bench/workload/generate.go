package workload

// The generated baselines: protoc-gen-go v1.36.12, protoc-gen-go-grpc
// v1.6.2 and protoc-gen-connect-go v1.21.1 on PATH (bench/run installs them).
//go:generate protoc -I benchpb --go_out=benchpb --go_opt=paths=source_relative --go-grpc_out=benchpb --go-grpc_opt=paths=source_relative --connect-go_out=benchpb --connect-go_opt=paths=source_relative benchpb/bench.proto
