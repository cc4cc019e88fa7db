"""Every ```python block of README.md runs as written.

Each block is extracted from README.md and executed on its own: in a fresh
namespace (``__name__ == "__main__"``), in an empty temporary working
directory, with the suite's usual fresh configuration and seeds. A failing
block fails the test whose id and message name the block's first line and
its line number in README.md.

Exclusion marker: a block whose FIRST line is a comment of the form

    # not run: <reason>

is not executed (the reason must be given; it is shown as the skip reason).
Use it only for a block that cannot run here (e.g. it needs a GPU or a
network); anything else must run as written. Blocks of other languages
(```bash, plain ```) are never run.
"""

import os
import re
import traceback

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
README = os.path.join(ROOT, "README.md")
MARKER = re.compile(r"^#\s*not run:\s*(\S.*)$")


def python_blocks(text):
    """``(line_number, first_line, source)`` of each ```python block: the
    line number (from 1) of the line after the opening fence, and the first
    non-blank line of the block."""
    blocks = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        fence = lines[i].strip()
        if fence.startswith("```"):
            lang = fence[3:].strip().lower()
            start = i + 1
            j = start
            while j < len(lines) and lines[j].strip() != "```":
                j += 1
            if j == len(lines):
                raise ValueError(f"README.md: the code block opened at line {i + 1} is "
                                 f"never closed")
            if lang in ("python", "py", "python3"):
                body = lines[start:j]
                first = next((ln for ln in body if ln.strip()), "")
                blocks.append((start + 1, first.strip(), "\n".join(body) + "\n"))
            i = j + 1
        else:
            i += 1
    return blocks


def _blocks():
    with open(README, encoding="utf-8") as f:
        return python_blocks(f.read())


BLOCKS = _blocks()


def test_readme_has_python_blocks():
    assert BLOCKS, "README.md has no ```python block"


@pytest.mark.parametrize("line, first, source", BLOCKS,
                         ids=[f"line{n}:{first[:40]}" for n, first, _ in BLOCKS])
def test_readme_block_runs(line, first, source, tmp_path, monkeypatch):
    m = MARKER.match(first)
    if m:
        pytest.skip(f"README.md line {line}: not run: {m.group(1)}")
    if first.startswith("#") and first.lower().lstrip("# ").startswith("not run"):
        pytest.fail(f"README.md line {line}: malformed exclusion marker {first!r}; write "
                    f"'# not run: <reason>'")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    namespace = {"__name__": "__main__", "__file__": os.path.join(str(tmp_path), "block.py")}
    try:
        code = compile(source, f"README.md:{line}", "exec")
        exec(code, namespace)
    except BaseException as e:  # SystemExit too: a block must run to its end
        if isinstance(e, KeyboardInterrupt):
            raise
        tb = "".join(traceback.format_exception(type(e), e, e.__traceback__)[-6:])
        pytest.fail(f"README.md block at line {line} ({first!r}) failed:\n{tb}",
                    pytrace=False)


def test_block_extraction_and_marker():
    text = ("x\n```python\n# not run: needs a GPU\nimport cupy\n```\n"
            "```bash\nls\n```\n```python\n\nprint(1)\n```\n")
    blocks = python_blocks(text)
    assert [(n, first) for n, first, _ in blocks] == [(3, "# not run: needs a GPU"),
                                                      (10, "print(1)")]
    assert MARKER.match(blocks[0][1]).group(1) == "needs a GPU"
    assert MARKER.match("# not run:") is None      # a reason is required
    with pytest.raises(ValueError, match="never closed"):
        python_blocks("```python\nx = 1\n")
