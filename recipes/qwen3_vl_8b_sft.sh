#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# LoRA SFT of Qwen3-VL-8B-Instruct on video grounding / QA with LLaMA-Factory 0.9.5, then (--merge)
# the merge of the adapter into a full checkpoint for GRPO and evaluation.
# Configs: qwen3_vl_8b_sft.yaml (train), qwen3_vl_8b_merge.yaml (export).
#
# Usage: [VAR=value ...] bash recipes/qwen3_vl_8b_sft.sh [--dry-run] [--merge] [key=value ...]
#   --dry-run        print the resolved configuration and the exact launch; no GPU or LLaMA-Factory needed
#   --merge          run `llamafactory-cli export` (merge OUTPUT_DIR's adapter into EXPORT_DIR) instead of training
#                    and make its config reload as released (recipes/lib/fix_merged_config.py)
#   key=value        further LLaMA-Factory arguments, e.g. num_train_epochs=2 deepspeed=<ds_z3_config.json>
#
# Variables (defaults in brackets):
#   MODEL_PATH       base model dir or hub id [Qwen/Qwen3-VL-8B-Instruct]
#   DATA_DIR         --out of `videorl data export llamafactory` (has dataset_info.json)
#                    [${VIDEORL_DATA_DIR:-~/.cache/videorl}/export/llamafactory]
#   DATASET          the export's --name [train]
#   OUTPUT_DIR       adapter and checkpoints [./saves/qwen3_vl_8b_sft]
#   EXPORT_DIR       merged model (--merge) [$OUTPUT_DIR/merged]; then MODEL_PATH=$EXPORT_DIR for GRPO
#   NPROC_PER_NODE   GPUs per node [8]    NNODES [1]    NODE_RANK [0]
#   MASTER_ADDR      [127.0.0.1]          MASTER_PORT [29500]
#   PYTHON           python of the LLaMA-Factory environment [python3]; LLAMAFACTORY_CLI [llamafactory-cli]
#
# Several nodes (torchrun through LLaMA-Factory's launcher; FORCE_TORCHRUN=1 is always set), on every node:
#   NNODES=2 NODE_RANK=<0 on the head, 1..> MASTER_ADDR=<head ip> bash recipes/qwen3_vl_8b_sft.sh
set -euo pipefail
# shellcheck source=lib/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
# shellcheck source=lib/llamafactory.sh
. "$VR_LIB_DIR/llamafactory.sh"
vr_parse_args "$@"

MODEL_PATH="${MODEL_PATH:-Qwen/Qwen3-VL-8B-Instruct}"
SFT_CONFIG="$VR_RECIPES_DIR/qwen3_vl_8b_sft.yaml"
MERGE_CONFIG="$VR_RECIPES_DIR/qwen3_vl_8b_merge.yaml"
vr_llamafactory_prepare ${VR_ARGS[@]+"${VR_ARGS[@]}"}
set -- ${LF_EXTRA[@]+"${LF_EXTRA[@]}"}

vr_run "$LLAMAFACTORY_CLI" "$LF_COMMAND" "$LF_CONFIG" "${LF_OVERRIDES[@]}" "$@"
vr_llamafactory_after_merge
