"""Mapping files mutated at random (lines dropped, repeated, re-indented, odd values and YAML features
inserted: tags, anchors, flow collections, tabs, odd Unicode) are checked and loaded without a traceback:
every problem is ``file:line:column: message`` inside the file, and ``load_mapping`` either gives a mapping
or raises ``MappingInvalid``. Unsafe tags (``!!python/object``…) are refused and never run."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from erpsync.core.errors import ErpsyncError
from erpsync.mapping import MappingInvalid, load_mapping
from erpsync.mapping.validate import CheckContext, check_text
from tests.fuzz.strategies import EXAMPLES, FUZZ, ODD_TEXTS

FUZZ_FEWER = settings(FUZZ, max_examples=max(20, EXAMPLES // 4))  # a check reads the whole mappings folder

MAPPINGS = Path(__file__).resolve().parents[2] / "mappings"
FILES = sorted(p.name for p in MAPPINGS.glob("*.yaml"))
SNIPPETS = [
    "!!python/object/apply:os.system ['touch fuzz-pwned']", "!!python/name:os.system", "!!binary aGk=", "!foo x",
    "&a [*a]", "*nowhere", "&b {x: 1}", "<<: *b", "{", "[", "]", "}", ": :", "? [a, b]", "- - -", "|", ">-", "'",
    '"', "\t", "key: value: more", "%YAML 1.1", "---", "...", "~", "null", "yes", "0x1F", "1e400", ".nan", "-.inf",
    "2024-13-45", "1" * 1200, "@", "`", "#", "!!str", "!!int x", "!!map []", "!!set {a}", "!!omap [a: 1]",
]
YAML_BITS = st.one_of(st.sampled_from(SNIPPETS), st.sampled_from(ODD_TEXTS), st.text(max_size=12))


@st.composite
def mutated_text(draw: st.DrawFn, name: str) -> str:
    lines = (MAPPINGS / name).read_text(encoding="utf-8").splitlines()
    for _ in range(draw(st.integers(1, 5))):
        if not lines:
            lines.append(draw(YAML_BITS))
            continue
        index = draw(st.integers(0, len(lines) - 1))
        action = draw(st.sampled_from(["drop", "repeat", "indent", "dedent", "value", "insert", "cut"]))
        line = lines[index]
        if action == "drop":
            del lines[index]
        elif action == "repeat":
            lines.insert(index, line)
        elif action == "indent":
            lines[index] = draw(st.sampled_from([" ", "  ", "\t", "   "])) + line
        elif action == "dedent":
            lines[index] = line.lstrip()
        elif action == "value" and ":" in line:
            lines[index] = line[: line.index(":") + 1] + " " + draw(YAML_BITS)
        elif action == "cut":
            lines[index] = line[: draw(st.integers(0, len(line)))]
        else:
            lines.insert(index, draw(YAML_BITS))
    return "\n".join(lines) + draw(st.sampled_from(["\n", "", "\n\n"]))


def _in_file(problem: object, name: str, text: str) -> None:
    line_count = max(1, text.count("\n") + 1)
    assert problem.file == name  # type: ignore[attr-defined]
    assert 1 <= problem.line <= line_count + 1, problem  # type: ignore[attr-defined]
    assert problem.column >= 1, problem  # type: ignore[attr-defined]
    assert str(problem).startswith(f"{name}:{problem.line}:{problem.column}: ")  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", FILES)
def test_a_mutated_mapping_file_is_checked_into_located_problems_never_a_traceback(name: str, tmp_path: Path) -> None:
    mappings = tmp_path / "mappings"
    shutil.copytree(MAPPINGS, mappings)

    @FUZZ_FEWER
    @given(mutated_text(name))
    def check(text: str) -> None:
        for problem in check_text(text, mappings / name, CheckContext(mappings), name):
            _in_file(problem, name, text)
        if name == "accounting.yaml" or any("\ud800" <= ch <= "\udfff" for ch in text):
            return  # a lone surrogate cannot even be written to a file
        (mappings / name).write_text(text, encoding="utf-8")
        try:
            load_mapping(mappings, name.removesuffix(".yaml"))
        except MappingInvalid as error:
            assert error.problems and str(error).startswith(str(error.problems[0]).split(":")[0])
        except ErpsyncError:
            pass
        finally:
            shutil.copy(MAPPINGS / name, mappings / name)

    check()


@pytest.mark.parametrize("value", [
    "!!python/object/apply:os.system ['touch {marker}']",
    "!!python/object/new:subprocess.Popen [['touch', '{marker}']]",
    "!!python/name:os.system",
    "!!python/module:os",
    "!!python/object:pathlib.Path {{}}",
])
def test_unsafe_tags_are_refused_at_their_place_and_never_run(value: str, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    mappings = tmp_path / "mappings"
    shutil.copytree(MAPPINGS, mappings)
    text = (MAPPINGS / "kaspi.yaml").read_text(encoding="utf-8")
    text = text.replace("version:", f"evil: {value.format(marker=marker)}\nversion:", 1)
    line = text.splitlines().index(next(x for x in text.splitlines() if x.startswith("evil:"))) + 1
    (mappings / "kaspi.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(MappingInvalid) as refused:
        load_mapping(mappings, "kaspi")
    assert f"kaspi.yaml:{line}:7: the tag !!python/" in str(refused.value)
    assert "not allowed" in str(refused.value)
    assert not marker.exists()


def test_an_alias_bomb_or_a_self_containing_alias_is_refused_at_once(tmp_path: Path) -> None:
    levels = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    levels += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    bomb = "\n".join(levels) + "\n"
    [problem] = check_text(bomb, tmp_path / "kaspi.yaml", CheckContext(tmp_path), "kaspi.yaml")
    assert "more than 100,000 values" in problem.message and problem.line > 1
    [problem] = check_text("marketplace: kaspi\nloop: &x [1, *x]\n", tmp_path / "kaspi.yaml", CheckContext(tmp_path),
                           "kaspi.yaml")
    assert str(problem) == "kaspi.yaml:2:7: an alias refers to a value that contains it"
