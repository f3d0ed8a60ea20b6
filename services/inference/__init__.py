"""The inference service: the KServe v2 / Triton gRPC protocol over onnxruntime,
with Triton's model repository, dynamic batching, statistics and metrics."""
