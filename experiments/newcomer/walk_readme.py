"""Walk a fresh clone with only the README, as a newcomer would, and write a transcript.

Clones the repository's committed HEAD into a new folder under /tmp (so no ``../shared``
is visible), starts from an environment without ``NASEARCH_DATA_DIR``, ``VIRTUAL_ENV`` or any
``.venv`` on ``PATH`` and with an empty score cache, and runs every command and snippet of
the README's code blocks in README order:

- ``bash`` blocks: each command (continuation lines and heredocs joined) runs in bash from
  the clone's root; the environment and working directory carry over from one command to
  the next (so ``source .venv/bin/activate`` works as in a shell). Commands after a
  ``# needs reference data`` comment are expected to stop with a one-line error (exit
  status 2, no traceback), since a fresh clone has no reference data.
- ``python`` blocks: each runs alone as a file with the shell's ``python``; when the README
  shows its output (a ``text`` block right after, introduced by "It prints" or "it prints"),
  the output is compared.
- other blocks (``toml``, ``text``) are file contents or outputs, not commands.

For each command it records the exit status, wall time, the longest stretch without any
output (stdout or stderr), the first lines of output, and whether it changed anything under
``experiments/`` of the clone (a documented command must not). The README is parsed afresh
on every run, so new sections are walked too. Optionally (``--warm-rerun``) the first command
is run once more at the end, to time the main job warm.

    python experiments/newcomer/walk_readme.py [--out experiments/newcomer] [--warm-rerun]
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import re
import shlex
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
NEEDS_DATA = "# needs reference data"
NEEDS = "# needs "  # "# needs a CUDA GPU ...", "# needs a SLURM cluster ...": not run in the walk
HEAD_LINES = 8


@dataclass
class Step:
    block: int  # number of the README code block (1-based)
    kind: str  # "bash" or "python"
    text: str
    section: str
    needs: str | None = None  # what the README says the command needs beyond a plain install
    expected_output: str | None = None
    rc: int | None = None

    @property
    def needs_data(self) -> bool:
        return self.needs == "reference data"
    seconds: float = 0.0
    longest_silence: float = 0.0
    output_head: list[str] = field(default_factory=list)
    wrote_experiments: list[str] = field(default_factory=list)
    verdict: str = ""


def readme_blocks(readme: str) -> list[tuple[str, str, str]]:
    """(language, body, section heading) of each fenced code block, in order."""
    blocks = []
    section = ""
    lines = readme.split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("#") and not line.startswith("#!"):
            section = line.lstrip("#").strip()
        match = re.match(r"^```(\w*)(?:\s+[\w-]+)*\s*$", line)  # "```python automl": language python
        if match:
            body = []
            i += 1
            while i < len(lines) and not lines[i].startswith("```"):
                body.append(lines[i])
                i += 1
            blocks.append((match.group(1), "\n".join(body) + "\n", section))
        i += 1
    return blocks


def bash_commands(body: str) -> list[tuple[str, str | None]]:
    """(command, what it needs) for each command of a bash block: a ``# needs ...`` comment marks
    the commands after it in the block ("reference data", or e.g. "a CUDA GPU and ...")."""
    commands = []
    needs: str | None = None
    lines = body.split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        i += 1
        if not stripped:
            continue
        if stripped.startswith("#"):
            if stripped.lower().startswith(NEEDS_DATA):
                needs = "reference data"
            elif stripped.lower().startswith(NEEDS) and needs is None:
                needs = stripped[len(NEEDS):].split(":")[0].split("(")[0].strip()
            continue
        command = [line]
        while command[-1].rstrip().endswith("\\") and i < len(lines):
            command.append(lines[i])
            i += 1
        heredoc = re.search(r"<<-?\s*'?\"?(\w+)'?\"?", " ".join(command))
        if heredoc:
            tag = heredoc.group(1)
            while i < len(lines):
                command.append(lines[i])
                i += 1
                if lines[i - 1].strip() == tag:
                    break
        commands.append(("\n".join(command), needs))
    return commands


def steps_of(readme: str) -> list[Step]:
    blocks = readme_blocks(readme)
    steps: list[Step] = []
    for number, (language, body, section) in enumerate(blocks, start=1):
        if language == "bash":
            steps += [Step(number, "bash", cmd, section, needs) for cmd, needs in bash_commands(body)]
        elif language == "python":
            if body.lstrip().startswith('"""'):
                continue  # the listing of a module file (its own tests check the file), not a snippet
            expected = None
            if number < len(blocks) and blocks[number][0] == "text":
                expected = blocks[number][1]
            first = body.lstrip().split("\n", 1)[0].strip()
            needs = None
            if first.lower().startswith(NEEDS_DATA):
                needs = "reference data"
            elif first.lower().startswith(NEEDS):
                needs = first[len(NEEDS):].split(":")[0].split("(")[0].strip()
            steps.append(Step(number, "python", body, section, needs=needs, expected_output=expected))
    return steps


