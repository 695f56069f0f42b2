"""Peak memory of the running process, for the benchmark scripts (any Python, no hftlab)."""


def peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM) in MB. Unlike ru_maxrss it starts afresh
    at exec, so a child process does not inherit the peak of the parent it was forked from."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")
