"""The pair verifier: a MiniLM-L6 (BERT) cross-encoder, in plain PyTorch.

Tensor names follow HuggingFace's BertModel so that all-MiniLM-L6-v2's model.safetensors loads as is.
Input: [CLS] a [SEP] b [SEP], token type 0 for "[CLS] a [SEP]" and 1 for "b [SEP]". Output: one logit
(sigmoid = probability that a and b ask the same thing), from the mean of the final token states
(attention-masked), through dense+tanh and a linear layer. The Swift PairVerifier computes the same.
"""

from __future__ import annotations

import math

import torch
import torch.nn as nn
import torch.nn.functional as F

HIDDEN, LAYERS, HEADS, INTER, VOCAB, POSITIONS, EPS = 384, 6, 12, 1536, 30522, 512, 1e-12
CLS_ID, SEP_ID, PAD_ID = 101, 102, 0


class Layer(nn.Module):
    def __init__(self):
        super().__init__()
        self.q = nn.Linear(HIDDEN, HIDDEN)
        self.k = nn.Linear(HIDDEN, HIDDEN)
        self.v = nn.Linear(HIDDEN, HIDDEN)
        self.o = nn.Linear(HIDDEN, HIDDEN)
        self.ln1 = nn.LayerNorm(HIDDEN, eps=EPS)
        self.inter = nn.Linear(HIDDEN, INTER)
        self.out = nn.Linear(INTER, HIDDEN)
        self.ln2 = nn.LayerNorm(HIDDEN, eps=EPS)
        self.drop = nn.Dropout(0.1)

    def forward(self, x, bias):
        b, n, _ = x.shape
        hd = HIDDEN // HEADS

        def heads(t):
            return t.view(b, n, HEADS, hd).transpose(1, 2)

        q, k, v = heads(self.q(x)), heads(self.k(x)), heads(self.v(x))
        scores = q @ k.transpose(-1, -2) / math.sqrt(hd) + bias
        p = self.drop(scores.softmax(-1))
        ctx = (p @ v).transpose(1, 2).reshape(b, n, HIDDEN)
        x = self.ln1(x + self.drop(self.o(ctx)))
        return self.ln2(x + self.drop(self.out(F.gelu(self.inter(x)))))


class PairVerifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.word = nn.Embedding(VOCAB, HIDDEN)
        self.position = nn.Embedding(POSITIONS, HIDDEN)
        self.token_type = nn.Embedding(2, HIDDEN)
        self.ln = nn.LayerNorm(HIDDEN, eps=EPS)
        self.layers = nn.ModuleList(Layer() for _ in range(LAYERS))
        self.drop = nn.Dropout(0.1)
        self.head_dense = nn.Linear(HIDDEN, HIDDEN)
        self.head_out = nn.Linear(HIDDEN, 1)

    def forward(self, ids, types, mask):
        n = ids.shape[1]
        pos = torch.arange(n, device=ids.device)
        x = self.word(ids) + self.position(pos)[None] + self.token_type(types)
        x = self.drop(self.ln(x))
        bias = (1.0 - mask[:, None, None, :].to(x.dtype)) * torch.finfo(x.dtype).min
        for layer in self.layers:
            x = layer(x, bias)
        m = mask[..., None].to(x.dtype)
        pooled = (x * m).sum(1) / m.sum(1)
        h = torch.tanh(self.head_dense(self.drop(pooled)))
        return self.head_out(self.drop(h)).squeeze(-1)


# HF BertModel name ↔ our parameter name. The exported file uses the HF names (and classifier.*).
def name_map() -> dict[str, str]:
    m = {
        "embeddings.word_embeddings.weight": "word.weight",
        "embeddings.position_embeddings.weight": "position.weight",
        "embeddings.token_type_embeddings.weight": "token_type.weight",
        "embeddings.LayerNorm.weight": "ln.weight",
        "embeddings.LayerNorm.bias": "ln.bias",
        "classifier.dense.weight": "head_dense.weight",
        "classifier.dense.bias": "head_dense.bias",
        "classifier.out.weight": "head_out.weight",
        "classifier.out.bias": "head_out.bias",
    }
    parts = {"attention.self.query": "q", "attention.self.key": "k", "attention.self.value": "v",
             "attention.output.dense": "o", "attention.output.LayerNorm": "ln1", "intermediate.dense": "inter",
             "output.dense": "out", "output.LayerNorm": "ln2"}
    for l in range(LAYERS):
        for hf, ours in parts.items():
            for wb in ("weight", "bias"):
                m[f"encoder.layer.{l}.{hf}.{wb}"] = f"layers.{l}.{ours}.{wb}"
    return m


def load_minilm(model: PairVerifier, path: str) -> None:
    from safetensors.torch import load_file

    src = load_file(path)
    src = {k[5:] if k.startswith("bert.") else k: v for k, v in src.items()}
    state = model.state_dict()
    for hf, ours in name_map().items():
        if hf.startswith("classifier."):
            continue
        state[ours] = src[hf].float()
    model.load_state_dict(state)


def export_names() -> dict[str, str]:
    """Names of the tensors the verifier file ships: everything but the shared word embeddings."""
    return {hf: ours for hf, ours in name_map().items() if hf != "embeddings.word_embeddings.weight"}


def load_verifier(model: PairVerifier, minilm_path: str, verifier_path: str) -> None:
    """Word embeddings from MiniLM, the rest from the exported (fp16) verifier file, as Swift does."""
    from safetensors.torch import load_file

    src = load_file(minilm_path)
    src = {k[5:] if k.startswith("bert.") else k: v for k, v in src.items()}
    ver = load_file(verifier_path)
    state = model.state_dict()
    state["word.weight"] = src["embeddings.word_embeddings.weight"].float()
    for hf, ours in export_names().items():
        state[ours] = ver[hf].float()
    model.load_state_dict(state)


class PairEncoder:
    """[CLS] a [SEP] b [SEP] with longest-first truncation to max_len (ties trim b), as Swift does."""

    def __init__(self, tokenizer_json: str, max_len: int = 64):
        from tokenizers import Tokenizer

        self.tok = Tokenizer.from_file(tokenizer_json)
        self.tok.no_truncation()
        self.tok.no_padding()
        self.max_len = max_len

    def ids(self, text: str) -> list[int]:
        return self.tok.encode(text, add_special_tokens=False).ids

    def pair(self, a: str, b: str) -> tuple[list[int], list[int]]:
        ia, ib = self.ids(a), self.ids(b)
        budget = self.max_len - 3
        na, nb = len(ia), len(ib)
        while na + nb > budget:
            if na > nb:
                na -= 1
            else:
                nb -= 1
        ids = [CLS_ID] + ia[:na] + [SEP_ID] + ib[:nb] + [SEP_ID]
        types = [0] * (na + 2) + [1] * (nb + 1)
        return ids, types


def collate(batch: list[tuple[list[int], list[int]]]):
    n = max(len(i) for i, _ in batch)
    ids = torch.full((len(batch), n), PAD_ID, dtype=torch.long)
    types = torch.zeros((len(batch), n), dtype=torch.long)
    mask = torch.zeros((len(batch), n), dtype=torch.long)
    for r, (i, t) in enumerate(batch):
        ids[r, : len(i)] = torch.tensor(i)
        types[r, : len(t)] = torch.tensor(t)
        mask[r, : len(i)] = 1
    return ids, types, mask