def _clean_env(cache: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("NASEARCH_DATA_DIR", "VIRTUAL_ENV", "PYTHONPATH")}
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep)
                                  if ".venv" not in p)
    env["NASEARCH_CACHE_DIR"] = str(cache)
    env["PYTHONUNBUFFERED"] = "1"
    return env


def _run(script: str, env: dict[str, str], cwd: Path, timeout: float,
         heartbeat=None) -> tuple[int, float, float, bytes]:
    """Run ``script`` in bash; (exit status, seconds, longest silence, all output interleaved).

    ``heartbeat(seconds, silence, output)`` is called every minute while it runs (the transcript
    then shows a long step in progress). On KeyboardInterrupt or SIGTERM the command's process
    group is stopped and the status is -2."""
    start = time.perf_counter()
    proc = subprocess.Popen(["bash", "-c", script], cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    events: list[tuple[float, bytes]] = []
    lock = threading.Lock()

    def pump(stream) -> None:
        while True:
            chunk = os.read(stream.fileno(), 65536)
            if not chunk:
                break
            with lock:
                events.append((time.perf_counter(), chunk))

    threads = [threading.Thread(target=pump, args=(s,), daemon=True) for s in (proc.stdout, proc.stderr)]
    for t in threads:
        t.start()
    def silence_now() -> float:
        with lock:
            times = [start] + [t for t, _ in events] + [time.perf_counter()]
        return max(b - a for a, b in zip(times, times[1:]))

    rc = None
    try:
        while rc is None:
            try:
                rc = proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                if time.perf_counter() - start > timeout:
                    os.killpg(proc.pid, signal.SIGKILL)
                    rc = -9
                elif heartbeat is not None:
                    with lock:
                        output = b"".join(c for _, c in events)
                    heartbeat(time.perf_counter() - start, silence_now(), output)
    except KeyboardInterrupt:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait()
        rc = -2
    for t in threads:
        t.join(timeout=10)
    end = time.perf_counter()
    times = [start] + [t for t, _ in events] + [end]
    silence = max(b - a for a, b in zip(times, times[1:]))
    return rc, end - start, silence, b"".join(c for _, c in events)


def _head(output: bytes, n: int = HEAD_LINES) -> list[str]:
    """First ``n`` lines, a progress bar's redraws (carriage returns) reduced to the last one."""
    lines = []
    for raw in output.decode(errors="replace").split("\n"):
        shown = raw.rstrip("\r").split("\r")[-1].rstrip()
        if shown:
            lines.append(shown)
    if len(lines) > n:
        return lines[:n - 2] + [f"... ({len(lines) - n + 1} more lines)"] + lines[-1:]
    return lines


def _experiments_changes(clone: Path) -> list[str]:
    status = subprocess.run(["git", "status", "--porcelain", "--untracked-files=all", "--", "experiments"],
                            cwd=clone, capture_output=True, text=True).stdout
    return [line[3:] for line in status.splitlines() if line.strip()]


def walk(out: Path, warm_rerun: bool, timeout: float, keep: bool, skip: str | None = None) -> Path:
    commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True,
                            check=True).stdout.strip()
    root = Path(tempfile.mkdtemp(prefix="nasearch-walk-", dir="/tmp"))
    clone = root / "nasearch"
    subprocess.run(["git", "clone", "--quiet", str(REPO), str(clone)], check=True)
    subprocess.run(["git", "checkout", "--quiet", commit], cwd=clone, check=True)
    if (clone.parent / "shared").exists():
        raise SystemExit(f"{clone.parent / 'shared'} exists: the walk must not see reference data")
    env = _clean_env(root / "cache")
    state, cwd_file = root / "state.sh", root / "cwd"
    state.write_text("")
    cwd_file.write_text(str(clone))
    steps = steps_of((clone / "README.md").read_text())
    if warm_rerun and steps:
        first = steps[0]
        steps.append(Step(first.block, first.kind, first.text, "extra, not in the README: the first command "
                          "again, warm (every score in the store)"))
    out.mkdir(parents=True, exist_ok=True)
    started = datetime.now(timezone.utc)
    load_start = os.getloadavg()
    for number, step in enumerate(steps, start=1):
        print(f"[{number}/{len(steps)}] {step.text.splitlines()[0][:100]}", file=sys.stderr, flush=True)
        if skip and re.search(skip, step.text):
            step.verdict = f"SKIPPED in this walk (--skip {skip!r}); not run"
            _write(out, steps[:number], len(steps), commit, started, load_start, clone)
            continue
        if step.needs is not None and not step.needs_data:
            step.verdict = f"NOT RUN: the README marks it as needing {step.needs}"
            _write(out, steps[:number], len(steps), commit, started, load_start, clone)
            continue
        if step.kind == "python":
            # not beside the clone: Python puts a script's folder first on sys.path, where the clone's
            # folder "nasearch" would shadow the installed package
            snippet = root / "snippets" / f"snippet_{step.block}.py"
            snippet.parent.mkdir(exist_ok=True)
            snippet.write_text(step.text)
            command = f"python {shlex.quote(str(snippet))}"
        else:
            command = step.text
        script = (f'source {shlex.quote(str(state))}\ncd "$(cat {shlex.quote(str(cwd_file))})"\n{command}\n'
                  f'rc=$?\nexport -p > {shlex.quote(str(state))}\npwd > {shlex.quote(str(cwd_file))}\nexit $rc\n')
        before = set(_experiments_changes(clone))

        def heartbeat(seconds: float, silence: float, output: bytes, step=step, number=number) -> None:
            step.seconds, step.longest_silence, step.output_head = seconds, silence, _head(output)
            step.verdict = f"RUNNING at {datetime.now(timezone.utc).strftime('%H:%M UTC')} (output so far below)"
            _write(out, steps[:number], len(steps), commit, started, load_start, clone)

        step.rc, step.seconds, step.longest_silence, output = _run(script, env, clone, timeout, heartbeat)
        step.output_head = _head(output)
        step.wrote_experiments = sorted(set(_experiments_changes(clone)) - before)
        step.verdict = _verdict(step, output) if step.rc != -2 else (
            f"INTERRUPTED after {step.seconds:.0f} s: the walk was stopped here (output so far below)")
        print(f"    rc {step.rc}, {step.seconds:.1f} s, longest silence {step.longest_silence:.1f} s: {step.verdict}",
              file=sys.stderr, flush=True)
        _write(out, steps[:number], len(steps), commit, started, load_start, clone)
        if step.rc == -2:
            break
    if not keep:
        subprocess.run(["rm", "-rf", str(root)], check=False)
    return out / "transcript.md"


