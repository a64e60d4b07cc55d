// Package pluginv1 is version 1 of the protocol between nsh and its plugins:
// the generated gRPC code for commands.proto and the go-plugin handshake
// both sides share.
package pluginv1

//go:generate protoc --go_out=. --go_opt=paths=source_relative --go-grpc_out=. --go-grpc_opt=paths=source_relative commands.proto host.proto
