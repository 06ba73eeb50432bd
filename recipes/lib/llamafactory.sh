# shellcheck shell=bash
# LLaMA-Factory SFT / merge logic shared by recipes/*_sft.sh (sourced after common.sh). The calling
# recipe sets MODEL_PATH's default, SFT_CONFIG and MERGE_CONFIG; vr_llamafactory_prepare resolves the
# other variables, checks them and sets LF_COMMAND (train or export), LF_CONFIG and LF_OVERRIDES for
# `llamafactory-cli $LF_COMMAND $LF_CONFIG key=value ...` (overrides are merged into the YAML by
# LLaMA-Factory's OmegaConf.from_cli). --merge selects the export step; vr_llamafactory_after_merge then
# makes the merged config reload as the released one (fix_merged_config.py).

# Sets variables the calling recipe reads (SC2034); SFT_CONFIG / MERGE_CONFIG come from the recipe (SC2153).
# shellcheck disable=SC2034,SC2153
vr_llamafactory_prepare() {
  local merge=0 arg rest=()
  for arg in "$@"; do
    if [[ "$arg" == --merge ]]; then merge=1; else rest+=("$arg"); fi
  done
  LF_EXTRA=(${rest[@]+"${rest[@]}"})
  local export_root="${VIDEORL_DATA_DIR:-$HOME/.cache/videorl}/export"
  DATA_DIR="${DATA_DIR:-$export_root/llamafactory}"
  DATASET="${DATASET:-train}"
  OUTPUT_DIR="${OUTPUT_DIR:-$PWD/saves/$VR_NAME}"
  EXPORT_DIR="${EXPORT_DIR:-$OUTPUT_DIR/merged}"
  NPROC_PER_NODE="${NPROC_PER_NODE:-8}"
  NNODES="${NNODES:-1}"
  NODE_RANK="${NODE_RANK:-0}"
  MASTER_ADDR="${MASTER_ADDR:-127.0.0.1}"
  MASTER_PORT="${MASTER_PORT:-29500}"
  LLAMAFACTORY_CLI="${LLAMAFACTORY_CLI:-llamafactory-cli}"

  vr_check_model MODEL_PATH
  vr_check_int NPROC_PER_NODE
  vr_check_int NNODES
  vr_check_int NODE_RANK 0
  vr_check_int MASTER_PORT
  if ((merge)); then
    LF_COMMAND='export'
    LF_CONFIG="$MERGE_CONFIG"
    vr_check_file MERGE_CONFIG
    if ((VR_DRY_RUN)) && [[ ! -f "$OUTPUT_DIR/adapter_config.json" ]]; then
      vr_log "dry run: no adapter in OUTPUT_DIR=$OUTPUT_DIR yet (the SFT step writes it)"
    else
      vr_check_file "adapter (OUTPUT_DIR)" "$OUTPUT_DIR/adapter_config.json"
    fi
    LF_OVERRIDES=("model_name_or_path=$MODEL_PATH" "adapter_name_or_path=$(vr_abspath "$OUTPUT_DIR")"
      "export_dir=$(vr_abspath "$EXPORT_DIR")")
  else
    LF_COMMAND=train
    LF_CONFIG="$SFT_CONFIG"
    vr_check_file SFT_CONFIG
    local family=qwen2_5_vl
    [[ "$(basename "$SFT_CONFIG")" == qwen3_vl* ]] && family=qwen3_vl
    vr_hint DATA_DIR "videorl data export llamafactory RECORDS.jsonl --out $DATA_DIR --name $DATASET --model $family --video-dir VIDEOS"
    vr_check_file "DATA_DIR" "$DATA_DIR/dataset_info.json"
    if [[ -f "$DATA_DIR/dataset_info.json" ]] &&
      ! "$PYTHON" -c 'import json,sys; sys.exit(sys.argv[2] not in json.load(open(sys.argv[1])))' \
        "$DATA_DIR/dataset_info.json" "$DATASET" 2>/dev/null; then
      vr_error "DATASET=$DATASET has no entry in $DATA_DIR/dataset_info.json (the --name given to videorl data export llamafactory)"
    fi
    # A Qwen2.5-VL folder saved by transformers 4.57 (an earlier merge) reloads as qwen2_5_vl_text, and
    # LLaMA-Factory would then put LoRA on the vision blocks and crash (fix_merged_config.py).
    if [[ -f "$MODEL_PATH/config.json" ]] && ! "$PYTHON" "$VR_LIB_DIR/fix_merged_config.py" "$MODEL_PATH" --check >/dev/null 2>&1; then
      vr_error "MODEL_PATH=$MODEL_PATH reloads as qwen2_5_vl_text (saved by transformers 4.57); fix it first: $PYTHON $VR_LIB_DIR/fix_merged_config.py $MODEL_PATH"
    fi
    LF_OVERRIDES=("model_name_or_path=$MODEL_PATH" "dataset_dir=$(vr_abspath "$DATA_DIR")" "dataset=$DATASET"
      "output_dir=$(vr_abspath "$OUTPUT_DIR")")
    # The export's frames must reach the model unchanged and at the right times (check_sft_data.py).
    local data_problems
    if [[ -f "$DATA_DIR/dataset_info.json" ]] &&
      ! data_problems="$("$PYTHON" "$VR_LIB_DIR/check_sft_data.py" "$LF_CONFIG" "$DATA_DIR" "$DATASET" \
        ${LF_EXTRA[@]+"${LF_EXTRA[@]}"} 2>&1)"; then
      vr_error "the SFT config does not fit the export in DATA_DIR=$DATA_DIR:"$'\n'"$data_problems"
    fi
    # LLaMA-Factory re-joins the arguments with spaces for torchrun, so no argument may contain one.
    for arg in "$LF_CONFIG" "${LF_OVERRIDES[@]}" ${LF_EXTRA[@]+"${LF_EXTRA[@]}"}; do
      [[ "$arg" != *[[:space:]]* ]] || vr_error "'$arg' contains whitespace, which LLaMA-Factory's torchrun launch splits"
    done
    vr_check_gpus "$NPROC_PER_NODE"
  fi
  vr_check_host llamafactory
  if ((!VR_DRY_RUN)) && ! command -v "$LLAMAFACTORY_CLI" >/dev/null 2>&1; then
    vr_error "$LLAMAFACTORY_CLI not found: run third_party/install_llamafactory.sh or set LLAMAFACTORY_CLI"
  fi
  vr_end_checks

  # LLaMA-Factory's launcher reads these (torchrun on one or several nodes).
  export FORCE_TORCHRUN=1 NNODES NODE_RANK NPROC_PER_NODE MASTER_ADDR MASTER_PORT
  vr_show LF_COMMAND LF_CONFIG MODEL_PATH DATA_DIR DATASET OUTPUT_DIR EXPORT_DIR \
    FORCE_TORCHRUN NNODES NODE_RANK NPROC_PER_NODE MASTER_ADDR MASTER_PORT LLAMAFACTORY_VERSION
}

# After `llamafactory-cli export`: drop text_config.model_type, which transformers 4.57 writes and which makes a
# merged Qwen2.5-VL reload as qwen2_5_vl_text (LoRA on vision blocks in a later SFT, wrong dispatch elsewhere).
vr_llamafactory_after_merge() {
  if [[ "$LF_COMMAND" == export ]]; then
    vr_run "$PYTHON" "$VR_LIB_DIR/fix_merged_config.py" "$(vr_abspath "$EXPORT_DIR")"
  fi
}
