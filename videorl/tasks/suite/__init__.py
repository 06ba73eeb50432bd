"""Think (R1) variants of lmms-eval's own video benchmarks and the methods' suites.

The generator and the benchmarks' facts live in :mod:`videorl.plugins.lmms_eval.suite` (lmms-eval host
glue, below the task folders, so the plugin's hook can build the derived tasks without importing a task
folder); this package holds the functions the derived YAML names (:mod:`videorl.tasks.suite.hooks`) and
re-exports the generator for ``python -m videorl.tasks.suite`` and existing imports.
"""

from videorl.plugins.lmms_eval.suite import (  # noqa: F401
    _NAME,
    BENCHES,
    ENV_DATA,
    ENV_JUDGE,
    GENERIC,
    HOOKS,
    JUDGED_METRICS,
    MIN_NEW_TOKENS,
    SUFFIX,
    SUITES,
    Bench,
    Fn,
    UnwrappableTask,
    _announced,
    _cache_root,
    _dotted,
    _dump,
    _hf_home,
    _hook,
    _hub_cached,
    _number,
    _ours,
    build,
    builtin_index,
    dataset_status,
    derive_group,
    derive_task,
    derived_dir,
    derived_name,
    headline_value,
    judge_enabled,
    lmms_eval_root,
    local_data,
    log,
    read_yaml,
    replace_post_prompts,
    write_folder,
)
