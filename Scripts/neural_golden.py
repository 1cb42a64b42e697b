#!/usr/bin/env python3
"""Writes Tests/NeuralNetTests/Fixtures/golden.safetensors: the weights, input and expected outputs of a small
network (per-image standardisation, conv + BatchNorm(eval) + ReLU, max pool, depthwise + BN + ReLU, pointwise conv,
global average+max pooling, dense, constrained twin head), computed here with plain numpy loops, independently of
the Swift engine. Run from the package root: python3 Scripts/neural_golden.py"""
import json
import struct

import numpy as np

rng = np.random.default_rng(20261128)


def normal(*shape, scale=1.0):
    return (rng.standard_normal(shape) * scale).astype(np.float32)


def conv2d(x, w, b, stride, pad, groups=1):
    n, c, h, wd = x.shape
    o, cg, k, _ = w.shape
    xp = np.pad(x.astype(np.float64), ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    oh, ow = (h + 2 * pad - k) // stride + 1, (wd + 2 * pad - k) // stride + 1
    out = np.zeros((n, o, oh, ow))
    per_group = o // groups
    for oc in range(o):
        g = oc // per_group
        for y in range(oh):
            for x_ in range(ow):
                patch = xp[:, g * cg:(g + 1) * cg, y * stride:y * stride + k, x_ * stride:x_ * stride + k]
                out[:, oc, y, x_] = (patch * w[oc]).sum(axis=(1, 2, 3))
    if b is not None:
        out += b[None, :, None, None]
    return out


def batchnorm_eval(x, p, eps=1e-5):
    scale = p["weight"] / np.sqrt(p["running_var"].astype(np.float64) + eps)
    return (x - p["running_mean"][None, :, None, None]) * scale[None, :, None, None] + p["bias"][None, :, None, None]


def bn_params(c):
    return {"weight": 1 + normal(c, scale=0.2), "bias": normal(c, scale=0.1),
            "running_mean": normal(c, scale=0.3), "running_var": (0.5 + rng.random(c)).astype(np.float32)}


tensors = {}
x = normal(2, 3, 10, 10, scale=2) + np.float32(0.5)
tensors["input"] = x
conv_w, conv_b = normal(4, 3, 3, 3, scale=0.4), normal(4, scale=0.1)
bn, dw_bn = bn_params(4), bn_params(4)
dw_w = normal(4, 1, 3, 3, scale=0.5)
pw_w, pw_b = normal(6, 4, 1, 1, scale=0.5), normal(6, scale=0.1)
dense_w, dense_b = normal(5, 12, scale=0.3), normal(5, scale=0.1)
head_a, head_b = normal(5), np.array([1.5], dtype=np.float32)
tensors.update({"conv.weight": conv_w, "conv.bias": conv_b, "dw.weight": dw_w, "pw.weight": pw_w, "pw.bias": pw_b,
                "dense.weight": dense_w, "dense.bias": dense_b, "head.a": head_a, "head.b": head_b})
for prefix, params in (("bn", bn), ("dw_bn", dw_bn)):
    for key, value in params.items():
        tensors[f"{prefix}.{key}"] = value

h = x.astype(np.float64)
mean = h.mean(axis=(2, 3), keepdims=True)
var = h.var(axis=(2, 3), keepdims=True)
h = (h - mean) / np.sqrt(var + 1e-5)
h = np.maximum(batchnorm_eval(conv2d(h, conv_w, conv_b, 2, 1), bn), 0)           # 4×5×5
h = np.max(np.stack([h[:, :, dy:dy + 4, dx:dx + 4] for dy in (0, 1) for dx in (0, 1)]), axis=0)  # max 2×2 s1
h = np.maximum(batchnorm_eval(conv2d(h, dw_w, None, 1, 1, groups=4), dw_bn), 0)
h = conv2d(h, pw_w, pw_b, 1, 0)                                                  # 6×4×4
pooled = np.concatenate([h.mean(axis=(2, 3)), h.max(axis=(2, 3))], axis=1)       # 12
embedding = pooled @ dense_w.T.astype(np.float64) + dense_b
alpha = -np.log1p(np.exp(head_a.astype(np.float64)))
logit = head_b[0] + (alpha * np.abs(embedding[0] - embedding[1])).sum()
tensors["expected.embedding"] = embedding.astype(np.float32)
tensors["expected.logit"] = np.array([logit], dtype=np.float32)

header, offset, blobs = {"__metadata__": {"generator": "Scripts/neural_golden.py"}}, 0, []
for name in sorted(tensors):
    data = np.ascontiguousarray(tensors[name], dtype="<f4").tobytes()
    header[name] = {"dtype": "F32", "shape": list(tensors[name].shape), "data_offsets": [offset, offset + len(data)]}
    offset += len(data)
    blobs.append(data)
encoded = json.dumps(header).encode()
encoded += b" " * (-len(encoded) % 8)
with open("Tests/NeuralNetTests/Fixtures/golden.safetensors", "wb") as f:
    f.write(struct.pack("<Q", len(encoded)) + encoded + b"".join(blobs))
print("embedding", embedding, "logit", logit)
