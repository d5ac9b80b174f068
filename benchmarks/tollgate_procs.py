"""Shared by the Python benchmarks: start a `tollgate` subcommand and wait for its port."""
import re, subprocess, threading


def start(bin_, args, env=None):
    """Runs `tollgate ARGS` (port 0 picks a free one); returns (process, port) once it listens."""
    p = subprocess.Popen([bin_, *args], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
    for line in p.stdout:
        m = re.search(r"listening on http://[\d.]+:(\d+)", line)
        if m:
            threading.Thread(target=lambda: [None for _ in p.stdout], daemon=True).start()
            return p, int(m.group(1))
    raise SystemExit(f"{args[0]} did not start")
