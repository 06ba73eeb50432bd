#!/usr/bin/env bash
# GPU acceptance run (issue 27): Qwen2.5-VL-7B and Qwen3-VL-8B layouts with random bf16 weights,
# bench_predict's measurement at batch 1 and 8 (32 frames, 64 new tokens), vLLM when it imports,
# the clock checked on the GPU; one result file the README renders (benchmarks/render_readme.py).
#
#   bash benchmarks/gpu_acceptance.sh                 # on the GPU machine: about 5 of its 8 minutes
#   bash benchmarks/gpu_acceptance.sh --dry-run       # CPU, tiny layouts, < 60 s (-> benchmarks/_out/)
#
# What to carry to a GPU machine with no network: docs/predict.md, "GPU acceptance run".
# Extra arguments go to benchmarks/gpu_acceptance.py (--workers, --videos, --models, --no-vllm, --out).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here/.."
if [[ -f .venv/bin/activate && -z "${VIRTUAL_ENV:-}" ]]; then . .venv/bin/activate; fi
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
export TOKENIZERS_PARALLELISM=false
dry=0
for a in "$@"; do [[ "$a" == "--dry-run" ]] && dry=1; done
if [[ $dry == 0 ]]; then
  command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv || true
fi
python -c "import torch, transformers, av; print('torch', torch.__version__, 'transformers', transformers.__version__, 'av', av.__version__, 'cuda', torch.cuda.is_available())"
# 480 s: the run must leave time in an 8-minute slot for the render below
timeout 480 python benchmarks/gpu_acceptance.py "$@"
out="benchmarks/results/gpu_acceptance.json"
[[ $dry == 1 ]] && out="benchmarks/_out/gpu_acceptance_dry.json"
prev=""
for a in "$@"; do [[ "$prev" == "--out" ]] && out="$a"; prev="$a"; done
python - "$out" <<'PY'
import sys, tempfile, shutil, pathlib
sys.path.insert(0, "benchmarks")
import render_readme
d = pathlib.Path(tempfile.mkdtemp())
shutil.copy(sys.argv[1], d / "gpu_acceptance.json")
print(render_readme.render(d))
PY