def _verdict(step: Step, output: bytes) -> str:
    text = output.decode(errors="replace")
    problems = []
    lines = [line for line in text.replace("\r", "\n").splitlines() if line.strip()]
    if step.needs_data and step.kind == "python":  # the API raises; its message must say what is missing
        if step.rc == 0 or not lines or "NASEARCH_DATA_DIR" not in lines[-1]:
            problems.append("expected an exception naming the missing reference data (NASEARCH_DATA_DIR)")
    elif step.needs_data:
        if step.rc != 2 or not lines or "error:" not in lines[-1]:
            problems.append("expected a one-line error (exit 2): a fresh clone has no reference data")
    elif step.rc != 0:
        problems.append(f"exit status {step.rc}")
    if step.expected_output is not None:
        expected = [line.rstrip() for line in step.expected_output.strip().splitlines()]
        got = [line.rstrip() for line in text.strip().splitlines()]
        if got[-len(expected):] != expected:
            problems.append("output differs from the README's")
    if "Traceback (most recent call last)" in text and not (step.needs_data and step.kind == "python"):
        problems.append("a traceback in the output")
    if step.wrote_experiments:
        problems.append(f"wrote inside experiments/: {', '.join(step.wrote_experiments[:5])}")
    if problems:
        return "PROBLEM: " + "; ".join(problems)
    if step.needs_data:
        return ("ok (needs reference data: stopped with " + ("an exception naming it" if step.kind == "python"
                else "a one-line error") + ", as the README says)")
    return "ok" + (" (output as in the README)" if step.expected_output is not None else "")


