# shellcheck shell=bash
# EasyR1 GRPO recipe logic shared by recipes/*_grpo.sh (sourced after common.sh). The calling
# recipe sets MODEL_PATH's default, CONFIG and MODEL_FAMILY (qwen2_5_vl or qwen3_vl);
# vr_easyr1_prepare "$@" resolves every other variable (documented in each recipe's usage comment),
# checks them (with `videorl easyr1 check`: reward preset vs the export's tasks and prompt style,
# export vs recipe, GPU count; also in a dry run) and fills EASYR1_OVERRIDES with the key=value
# arguments for `python3 -m verl.trainer.main config=$CONFIG ...`. For Qwen3-VL it also writes the
# processor overlay EasyR1 needs for exact time (docs/clock.md) and trains from it.

vr_easyr1_prepare() {
  local export_root="${VIDEORL_DATA_DIR:-$HOME/.cache/videorl}/export"
  DATA_DIR="${DATA_DIR:-$export_root/easyr1}"
  TRAIN_FILES="${TRAIN_FILES:-$DATA_DIR/train.parquet}"
  VAL_FILES="${VAL_FILES:-$DATA_DIR/val.parquet}"
  # `default` scores every task the exporter writes except caption (which needs a judge) and pays the
  # r1 answers in full; Temporal-R1's reward checks its quoted-JSON answer, so it pairs with r1_json.
  REWARD_PRESET="${REWARD_PRESET:-default}"
  if [[ -z "${PROMPT_STYLE:-}" ]]; then
    if [[ "$REWARD_PRESET" == temporal_r1 ]]; then PROMPT_STYLE=r1_json; else PROMPT_STYLE=r1; fi
  fi
  FORMAT_PROMPT="${FORMAT_PROMPT:-$(dirname "$TRAIN_FILES")/format_prompt/$PROMPT_STYLE.jinja}"
  NNODES="${NNODES:-1}"
  N_GPUS_PER_NODE="${N_GPUS_PER_NODE:-8}"
  LORA_RANK="${LORA_RANK:-0}"
  LORA_ALPHA="${LORA_ALPHA:-64}"
  EXPERIMENT_NAME="${EXPERIMENT_NAME:-$VR_NAME}"
  SAVE_DIR="${SAVE_DIR:-$PWD/checkpoints/videorl/$EXPERIMENT_NAME}"

  # What makes each data file (RECORDS: the records of `videorl data prepare`, e.g.
  # ~/.cache/videorl/charades_sta/train.jsonl; the same --out for both, so DATA_DIR finds them).
  local export_cmd="videorl data export easyr1 RECORDS.jsonl --out $DATA_DIR --style $PROMPT_STYLE --model $MODEL_FAMILY --frames-cache FRAMES_DIR --video-dir VIDEOS"
  vr_hint TRAIN_FILES "${export_cmd/RECORDS.jsonl/TRAIN_RECORDS.jsonl} --name $(basename "${TRAIN_FILES%@*}" .parquet)"
  vr_hint VAL_FILES "${export_cmd/RECORDS.jsonl/VAL_RECORDS.jsonl} --name $(basename "${VAL_FILES%@*}" .parquet)"
  vr_hint FORMAT_PROMPT "videorl data export easyr1 TRAIN_RECORDS.jsonl --out $(dirname "$(dirname "$FORMAT_PROMPT")") ... (every export writes format_prompt/*.jinja)"

  vr_check_model MODEL_PATH
  vr_check_file CONFIG
  vr_check_file TRAIN_FILES
  vr_check_file VAL_FILES
  vr_check_file FORMAT_PROMPT
  vr_check_int NNODES
  vr_check_int N_GPUS_PER_NODE
  vr_check_int LORA_RANK 0
  case "$PROMPT_STYLE" in r1 | r1_json | direct) ;; *) vr_error "PROMPT_STYLE=$PROMPT_STYLE must be r1, r1_json or direct" ;; esac
  if [[ ! "$REWARD_PRESET" =~ ^[A-Za-z0-9_]+$ ]]; then
    vr_error "REWARD_PRESET=$REWARD_PRESET is not a preset name (see: videorl rewards list)"
  fi

  # The reward file: resolved from the installed videorl (EasyR1 loads it by path on every node).
  if [[ -z "${REWARD_FILE:-}" ]]; then
    local out
    if out="$(vr_videorl easyr1 reward-path 2>&1)"; then
      REWARD_FILE="$out"
    else
      vr_error "\`$PYTHON -m videorl easyr1 reward-path\` failed (is videorl installed in this environment?): $out"
    fi
  fi
  [[ -z "${REWARD_FILE:-}" ]] || vr_check_file REWARD_FILE

  if [[ -f "${TRAIN_FILES%@*}" && "$NNODES" =~ ^[0-9]+$ && "$N_GPUS_PER_NODE" =~ ^[0-9]+$ ]]; then
    local check_out check_args=()
    [[ "${ALLOW_PATH_VIDEOS:-0}" == 1 ]] && check_args+=(--allow-path-videos)
    if ! check_out="$(vr_videorl easyr1 check --data "$TRAIN_FILES" --preset "$REWARD_PRESET" \
      --style "$PROMPT_STYLE" --config "$CONFIG" --model "$MODEL_FAMILY" ${check_args[@]+"${check_args[@]}"} \
      "trainer.nnodes=$NNODES" "trainer.n_gpus_per_node=$N_GPUS_PER_NODE" "$@" 2>&1)"; then
      while IFS= read -r line; do
        [[ "$line" == error:* ]] && vr_error "${line#error: }"
      done <<<"$check_out"
      [[ "$check_out" == *error:* ]] || vr_error "\`$PYTHON -m videorl easyr1 check\` failed: $check_out"
    fi
  fi

  vr_check_gpus "${N_GPUS_PER_NODE:-8}"
  vr_check_host easyr1
  if ((!VR_DRY_RUN)) && [[ "$NNODES" =~ ^[0-9]+$ ]] && ((NNODES > 1)); then
    if ! "$PYTHON" -m ray.scripts.scripts status >/dev/null 2>&1; then
      vr_error "NNODES=$NNODES but no Ray cluster is reachable: run 'ray start --head --port=6379' here and 'ray start --address=<this node>:6379' on the other nodes first"
    fi
  fi
  vr_end_checks

  if [[ -z "${LR:-}" ]] && ((LORA_RANK > 0)); then LR=1.0e-5; fi  # EasyR1's LoRA example uses 1e-5
  TRAIN_MODEL="$MODEL_PATH"
  if [[ "$MODEL_FAMILY" == qwen3_vl ]]; then
    # EasyR1 hands the Qwen3-VL processor frames without metadata: the overlay keeps them unsampled,
    # at their size, and dated as the 2 fps frame list they are (videorl easyr1 overlay --help).
    OVERLAY_DIR="${OVERLAY_DIR:-$DATA_DIR/model-overlay/$(basename "$MODEL_PATH")}"
    local min_pixels
    min_pixels="$(awk '/^ *min_pixels:/ { print $2; exit }' "$CONFIG")"
    vr_run "$PYTHON" -m videorl easyr1 overlay "$MODEL_PATH" --out "$OVERLAY_DIR" --min-pixels "${min_pixels:-3136}"
    TRAIN_MODEL="$OVERLAY_DIR"
  fi
  TRAIN_FILES="$(vr_abspath "$TRAIN_FILES")"
  VAL_FILES="$(vr_abspath "$VAL_FILES")"
  FORMAT_PROMPT="$(vr_abspath "$FORMAT_PROMPT")"
  REWARD_KWARGS="{\"preset\":\"$REWARD_PRESET\"}"
  EASYR1_OVERRIDES=(
    "data.train_files=$TRAIN_FILES"
    "data.val_files=$VAL_FILES"
    "data.format_prompt=$FORMAT_PROMPT"
    "worker.actor.model.model_path=$TRAIN_MODEL"
    "worker.reward.reward_function=$REWARD_FILE:compute_score"
    "worker.reward.reward_function_kwargs=$REWARD_KWARGS"
    "trainer.nnodes=$NNODES"
    "trainer.n_gpus_per_node=$N_GPUS_PER_NODE"
    "trainer.experiment_name=$EXPERIMENT_NAME"
    "trainer.save_checkpoint_path=$SAVE_DIR"
  )
  if [[ "$MODEL_FAMILY" == qwen3_vl ]]; then
    EASYR1_OVERRIDES+=("worker.actor.model.trust_remote_code=true")  # loads the overlay's processor class
  fi
  if ((LORA_RANK > 0)); then
    EASYR1_OVERRIDES+=("worker.actor.model.lora.rank=$LORA_RANK" "worker.actor.model.lora.alpha=$LORA_ALPHA")
  fi
  if [[ -n "${LR:-}" ]]; then
    EASYR1_OVERRIDES+=("worker.actor.optim.lr=$LR")
  fi

  vr_show MODEL_PATH TRAIN_MODEL MODEL_FAMILY CONFIG TRAIN_FILES VAL_FILES FORMAT_PROMPT PROMPT_STYLE REWARD_PRESET REWARD_FILE \
    NNODES N_GPUS_PER_NODE LORA_RANK LORA_ALPHA LR EXPERIMENT_NAME SAVE_DIR PYTHON EASYR1_COMMIT
}
