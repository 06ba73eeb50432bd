#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Evaluate a Qwen2.5-VL / Qwen3-VL checkpoint with lmms-eval 0.7.3 on videorl's tasks (temporal grounding on
# Charades-STA and ActivityNet Captions, NExT-GQA, MVBench), then collect every task's metrics into one table
# (collect_results.py fails when a task has no results, since lmms-eval exits 0 on failure).
#
# Usage: [VAR=value ...] bash recipes/eval_lmms_eval.sh [--dry-run] [lmms-eval args ...]
#   --dry-run        print the resolved configuration and the exact commands; no GPU or lmms-eval needed
#   lmms-eval args   passed through, e.g. --limit 20 --verbosity DEBUG
#
# Variables (defaults in brackets):
#   MODEL_PATH       checkpoint dir or hub id [Qwen/Qwen2.5-VL-7B-Instruct]; e.g. the SFT merge or a GRPO export
#   BACKEND          hf: videorl's time-exact backend `videorl_qwen` under `accelerate launch` (transformers 5);
#                    vllm: lmms-eval's `vllm` model (vLLM 0.11.0, EasyR1 environment) [hf]
#   PROMPT_STYLE     direct or r1 (think, then answer; the *_r1 task variants) [direct]
#   TASKS            comma-separated task / group names [chosen from PROMPT_STYLE: temporal_grounding_charades,
#                    temporal_grounding_activitynet, nextgqa, videorl_mvbench, each with _r1 for r1]
#   NUM_PROCESSES    GPUs: accelerate processes (hf) or vLLM data-parallel size x TENSOR_PARALLEL_SIZE [8]
#   TENSOR_PARALLEL_SIZE  vllm only [1]
#   FPS [2]  MAX_PIXELS [50176]  MIN_PIXELS [3136]: frames as in the SFT and GRPO recipes
#   IS_QWEN3_VL      vllm only: true for Qwen3-VL (timestamp markers, lmms-eval #1404) [guessed from MODEL_PATH]
#   OUTPUT_DIR       lmms-eval --output_path; the table goes to $OUTPUT_DIR/results.md [./eval_results/<model dir name>]
#   PYTHON           python of the evaluation environment, with videorl installed [python3]
set -euo pipefail
# shellcheck source=lib/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
vr_parse_args "$@"
set -- ${VR_ARGS[@]+"${VR_ARGS[@]}"}

MODEL_PATH="${MODEL_PATH:-Qwen/Qwen2.5-VL-7B-Instruct}"
BACKEND="${BACKEND:-hf}"
PROMPT_STYLE="${PROMPT_STYLE:-direct}"
case "$PROMPT_STYLE" in
  r1) suffix=_r1 ;;
  direct) suffix= ;;
  *) vr_error "PROMPT_STYLE=$PROMPT_STYLE must be direct or r1"; suffix= ;;
esac
TASKS="${TASKS:-temporal_grounding_charades$suffix,temporal_grounding_activitynet$suffix,nextgqa$suffix,videorl_mvbench$suffix}"
NUM_PROCESSES="${NUM_PROCESSES:-8}"
TENSOR_PARALLEL_SIZE="${TENSOR_PARALLEL_SIZE:-1}"
FPS="${FPS:-2}"
MAX_PIXELS="${MAX_PIXELS:-50176}"
MIN_PIXELS="${MIN_PIXELS:-3136}"
shopt -s nocasematch
if [[ "$MODEL_PATH" == *qwen3* ]]; then IS_QWEN3_VL="${IS_QWEN3_VL:-True}"; else IS_QWEN3_VL="${IS_QWEN3_VL:-False}"; fi
shopt -u nocasematch
OUTPUT_DIR="$(vr_abspath "${OUTPUT_DIR:-eval_results/$(basename "$MODEL_PATH")}")"
START_TIME="$(date +%s)"

vr_check_model MODEL_PATH
vr_check_int NUM_PROCESSES
vr_check_int TENSOR_PARALLEL_SIZE
vr_check_int MAX_PIXELS
vr_check_int MIN_PIXELS
[[ "$FPS" =~ ^[0-9]+([.][0-9]+)?$ ]] || vr_error "FPS=$FPS must be a number"
[[ "$TASKS" =~ ^[A-Za-z0-9_,]+$ ]] || vr_error "TASKS=$TASKS must be comma-separated task names"
TASKS_DIR=""
if ! TASKS_DIR="$(vr_videorl lmms-eval tasks-dir 2>&1)"; then
  vr_error "\`$PYTHON -m videorl lmms-eval tasks-dir\` failed (is videorl installed in this environment?): $TASKS_DIR"
else
  vr_check_dir TASKS_DIR
fi
case "$BACKEND" in
  hf)
    vr_check_gpus "$NUM_PROCESSES"
    vr_check_host eval
    LAUNCH=(accelerate launch --num_processes "$NUM_PROCESSES" -m lmms_eval
      --model videorl_qwen
      --model_args "pretrained=$MODEL_PATH,device=cuda,fps=$FPS,max_pixels=$MAX_PIXELS,min_pixels=$MIN_PIXELS")
    ;;
  vllm)
    vr_check_gpus "$NUM_PROCESSES"
    vr_check_host eval-vllm
    DATA_PARALLEL_SIZE=$((NUM_PROCESSES / (TENSOR_PARALLEL_SIZE > 0 ? TENSOR_PARALLEL_SIZE : 1)))
    LAUNCH=("$PYTHON" -m lmms_eval
      --model vllm
      --model_args "model=$MODEL_PATH,tensor_parallel_size=$TENSOR_PARALLEL_SIZE,data_parallel_size=$DATA_PARALLEL_SIZE,fps=$FPS,max_pixels=$MAX_PIXELS,is_qwen3_vl=$IS_QWEN3_VL")
    ;;
  *) vr_error "BACKEND=$BACKEND must be hf or vllm" ;;
esac
vr_end_checks

vr_show MODEL_PATH BACKEND PROMPT_STYLE TASKS NUM_PROCESSES TENSOR_PARALLEL_SIZE FPS MAX_PIXELS MIN_PIXELS \
  IS_QWEN3_VL TASKS_DIR OUTPUT_DIR PYTHON LMMS_EVAL_VERSION
vr_run "${LAUNCH[@]}" --tasks "$TASKS" --batch_size 1 --include_path "$TASKS_DIR" \
  --output_path "$OUTPUT_DIR" --log_samples "$@"
vr_run "$PYTHON" "$VR_RECIPES_DIR/collect_results.py" "$OUTPUT_DIR" --tasks "$TASKS" --since "$START_TIME" \
  --out "$OUTPUT_DIR/results.md"
