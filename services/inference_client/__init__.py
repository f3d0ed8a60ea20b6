"""The public client of the inference service (KServe v2 / Triton gRPC,
`client`), and the tensor codec it shares with the server (`tensors`):
services call models through this package, never through the server's
modules."""

from services.inference_client.client import InferenceClient, InferenceError, ModelMeta, TensorMeta

__all__ = ["InferenceClient", "InferenceError", "ModelMeta", "TensorMeta"]
