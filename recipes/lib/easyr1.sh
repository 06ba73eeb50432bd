# shellcheck shell=bash
# EasyR1 GRPO recipe logic shared by recipes/*_grpo.sh (sourced after common.sh). The calling
# recipe sets MODEL_PATH's default and CONFIG; vr_easyr1_prepare resolves every other variable
# (documented in each recipe's usage comment), checks them and fills EASYR1_OVERRIDES with the
# key=value arguments for `python3 -m verl.trainer.main config=$CONFIG ...`.

vr_easyr1_prepare() {
  local export_root="${VIDEORL_DATA_DIR:-$HOME/.cache/videorl}/export"
  DATA_DIR="${DATA_DIR:-$export_root/easyr1}"
  TRAIN_FILES="${TRAIN_FILES:-$DATA_DIR/train.parquet}"
  VAL_FILES="${VAL_FILES:-$DATA_DIR/val.parquet}"
  REWARD_PRESET="${REWARD_PRESET:-temporal_r1}"
  # Temporal-R1's reward checks its quoted-JSON answer, so its preset pairs with the r1_json prompt.
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

  vr_check_gpus "${N_GPUS_PER_NODE:-8}"
  vr_check_host easyr1
  if ((!VR_DRY_RUN)) && [[ "$NNODES" =~ ^[0-9]+$ ]] && ((NNODES > 1)); then
    if ! "$PYTHON" -m ray.scripts.scripts status >/dev/null 2>&1; then
      vr_error "NNODES=$NNODES but no Ray cluster is reachable: run 'ray start --head --port=6379' here and 'ray start --address=<this node>:6379' on the other nodes first"
    fi
  fi
  vr_end_checks

  if [[ -z "${LR:-}" ]] && ((LORA_RANK > 0)); then LR=1.0e-5; fi  # EasyR1's LoRA example uses 1e-5
  TRAIN_FILES="$(vr_abspath "$TRAIN_FILES")"
  VAL_FILES="$(vr_abspath "$VAL_FILES")"
  FORMAT_PROMPT="$(vr_abspath "$FORMAT_PROMPT")"
  REWARD_KWARGS="{\"preset\":\"$REWARD_PRESET\"}"
  EASYR1_OVERRIDES=(
    "data.train_files=$TRAIN_FILES"
    "data.val_files=$VAL_FILES"
    "data.format_prompt=$FORMAT_PROMPT"
    "worker.actor.model.model_path=$MODEL_PATH"
    "worker.reward.reward_function=$REWARD_FILE:compute_score"
    "worker.reward.reward_function_kwargs=$REWARD_KWARGS"
    "trainer.nnodes=$NNODES"
    "trainer.n_gpus_per_node=$N_GPUS_PER_NODE"
    "trainer.experiment_name=$EXPERIMENT_NAME"
    "trainer.save_checkpoint_path=$SAVE_DIR"
  )
  if ((LORA_RANK > 0)); then
    EASYR1_OVERRIDES+=("worker.actor.model.lora.rank=$LORA_RANK" "worker.actor.model.lora.alpha=$LORA_ALPHA")
  fi
  if [[ -n "${LR:-}" ]]; then
    EASYR1_OVERRIDES+=("worker.actor.optim.lr=$LR")
  fi

  vr_show MODEL_PATH CONFIG TRAIN_FILES VAL_FILES FORMAT_PROMPT PROMPT_STYLE REWARD_PRESET REWARD_FILE \
    NNODES N_GPUS_PER_NODE LORA_RANK LORA_ALPHA LR EXPERIMENT_NAME SAVE_DIR PYTHON EASYR1_COMMIT
}