def _write(out: Path, done: list[Step], total: int, commit: str, started: datetime, load_start: tuple,
           clone: Path) -> None:
    load = os.getloadavg()
    problems = [s for s in done if s.verdict.startswith("PROBLEM")]
    skipped = [s for s in done if s.verdict.startswith("SKIPPED")]
    not_run = [s for s in done if s.verdict.startswith("NOT RUN")]
    lines = [
        "# A fresh clone walked with only the README",
        "",
        f"Written by `python experiments/newcomer/walk_readme.py` (commit `{commit[:10]}`, clone in "
        f"`{clone}`, no `../shared`, `NASEARCH_DATA_DIR` unset, empty score cache, no `.venv` on `PATH`).",
        f"Machine: {platform.machine()}, {os.cpu_count()} CPU cores shared with other work (load average "
        f"{load_start[0]:.1f} at the start, {load[0]:.1f} now), Python {platform.python_version()}; "
        f"started {started.strftime('%Y-%m-%d %H:%M UTC')}.",
        f"Steps done: {sum(not s.verdict.startswith('RUNNING') for s in done)} of {total}"
        f"{' (one running)' if done and done[-1].verdict.startswith('RUNNING') else ''}; total wall time {sum(s.seconds for s in done) / 60:.1f} min; "
        f"problems: {len(problems)}; skipped: {len(skipped)}; not run (the README marks them as needing a GPU, "
        f"a cluster or one's own files): {len(not_run)}.",
        "",
        "| # | README section | command | exit | wall s | longest silence s | verdict |",
        "|---|---|---|---|---|---|---|",
    ]
    for number, s in enumerate(done, start=1):
        first = s.text.strip().splitlines()[0] if s.kind == "bash" else f"python snippet (block {s.block})"
        first = first.replace("|", "\\|")
        lines.append(f"| {number} | {s.section} | `{first[:90]}` | {'-' if s.rc is None else s.rc} | {s.seconds:.1f} | "
                     f"{s.longest_silence:.1f} | {s.verdict} |")
    lines.append("")
    for number, s in enumerate(done, start=1):
        lines += [f"## {number}. {s.section}", "", f"```{'bash' if s.kind == 'bash' else 'python'}",
                  s.text.rstrip(), "```", "",
                  f"exit {s.rc}, {s.seconds:.1f} s, longest silence {s.longest_silence:.1f} s: {s.verdict}. "
                  "First lines of output (stdout and stderr interleaved; a progress bar's redraws shown once):", "",
                  "```text", *s.output_head, "```", ""]
    (out / "transcript.md").write_text("\n".join(lines))
    with (out / "transcript.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["step", "block", "kind", "section", "command", "needs", "exit", "seconds",
                         "longest_silence_s", "verdict"])
        for number, s in enumerate(done, start=1):
            writer.writerow([number, s.block, s.kind, s.section, s.text.strip().splitlines()[0], s.needs or "",
                             s.rc, f"{s.seconds:.1f}", f"{s.longest_silence:.1f}", s.verdict])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=HERE, help="folder for transcript.md/.csv (default: beside this)")
    parser.add_argument("--warm-rerun", action="store_true", help="run the first command again at the end (warm)")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds allowed per command (default: 3600)")
    parser.add_argument("--keep", action="store_true", help="keep the clone and its .venv under /tmp")
    parser.add_argument("--list", action="store_true", help="only list the steps the README gives")
    parser.add_argument("--skip", default=None, metavar="REGEX",
                        help="record commands matching REGEX as skipped instead of running them "
                             "(e.g. 'scripts/test.sh' when the suite is run separately); the transcript says so")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    if args.list:
        for step in steps_of((REPO / "README.md").read_text()):
            print(f"block {step.block} {step.kind}{f' [needs {step.needs}]' if step.needs else ''}: "
                  f"{step.text.strip().splitlines()[0]}")
        return
    print(walk(args.out, args.warm_rerun, args.timeout, args.keep, args.skip))


if __name__ == "__main__":
    main()
