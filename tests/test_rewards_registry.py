"""Registry (lazy, duplicates, close matches, entry points), composites, pickling, CLI."""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
import textwrap

import pytest

from videorl.rewards import UnknownRewardError, build, composite, get, names, register
from videorl.rewards import registry as reg
from videorl.target import Target

G = Target(task="grounding", duration=30.0, spans=((3.0, 9.0),))
TEXT = "<think>x</think><answer>6 - 12</answer>"  # IoU 1/3, every format mode ok


def test_import_is_light_and_registry_lazy():
    code = ("import sys, videorl.rewards as r; assert 'videorl.rewards.presets' not in sys.modules; "
            "assert not any(m in sys.modules for m in ('torch','transformers','numpy','pandas','yaml')); "
            "r.names(); assert 'videorl.rewards.presets' in sys.modules; print('ok')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


def test_duplicate_and_unknown_names():
    with pytest.raises(ValueError, match="already registered"):
        @register("iou")
        class Other:  # noqa: F841 - registration is the point
            pass
    with pytest.raises(UnknownRewardError, match="did you mean 'temporal_r1'"):
        get("temporal_rl")
    with pytest.raises(UnknownRewardError, match="unknown reward 'zzz'"):
        get("zzz")
    with pytest.raises(TypeError, match="reward 'iou'"):
        get("iou", nonsense=1)


def test_composite_from_kwargs_dict_json_yaml(tmp_path):
    spec = {"components": {"iou": 0.9, "format": {"weight": 0.1, "mode": "strict"}}}
    yaml_text = "components:\n  iou: 0.9\n  format: {weight: 0.1, mode: strict}\n"
    (tmp_path / "c.yaml").write_text(yaml_text)
    builds = [composite(spec), composite(json.dumps(spec)), composite(yaml_text),
              composite(str(tmp_path / "c.yaml")), build(spec),
              composite(iou=0.9, format={"weight": 0.1, "mode": "strict"})]
    for c in builds:
        res = c(TEXT, G)
        assert res.score == pytest.approx(0.9 / 3 + 0.1)  # 0.9 * 1/3 + 0.1 * 1
        assert res.components == pytest.approx({"iou": 1 / 3, "format": 1.0})
    assert builds[0] == builds[-1]


def test_composite_sub_components_normalize_and_aliases():
    c = composite({"components": {"iou": 1.0, "overlap": {"weight": 0.5, "mode": "recall"}}, "normalize": True})
    res = c("2.5 to 7.5", Target(task="grounding", duration=10.0, spans=((3.0, 7.0),)))
    assert res.score == pytest.approx((0.8 + 0.5) / 1.5)  # Lwt235's 0.8667
    assert res.components["recall"] == 1.0 and res.components["precision"] == pytest.approx(0.8)
    two = composite(strict={"reward": "format", "mode": "strict", "weight": 1},
                    lenient={"reward": "format", "mode": "lenient", "weight": 1})
    assert two("<think>a</think><answer>b</answer> tail", G).components == {"strict": 0.0, "lenient": 1.0,
                                                                           "format": 0.0}
    for bad in [{"components": {}}, {"components": {"iou": "x"}}, {"components": {"iuo": 1}}, {"comps": {}}]:
        with pytest.raises((ValueError, KeyError)):
            composite(bad)


def test_rewards_are_picklable_with_stable_names():
    for name in ["iou", "format", "default", "temporal_r1", "qwen3_vl_grpo_vtg", "video_r2", "default_grounding"]:
        r = get(name)
        assert r.__name__ == name
        r2 = pickle.loads(pickle.dumps(r))
        assert r2.__name__ == name
        assert r2(TEXT, G) == r(TEXT, G) if name not in ("video_r2",) else r2 == r
    c = composite(iou=0.9, format=0.1)
    assert pickle.loads(pickle.dumps(c))(TEXT, G).score == pytest.approx(c(TEXT, G).score)


def test_every_registered_name_builds_or_is_a_placeholder():
    for name, entry in reg.entries().items():
        if entry.kind == "placeholder":
            with pytest.raises(NotImplementedError):
                get(name)
        elif name not in ("composite", "dispatch"):
            assert get(name).__name__ == name
        assert entry.summary, name


PLUGIN = '''
from videorl.rewards import Reward, RewardResult

class Shout(Reward):
    """Pays 1 when the answer is in capitals."""
    name = "shout"
    components = ("shout",)
    def score(self, text, target):
        v = float(text.isupper())
        return RewardResult(v, {"shout": v}, "")
'''


def test_entry_point_plugin_is_usable_in_composites(tmp_path):
    (tmp_path / "shoutpkg.py").write_text(textwrap.dedent(PLUGIN))
    (tmp_path / "brokenpkg.py").write_text("raise RuntimeError('boom')\n")
    dist = tmp_path / "shoutpkg-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: shoutpkg\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text("[videorl.rewards]\nshout = shoutpkg:Shout\nbroken = brokenpkg:X\n")
    code = textwrap.dedent("""
        from videorl.rewards import composite, get, names
        from videorl.target import Target
        t = Target(task="grounding", duration=30.0, spans=((3.0, 9.0),))
        assert "shout" in names(), names()
        c = composite(iou=0.5, shout=0.5)
        r = c("3 - 9 SECONDS", t)
        print(r.score, r.components["shout"], r.components["iou"])
        try:
            get("broken")
        except KeyError as e:
            print("broken:", e)
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                         env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"}, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.strip().splitlines()
    assert lines[0] == "1.0 1.0 1.0"  # 0.5 * IoU 1 + 0.5 * shout 1
    assert lines[1].startswith("broken:") and "RuntimeError: boom" in lines[1]


def test_cli_list_and_score():
    from videorl.cli import main

    out = subprocess.run([sys.executable, "-m", "videorl", "rewards", "list", "--json"], capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    listed = {r["name"] for r in json.loads(out.stdout)}
    assert listed == set(names())
    target = json.dumps({"task": "grounding", "duration": 30, "spans": [[3, 9]]})
    resp = '<think>a</think><answer>{"start_time": 3, "end_time": "9"}</answer>'
    out = subprocess.run([sys.executable, "-m", "videorl", "rewards", "score", "--preset", "temporal_r1",
                          "--faithful", "--response", resp, "--target", target], capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    got = json.loads(out.stdout)
    assert got["score"] == 0.5 and got["components"] == {"iou": 1.0, "format": 0.0}  # unquoted 3: format 0
    assert main(["rewards", "score", "--preset", "iuo", "--response", "x", "--target", target]) == 2
    assert main(["rewards", "score", "--preset", "video_mtr_multiturn", "--response", "x", "--target", target]) == 2
    assert main(["rewards", "score", "--response", "x", "--target", '{"task": "grounding"}']) == 2


def test_cli_easyr1_reward_path(capsys):
    from videorl.cli import main
    from videorl.plugins.easyr1 import REWARD_FILE

    assert main(["easyr1", "reward-path"]) == 0
    assert capsys.readouterr().out.strip() == str(REWARD_FILE)
    assert main(["easyr1", "reward-path", "--with-function"]) == 0
    path, fn = capsys.readouterr().out.strip().rsplit(":", 1)
    assert fn == "compute_score" and path == str(REWARD_FILE) and REWARD_FILE.is_absolute()
