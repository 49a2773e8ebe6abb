"""What every benchmark script shares: best-of-repeats timing, the table of ratios, and running the table
once with one BLAS thread and once with the default thread count.

A benchmark script defines ``table(timing)`` returning a list of :class:`Row` and calls
``main(__doc__, table)``. Nothing is written to disk.
"""

import argparse
import math
import time
from typing import NamedTuple

import torch
from threadpoolctl import threadpool_limits


class Timing(NamedTuple):
    """How long to measure: ``repeat`` timed rounds (the best one counts) of ``few`` calls of a slow step
    or ``many`` calls of a fast one."""

    repeat: int
    few: int
    many: int


FULL = Timing(repeat=7, few=20, many=100)
QUICK = Timing(repeat=3, few=5, many=20)
SMOKE = Timing(repeat=1, few=1, many=1)


class Row(NamedTuple):
    name: str
    mine: float
    reference: float
    target: str

    @property
    def ratio(self):
        return self.mine / self.reference


def best_times(fns, repeat, number):
    """For each function, the best over ``repeat`` rounds of the mean time of ``number`` calls, after
    one warm-up call; the functions' rounds are interleaved so that a burst of load from other processes
    hits all of them alike."""
    for fn in fns:
        fn()
    best = [math.inf] * len(fns)
    for _ in range(repeat):
        for i, fn in enumerate(fns):
            best[i] = min(best[i], _mean_time(fn, number))
    return best


def timed_row(name, mine, reference, target, repeat, number):
    """A table row comparing two step functions, timed with interleaved rounds."""
    return Row(name, *best_times([mine, reference], repeat, number), target)


def _mean_time(fn, number):
    start = time.perf_counter()
    for _ in range(number):
        fn()
    return (time.perf_counter() - start) / number


def thread_settings():
    """Yield a label per thread setting, with torch and the BLAS libraries limited accordingly."""
    default_threads = torch.get_num_threads()
    for threads in (1, None):
        torch.set_num_threads(threads or default_threads)
        with threadpool_limits(limits=threads):
            yield "1 thread" if threads == 1 else f"default threads ({default_threads})"


def print_table(label, rows):
    print(f"\n{label}")
    print(f"{'benchmark':46} {'gradviz':>11} {'reference':>11} {'ratio':>7}  target")
    for name, mine, reference, target in rows:
        print(f"{name:46} {mine * 1e3:9.3f}ms {reference * 1e3:9.3f}ms {mine / reference:7.2f}  {target}")


def main(doc, table):
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats (a smoke run)")
    timing = QUICK if parser.parse_args().quick else FULL
    for label in thread_settings():
        print_table(label, table(timing))
